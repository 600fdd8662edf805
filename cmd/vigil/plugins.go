package main

// Optional input formats register themselves with internal/ingest/file when linked in.
import (
	_ "github.com/vigilsec/vigil/internal/ingest/parse/evtx" // .evtx files
)
