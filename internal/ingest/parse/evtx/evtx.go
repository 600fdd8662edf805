// Package evtx reads Windows event log files (.evtx) with the evtx library, renders each record as Windows event
// JSON and hands it to the Windows event normaliser, so a file imports exactly as the same events shipped as JSON
// would. It registers the "evtx" format with internal/ingest/file.
package evtx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	goevtx "www.velocidex.com/golang/evtx"

	"github.com/vigilsec/vigil/internal/ingest/file"
	"github.com/vigilsec/vigil/internal/ingest/parse/winevent"
)

// Magic is the first bytes of an .evtx file.
var Magic = []byte("ElfFile\x00")

func init() {
	file.Register("evtx", Read)
	file.RegisterMagic("evtx", Magic)
}

// flushEvery is how many records are gathered before the rows are handed on.
const flushEvery = 4096

// Read imports one .evtx file. Records are numbered from 1 in file order for rejects. A chunk that cannot be
// parsed is a reject (its records are lost to the library, not to the rest of the file).
func Read(in file.Input) (file.Counts, error) {
	var c file.Counts
	data, err := io.ReadAll(in.R)
	if err != nil {
		return c, err
	}
	chunks, err := goevtx.GetChunks(bytes.NewReader(data))
	if err != nil {
		return c, fmt.Errorf("not a readable evtx file: %w", err)
	}
	dec := winevent.Decoder{}
	dec.Normalizer.DeviceTables = in.Options.DeviceTables
	reject := func(n int, err error) {
		c.Rejected++
		if len(c.Rejects) < in.Options.MaxRejects {
			c.Rejects = append(c.Rejects, file.Reject{Line: n, Error: err.Error()})
		}
	}
	var buf []byte
	pending := 0
	for ci, chunk := range chunks {
		records, err := parseChunk(chunk)
		if err != nil {
			c.Read++
			reject(c.Read, fmt.Errorf("chunk %d: %w", ci, err))
			continue
		}
		for _, rec := range records {
			c.Read++
			buf, err = json.Marshal(rec.Event)
			if err != nil {
				reject(c.Read, fmt.Errorf("record %d: render: %w", rec.Header.RecordID, err))
				continue
			}
			if err := dec.Record(buf, in.Out); err != nil {
				reject(c.Read, fmt.Errorf("record %d: %w", rec.Header.RecordID, err))
				continue
			}
			c.Accepted++
			if pending++; pending >= flushEvery {
				if err := in.Flush(); err != nil {
					return c, err
				}
				pending = 0
			}
		}
	}
	return c, nil
}

// parseChunk parses one chunk, turning a panic in the library on a corrupt chunk into an error.
func parseChunk(ch *goevtx.Chunk) (recs []*goevtx.EventRecord, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("corrupt chunk: %v", r)
		}
	}()
	return ch.Parse(0)
}
