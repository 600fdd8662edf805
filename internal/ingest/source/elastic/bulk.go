package elastic

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/valyala/fastjson"

	"github.com/vigilsec/vigil/internal/ingest/source"
	"github.com/vigilsec/vigil/internal/x/limitread"
	"github.com/vigilsec/vigil/internal/x/linereader"
)

// Action is one parsed action line of a bulk body.
type Action struct {
	// Op is index, create, delete or update.
	Op    string
	Index string
	ID    string
}

// ErrBadAction classifies action lines that cannot be read.
var ErrBadAction = errors.New("malformed action/metadata line")

// ParseAction reads an action line ({"index":{"_index":"x","_id":"1"}}); defaultIndex is the index of the URL.
func ParseAction(v *fastjson.Value, defaultIndex string) (Action, error) {
	o, err := v.Object()
	if err != nil || o.Len() != 1 {
		return Action{}, fmt.Errorf("%w: expected an object with one action", ErrBadAction)
	}
	var a Action
	var meta *fastjson.Value
	o.Visit(func(k []byte, val *fastjson.Value) { a.Op, meta = string(k), val })
	switch a.Op {
	case "index", "create", "delete", "update":
	default:
		return a, fmt.Errorf("%w: unknown action [%s]", ErrBadAction, clip(a.Op))
	}
	if meta.Type() != fastjson.TypeObject {
		return a, fmt.Errorf("%w: the metadata of [%s] is not an object", ErrBadAction, a.Op)
	}
	a.Index = defaultIndex
	if ix := meta.Get("_index"); ix != nil {
		if ix.Type() != fastjson.TypeString {
			return a, fmt.Errorf("%w: _index is not a string", ErrBadAction)
		}
		a.Index = string(ix.GetStringBytes())
	}
	if id := meta.Get("_id"); id != nil {
		switch id.Type() {
		case fastjson.TypeString:
			a.ID = string(id.GetStringBytes())
		case fastjson.TypeNumber:
			a.ID = id.String()
		default:
			return a, fmt.Errorf("%w: _id is not a string", ErrBadAction)
		}
	}
	if a.Index == "" {
		return a, fmt.Errorf("%w: no index given for [%s]", ErrBadAction, a.Op)
	}
	return a, nil
}

// item is one entry of the bulk answer.
type item struct {
	op, index, id string
	status        int
	errType       string
	reason        string
}

func (it *item) json(seq int64) map[string]any {
	body := map[string]any{"_index": it.index, "_id": it.id, "status": it.status}
	if it.status < 300 {
		body["_version"] = 1
		body["result"] = "created"
		body["_shards"] = map[string]any{"total": 1, "successful": 1, "failed": 0}
		body["_seq_no"] = seq
		body["_primary_term"] = 1
	} else {
		body["error"] = map[string]any{"type": it.errType, "reason": it.reason}
	}
	return map[string]any{it.op: body}
}

var idSeq atomic.Int64

// newID returns a document id as Elasticsearch makes them: 20 URL-safe characters.
func newID() string {
	n := idSeq.Add(1)
	return fmt.Sprintf("vgl%017s", strconv.FormatInt(time.Now().UnixNano()/1000+n, 36))
}

// flushRows is how many rows a bulk request gathers before publishing them.
const flushRows = 4096

