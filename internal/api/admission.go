package api

import (
	"context"
	"net/http"

	"github.com/vigilsec/vigil/internal/ingest/source/elastic"
	"github.com/vigilsec/vigil/internal/ingest/source/hec"
	"github.com/vigilsec/vigil/internal/ingest/source/otlp"
	"github.com/vigilsec/vigil/internal/pipeline"
)

// Admitter is implemented by an Ingester that queues ingest requests, in arrival order, before their body is read
// while the store writer is behind (pipeline.Receiver; see pipeline.Admission). Admit returns the context the
// request goes on with and the function to call when it is done.
type Admitter interface {
	Admit(ctx context.Context) (context.Context, func(), error)
}

// admit runs every ingest request through the Ingester's admission queue after authentication and before the
// handler reads a byte of the body. A request still refused after the wait is answered by refuse, with
// Retry-After, in its protocol's shape.
func (s *Server) admit(refuse func(w http.ResponseWriter, r *http.Request)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ad, ok := s.d.Ingest.(Admitter)
			if !ok {
				next.ServeHTTP(w, r)
				return
			}
			ctx, release, err := ad.Admit(r.Context())
			if err != nil { // ErrBackpressure, or the client went away while waiting
				refuse(w, r)
				return
			}
			defer release()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// The answers to a request refused admission: 429 with Retry-After, except Splunk HEC's own "Server is busy"
// (503, code 9), which its clients retry.
func (s *Server) refuseNDJSON(w http.ResponseWriter, _ *http.Request) {
	writeError(w, pipeline.ErrBackpressure, s.d.Log)
}

func refuseHEC(w http.ResponseWriter, _ *http.Request) {
	hec.WriteAnswer(w, http.StatusServiceUnavailable, hec.Answer{Text: "Server is busy", Code: 9})
}

func refuseElastic(w http.ResponseWriter, _ *http.Request) {
	elastic.WriteJSON(w, http.StatusTooManyRequests, elastic.Error(http.StatusTooManyRequests, "es_rejected_execution_exception",
		"ingestion is behind; retry after the delay given"))
}

func refuseOTLP(w http.ResponseWriter, r *http.Request) {
	// RESOURCE_EXHAUSTED, the gRPC code OTLP pairs with 429.
	otlp.WriteStatus(w, r, http.StatusTooManyRequests, 8, "ingestion is behind; retry after the delay given")
}
