// Package elastic is the part of the Elasticsearch REST API that log shippers use to write: the cluster-info,
// license and template probes that Beats and Logstash make at start, and _bulk, whose index and create actions are
// normalised by their ECS content (see [Mapper]) and answered in Elasticsearch's bulk shape, item by item. So
// Winlogbeat, Filebeat, Auditbeat and Logstash's elasticsearch output can point at Vigil unchanged.
//
// Templates, ILM policies and ingest pipelines that clients install are remembered in memory (so a client that
// checks for its template after installing it finds it) and otherwise ignored: Vigil's tables have fixed schemas.
package elastic

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/vigilsec/vigil/internal/ingest/source"
	"github.com/vigilsec/vigil/internal/schema"
)

// Config configures the endpoints.
type Config struct {
	// Version is the Elasticsearch version Vigil reports at GET /; clients check it. Default [DefaultVersion].
	Version string `yaml:"version"`
	// MaxEventBytes is the longest line of a bulk body; 0 means 1 MiB.
	MaxEventBytes int `yaml:"max_event_bytes"`
	// MaxBodyBytes is the largest request body (after decompression); 0 means 256 MiB.
	MaxBodyBytes int64 `yaml:"-"`
}

// DefaultVersion is the version reported when none is configured: Beats and Logstash 8.x accept it.
const DefaultVersion = "8.19.0"

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.Version == "" {
		return nil
	}
	var a, b, d int
	if n, err := fmt.Sscanf(c.Version, "%d.%d.%d", &a, &b, &d); err != nil || n != 3 || a < 7 {
		return fmt.Errorf("elastic.version: %q is not a version such as %s (7.x or later)", c.Version, DefaultVersion)
	}
	return nil
}

// Handler serves the endpoints.
type Handler struct {
	cfg    Config
	cat    *schema.Catalog
	pub    source.Publisher
	uuid   string
	mu     sync.Mutex
	stored map[string]json.RawMessage // "kind/name" → body, for templates, policies and pipelines
}

// New returns a Handler.
func New(cfg Config, cat *schema.Catalog, pub source.Publisher) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	if cfg.MaxEventBytes <= 0 {
		cfg.MaxEventBytes = 1 << 20
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 256 << 20
	}
	sum := sha256.Sum256([]byte("vigil-elastic-compat"))
	return &Handler{cfg: cfg, cat: cat, pub: pub, uuid: hex.EncodeToString(sum[:11]), stored: map[string]json.RawMessage{}}, nil
}

// maxStored bounds the templates, policies and pipelines remembered.
const maxStored = 1000

// WriteJSON writes v with the product header Elasticsearch clients check.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Error is an Elasticsearch error body.
func Error(status int, typ, reason string) map[string]any {
	cause := map[string]any{"type": typ, "reason": reason}
	return map[string]any{"error": map[string]any{"root_cause": []any{cause}, "type": typ, "reason": reason}, "status": status}
}

// Info serves GET /: the cluster information clients read the version from.
func (h *Handler) Info(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, http.StatusOK, map[string]any{
		"name":         "vigil",
		"cluster_name": "vigil",
		"cluster_uuid": h.uuid,
		"version": map[string]any{
			"number": h.cfg.Version, "build_flavor": "default", "build_type": "vigil", "build_hash": "vigil",
			"build_date": "2025-01-01T00:00:00.000Z", "build_snapshot": false, "lucene_version": "9.12.0",
			"minimum_wire_compatibility_version": "7.17.0", "minimum_index_compatibility_version": "7.0.0",
		},
		"tagline": "You Know, for Search",
	})
}

func (h *Handler) license() map[string]any {
	return map[string]any{
		"status": "active", "uid": h.uuid, "type": "basic", "issue_date": "2025-01-01T00:00:00.000Z",
		"issue_date_in_millis": int64(1735689600000), "max_nodes": 1000, "max_resource_units": nil,
		"issued_to": "vigil", "issuer": "vigil", "start_date_in_millis": -1,
	}
}

// License serves GET /_license (Beats check it before using ILM).
func (h *Handler) License(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, http.StatusOK, map[string]any{"license": h.license()})
}

// XPack serves GET /_xpack, which 7.x Beats read for ILM availability.
func (h *Handler) XPack(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, http.StatusOK, map[string]any{
		"build":    map[string]any{"hash": "vigil", "date": "2025-01-01T00:00:00.000Z"},
		"license":  map[string]any{"uid": h.uuid, "type": "basic", "mode": "basic", "status": "active"},
		"features": map[string]any{"ilm": map[string]any{"available": true, "enabled": true}},
	})
}

