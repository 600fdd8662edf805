// Package otlp receives OpenTelemetry logs over OTLP/HTTP: POST /v1/logs with an ExportLogsServiceRequest in the
// protobuf or the JSON encoding (gzip accepted), answered with an ExportLogsServiceResponse in the same encoding,
// whose partialSuccess counts the records that could not be stored. Records go to the table an attribute
// "vigil.table" names, to Syslog when they come from a syslog receiver, and to OTelLogs_CL otherwise (see
// [Mapper]).
package otlp

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/vigilsec/vigil/internal/ingest/source"
	"github.com/vigilsec/vigil/internal/schema"
)

// Handler serves /v1/logs.
type Handler struct {
	cat     *schema.Catalog
	pub     source.Publisher
	maxBody int64
}

// New returns a Handler that reads bodies of up to maxBody bytes (after decompression; 0 means 256 MiB).
func New(cat *schema.Catalog, pub source.Publisher, maxBody int64) *Handler {
	if maxBody <= 0 {
		maxBody = 256 << 20
	}
	return &Handler{cat: cat, pub: pub, maxBody: maxBody}
}

// gRPC status codes used in error answers (google.rpc.Status.code).
const (
	codeInvalidArgument  = 3
	codePermissionDenied = 7
	codeUnavailable      = 14
	codeUnauthenticated  = 16
	codeInternal         = 13
)

// WriteStatus writes an error answer: a google.rpc.Status in the request's encoding.
func WriteStatus(w http.ResponseWriter, r *http.Request, status int, code int, msg string) {
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	if isProto(r) {
		var b []byte
		b = protowire.AppendTag(b, 1, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(code))
		b = protowire.AppendTag(b, 2, protowire.BytesType)
		b = protowire.AppendString(b, msg)
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(status)
		_, _ = w.Write(b)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg})
}

// AuthFailure answers a request that is not authenticated (forbidden false) or not allowed (forbidden true).
func AuthFailure(w http.ResponseWriter, r *http.Request, forbidden bool) {
	if forbidden {
		WriteStatus(w, r, http.StatusForbidden, codePermissionDenied, "the token's role does not hold the ingest permission")
		return
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="vigil"`)
	WriteStatus(w, r, http.StatusUnauthorized, codeUnauthenticated, "a valid bearer token is required")
}

func isProto(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-protobuf" || mt == "application/protobuf"
}

// Logs serves POST /v1/logs.
func (h *Handler) Logs(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	proto := isProto(r)
	if !proto && mt != "application/json" {
		WriteStatus(w, r, http.StatusUnsupportedMediaType, codeInvalidArgument, fmt.Sprintf("unsupported Content-Type %q (application/x-protobuf or application/json)", mt))
		return
	}
	var body io.Reader = io.LimitReader(r.Body, h.maxBody+1)
	switch enc := strings.ToLower(r.Header.Get("Content-Encoding")); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			WriteStatus(w, r, http.StatusBadRequest, codeInvalidArgument, "body is not valid gzip")
			return
		}
		defer zr.Close()
		body = io.LimitReader(zr, h.maxBody+1)
	default:
		WriteStatus(w, r, http.StatusUnsupportedMediaType, codeInvalidArgument, fmt.Sprintf("unsupported Content-Encoding %q (gzip or none)", enc))
		return
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		WriteStatus(w, r, http.StatusBadRequest, codeInvalidArgument, "the body could not be read: "+err.Error())
		return
	}
	if int64(len(raw)) > h.maxBody {
		WriteStatus(w, r, http.StatusRequestEntityTooLarge, codeInvalidArgument, fmt.Sprintf("request body exceeds %d bytes", h.maxBody))
		return
	}
	var recs []Record
	if proto {
		recs, err = DecodeProto(raw)
	} else {
		recs, err = DecodeJSON(raw)
	}
	q := source.NewRequest(h.pub, h.cat, "otlp")
	if err != nil {
		// The request cannot be split into records: keep it whole, then refuse it (not retryable).
		keep := string(raw)
		if proto {
			keep = fmt.Sprintf("(%d bytes of protobuf)", len(raw))
		}
		q.Reject(1, "", err, keep)
		_ = q.Commit(r.Context())
		WriteStatus(w, r, http.StatusBadRequest, codeInvalidArgument, err.Error())
		return
	}
	m := NewMapper(h.cat)
	var firstErr string
	for i := range recs {
		if err := m.Write(r.Context(), q, &recs[i]); err != nil {
			if firstErr == "" {
				firstErr = fmt.Sprintf("record %d: %v", i+1, err)
			}
			q.Reject(i+1, "", err, recordJSON(&recs[i]))
			continue
		}
		q.Accept()
	}
	if err := q.Commit(r.Context()); err != nil {
		if source.IsBackpressure(err) {
			WriteStatus(w, r, http.StatusServiceUnavailable, codeUnavailable, "ingestion is behind; retry later")
			return
		}
		WriteStatus(w, r, http.StatusInternalServerError, codeInternal, "internal error")
		return
	}
	writeResponse(w, proto, q.Rejected, firstErr)
}

// writeResponse writes an ExportLogsServiceResponse; partialSuccess is set only when records were rejected.
func writeResponse(w http.ResponseWriter, proto bool, rejected int, msg string) {
	if proto {
		var b []byte
		if rejected > 0 {
			var ps []byte
			ps = protowire.AppendTag(ps, 1, protowire.VarintType)
			ps = protowire.AppendVarint(ps, uint64(rejected))
			ps = protowire.AppendTag(ps, 2, protowire.BytesType)
			ps = protowire.AppendString(ps, msg)
			b = protowire.AppendTag(b, 1, protowire.BytesType)
			b = protowire.AppendBytes(b, ps)
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(b)
		return
	}
	out := map[string]any{}
	if rejected > 0 {
		out["partialSuccess"] = map[string]any{"rejectedLogRecords": fmt.Sprint(rejected), "errorMessage": msg}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_ = json.NewEncoder(w).Encode(out)
}
