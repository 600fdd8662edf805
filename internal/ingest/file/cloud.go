package file

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/ingest/parse/cloud"
	"github.com/vigilsec/vigil/internal/ingest/parse/winevent"
)

// MaxDocumentBytes is the largest JSON document a cloud format reads at once (a CloudTrail S3 file is one document
// holding all its records).
const MaxDocumentBytes = 256 << 20

func init() {
	for _, name := range cloud.Formats() {
		Register(name, cloudReader(name))
	}
}

// cloudReader reads the records of a cloud format: documents one a line, a stream or an array of them, each
// either a record or a wrapper of records ({"Records":[…]}, {"value":[…]}, {"items":[…]}).
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
		src := &errReader{r: in.R}
		sp := winevent.NewSplitter(src, MaxDocumentBytes)
		var p fastjson.Parser
		pending := 0
		for {
			val, line, err := sp.Next()
			if errors.Is(err, io.EOF) {
				return c, nil
			}
			if err != nil {
				if src.err != nil {
					return c, err
				}
				reject(line, err)
				continue
			}
			doc, err := p.ParseBytes(val)
			if err != nil {
				reject(line, fmt.Errorf("invalid JSON: %w", err))
				continue
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
						return c, err
					}
				}
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