// ClusterHealth serves GET /_cluster/health.
func (h *Handler) ClusterHealth(w http.ResponseWriter, _ *http.Request) {
	WriteJSON(w, http.StatusOK, map[string]any{
		"cluster_name": "vigil", "status": "green", "timed_out": false, "number_of_nodes": 1, "number_of_data_nodes": 1,
		"active_primary_shards": 0, "active_shards": 0, "relocating_shards": 0, "initializing_shards": 0,
		"unassigned_shards": 0, "active_shards_percent_as_number": 100.0,
	})
}

// Cat serves GET /_cat/{what}: an empty listing (JSON with format=json, else text), enough for the probes.
func (h *Handler) Cat(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("format") == "json" {
		WriteJSON(w, http.StatusOK, []any{})
		return
	}
	w.Header().Set("X-Elastic-Product", "Elasticsearch")
	w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
	if chi.URLParam(r, "what") == "health" {
		fmt.Fprintf(w, "%d vigil green 1 1 0 0 0 0 0 0 - 100.0%%\n", time.Now().Unix())
	}
}

// Stored kinds.
const (
	KindIndexTemplate = "_index_template"
	KindTemplate      = "_template"
	KindILMPolicy     = "_ilm/policy"
	KindPipeline      = "_ingest/pipeline"
)

// GetStored serves GET and HEAD of a template, ILM policy or ingest pipeline: 200 with what the client stored,
// 404 for one never stored (the client then PUTs it).
func (h *Handler) GetStored(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := chi.URLParam(r, "name")
		h.mu.Lock()
		body, ok := h.stored[kind+"/"+name]
		h.mu.Unlock()
		if !ok {
			if r.Method == http.MethodHead {
				w.Header().Set("X-Elastic-Product", "Elasticsearch")
				w.WriteHeader(http.StatusNotFound)
				return
			}
			WriteJSON(w, http.StatusNotFound, Error(404, "resource_not_found_exception", fmt.Sprintf("%s [%s] missing", strings.TrimPrefix(kind, "_"), name)))
			return
		}
		if r.Method == http.MethodHead {
			w.Header().Set("X-Elastic-Product", "Elasticsearch")
			w.WriteHeader(http.StatusOK)
			return
		}
		switch kind {
		case KindIndexTemplate:
			WriteJSON(w, http.StatusOK, map[string]any{"index_templates": []any{map[string]any{"name": name, "index_template": body}}})
		case KindILMPolicy:
			WriteJSON(w, http.StatusOK, map[string]any{name: map[string]any{"version": 1, "modified_date": "2025-01-01T00:00:00.000Z", "policy": json.RawMessage(policyOf(body))}})
		default:
			WriteJSON(w, http.StatusOK, map[string]any{name: body})
		}
	}
}

// policyOf returns the "policy" member of an ILM PUT body.
func policyOf(body json.RawMessage) []byte {
	var b struct {
		Policy json.RawMessage `json:"policy"`
	}
	if json.Unmarshal(body, &b) == nil && len(b.Policy) > 0 {
		return b.Policy
	}
	return []byte("{}")
}

// PutStored serves PUT of a template, ILM policy or ingest pipeline: remembered and acknowledged.
func (h *Handler) PutStored(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := chi.URLParam(r, "name")
		var in io.Reader = http.MaxBytesReader(w, r.Body, 4<<20)
		if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
			// Beats compress every request when output.elasticsearch.compression_level is set.
			zr, err := gzip.NewReader(in)
			if err != nil {
				WriteJSON(w, http.StatusBadRequest, Error(400, "parse_exception", "body is not valid gzip"))
				return
			}
			defer zr.Close()
			in = io.LimitReader(zr, 16<<20)
		}
		var body json.RawMessage
		if err := json.NewDecoder(in).Decode(&body); err != nil {
			WriteJSON(w, http.StatusBadRequest, Error(400, "parse_exception", "request body is required and must be JSON: "+err.Error()))
			return
		}
		h.mu.Lock()
		if _, ok := h.stored[kind+"/"+name]; ok || len(h.stored) < maxStored {
			h.stored[kind+"/"+name] = body
		}
		h.mu.Unlock()
		WriteJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
	}
}