// Bulk serves POST /_bulk and POST /{index}/_bulk.
func (h *Handler) Bulk(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	var body io.Reader = limitread.New(r.Body, h.cfg.MaxBodyBytes)
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(body)
		if err != nil {
			WriteJSON(w, http.StatusBadRequest, Error(400, "parse_exception", "body is not valid gzip"))
			return
		}
		defer zr.Close()
		body = limitread.New(zr, h.cfg.MaxBodyBytes)
	}
	defaultIndex := chi.URLParam(r, "index")
	if p, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/_bulk"); defaultIndex == "" && ok && !strings.Contains(p, "/") {
		defaultIndex = p // served without the router (tests)
	}
	q := source.NewRequest(h.pub, h.cat, "elastic")
	m := NewMapper(h.cat)
	lr := linereader.New(body, h.cfg.MaxEventBytes)
	var items []item
	pending := 0 // items[pending:] are not yet durable
	var pa, ps fastjson.Parser
	var action *Action
	lineNo := 0
	var failStatus int
	var failType, failReason string
	commit := func() bool {
		if err := q.Commit(r.Context()); err != nil {
			failStatus, failType, failReason = http.StatusInternalServerError, "exception", "not stored: "+err.Error()
			if source.IsBackpressure(err) {
				failStatus, failType = http.StatusTooManyRequests, "es_rejected_execution_exception"
			}
			for i := pending; i < len(items); i++ {
				if items[i].status < 300 {
					items[i].status, items[i].errType, items[i].reason = failStatus, failType, failReason
				}
			}
			return false
		}
		pending = len(items)
		return true
	}
	failed := false
	var readErr error
	for {
		line, long, err := lr.Next()
		if err != nil && !errors.Is(err, io.EOF) {
			readErr = err
			break
		}
		text := strings.TrimRight(string(line), "\r\n")
		if len(line) > 0 {
			lineNo++
		}
		if strings.TrimSpace(text) != "" || long {
			switch {
			case action == nil:
				v, perr := pa.Parse(text)
				var a Action
				if perr == nil && !long {
					a, perr = ParseAction(v, defaultIndex)
				} else if long {
					perr = fmt.Errorf("%w: line longer than %d bytes", ErrBadAction, h.cfg.MaxEventBytes)
				}
				if perr != nil {
					items = append(items, item{op: "index", index: defaultIndex, status: 400, errType: "illegal_argument_exception", reason: fmt.Sprintf("line %d: %v", lineNo, perr)})
					q.Reject(lineNo, "", perr, text)
					break
				}
				if a.ID == "" {
					a.ID = newID()
				}
				if failed {
					// The stream is behind: the rest of the request is answered, item by item, as not stored, so
					// the client retries exactly those.
					items = append(items, item{op: a.Op, index: a.Index, id: a.ID, status: failStatus, errType: failType, reason: failReason})
					if a.Op != "delete" {
						action = &Action{Op: "skip"}
					}
					break
				}
				if a.Op == "delete" {
					items = append(items, item{op: a.Op, index: a.Index, id: a.ID, status: 400, errType: "illegal_argument_exception", reason: "Vigil keeps events immutable: delete is not supported"})
					break
				}
				action = &a
			default:
				a := *action
				action = nil
				if a.Op == "skip" {
					break
				}
				if a.Op == "update" {
					items = append(items, item{op: a.Op, index: a.Index, id: a.ID, status: 400, errType: "illegal_argument_exception", reason: "Vigil keeps events immutable: update is not supported"})
					break
				}
				it := item{op: a.Op, index: a.Index, id: a.ID, status: 201}
				var derr error
				if long {
					derr = fmt.Errorf("document longer than %d bytes", h.cfg.MaxEventBytes)
				} else if v, perr := ps.Parse(text); perr != nil {
					derr = fmt.Errorf("failed to parse: %v", perr)
				} else {
					derr = m.Write(r.Context(), q, a.Index, v)
				}
				if derr != nil {
					it.status, it.errType, it.reason = 400, "document_parsing_exception", fmt.Sprintf("line %d: %v", lineNo, derr)
					q.Reject(lineNo, "", fmt.Errorf("index %s: %w", a.Index, derr), text)
				} else {
					q.Accept()
				}
				items = append(items, it)
				if q.Set.Rows() >= flushRows && !commit() {
					failed = true
				}
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
	}
	if action != nil && action.Op != "skip" && !failed {
		items = append(items, item{op: action.Op, index: action.Index, id: action.ID, status: 400, errType: "illegal_argument_exception", reason: "the action has no document line after it"})
	}
	if err := m.Flush(q); err != nil && !failed {
		q.Reject(lineNo, "", err, "")
	}
	if !failed && !commit() {
		failed = true
	}
	if readErr != nil {
		status, reason := http.StatusBadRequest, "the body could not be read to its end: "+readErr.Error()
		if errors.Is(readErr, errTooLarge) {
			status, reason = http.StatusRequestEntityTooLarge, fmt.Sprintf("request body exceeds %d bytes; %d documents before the limit were stored", h.cfg.MaxBodyBytes, q.Accepted)
		}
		WriteJSON(w, status, Error(status, "parse_exception", reason))
		return
	}
	if len(items) == 0 {
		WriteJSON(w, http.StatusBadRequest, Error(400, "action_request_validation_exception", "Validation Failed: 1: no requests added;"))
		return
	}
	out := make([]any, len(items))
	errs := false
	seq := idSeq.Add(int64(len(items)))
	for i := range items {
		out[i] = items[i].json(seq + int64(i))
		errs = errs || items[i].status >= 300
	}
	WriteJSON(w, http.StatusOK, map[string]any{"took": time.Since(start).Milliseconds(), "errors": errs, "items": out})
}

var errTooLarge = limitread.ErrTooLarge

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
