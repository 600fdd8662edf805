package file

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/ingest/parse/cloud"
	"github.com/vigilsec/vigil/internal/x/linereader"
)

// MaxDocumentBytes is the largest JSON document a cloud format reads at once (a CloudTrail S3 file is one document
// holding all its records).
const MaxDocumentBytes = 256 << 20

func init() {
	for _, name := range cloud.Formats() {
		Register(name, cloudReader(name))
	}
}

// cloudReader reads the records of a cloud format. Input whose first line is a whole JSON value is read one
// value a line (a bad line costs only itself); other input (a pretty-printed document, an array) is read as a
// sequence of JSON documents of at most MaxDocumentBytes. Each value is a record or a wrapper of records
// ({"Records":[…]}, {"value":[…]}, {"items":[…]}, an array).
func cloudReader(format string) ReadFunc {
	norm := cloud.Normalizers[format]
	return func(in Input) (Counts, error) {
		var c Counts
		reject := func(line int, err error) {
			c.Read++
			c.Rejected++
			if len(c.Rejects) < in.Options.MaxRejects {
				c.Rejects = append(c.Rejects, Reject{Line: line, Error: err.Error()})
			}
		}
		pending := 0
		var p fastjson.Parser
		value := func(line int, val []byte) error {
			doc, err := p.ParseBytes(val)
			if err != nil {
				reject(line, fmt.Errorf("invalid JSON: %w", err))
				return nil
			}
			recs := cloud.Unwrap(doc)
			for i, rec := range recs {
				if err := norm(rec, in.Out); err != nil {
					if len(recs) > 1 {
						err = fmt.Errorf("record %d: %w", i+1, err)
					}
					reject(line, err)
					continue
				}
				c.Read++
				c.Accepted++
				pending++
				if pending >= flushLines {
					pending = 0
					if err := in.Flush(); err != nil {
						return err
					}
				}
			}
			return nil
		}
		src := &errReader{r: in.R}
		br := bufio.NewReaderSize(src, 1<<20)
		head, _ := br.Peek(1 << 20)
		if src.err != nil {
			return c, src.err
		}
		t := bytes.TrimLeft(head, " \t\r\n")
		if len(t) == 0 {
			return c, nil
		}
		if nl := bytes.IndexByte(t, '\n'); nl >= 0 && fastjson.ValidateBytes(bytes.TrimSpace(t[:nl])) == nil {
			// One value a line.
			lr := linereader.New(br, MaxDocumentBytes)
			for line := 1; ; line++ {
				text, long, err := lr.Next()
				if tt := bytes.TrimSpace(text); len(tt) > 0 {
					if long {
						reject(line, fmt.Errorf("line longer than %d bytes", MaxDocumentBytes))
					} else if verr := value(line, tt); verr != nil {
						return c, verr
					}
				}
				if err != nil {
					if src.err != nil {
						return c, src.err
					}
					return c, nil
				}
			}
		}
		// Documents spanning lines: read them whole.
		rest, rerr := io.ReadAll(io.LimitReader(br, MaxDocumentBytes+1))
		if rerr != nil {
			return c, rerr
		}
		if len(rest) > MaxDocumentBytes {
			reject(1, fmt.Errorf("document longer than %d bytes", MaxDocumentBytes))
			return c, nil
		}
		dec := json.NewDecoder(bytes.NewReader(rest))
		for {
			var raw json.RawMessage
			off := dec.InputOffset()
			if err := dec.Decode(&raw); err != nil {
				if errors.Is(err, io.EOF) {
					return c, nil
				}
				reject(1+bytes.Count(rest[:off], []byte("\n")), fmt.Errorf("invalid JSON: %w", err))
				return c, nil
			}
			if verr := value(1+bytes.Count(rest[:off], []byte("\n")), raw); verr != nil {
				return c, verr
			}
		}
	}
}

// errReader remembers the first read error other than io.EOF, so a failing input stops the import instead of
// counting as bad records.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && e.err == nil {
		e.err = err
	}
	return n, err
}

// detectCloud names the cloud format of a JSON head by the field names its documentation gives it, or "".
func detectCloud(t []byte) string {
	has := func(keys ...string) bool {
		for _, k := range keys {
			if !bytes.Contains(t, []byte(`"`+k+`"`)) {
				return false
			}
		}
		return true
	}
	switch {
	case has("eventVersion", "eventSource") || has("Records", "eventSource"):
		return cloud.FormatCloudTrail
	case has("activityDisplayName", "activityDateTime"):
		return cloud.FormatEntraAudit
	case has("createdDateTime", "userPrincipalName"):
		return cloud.FormatEntraSignIn
	case has("CreationTime", "Operation", "Workload") || has("CreationTime", "Operation", "RecordType"):
		return cloud.FormatO365
	case has("eventType", "published", "actor"):
		return cloud.FormatOkta
	case bytes.Contains(t, []byte(`admin#reports#activity`)):
		return cloud.FormatGWorkspace
	}
	return ""
}
