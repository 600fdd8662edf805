package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/hunt"
	"github.com/vigilsec/vigil/internal/pipeline"
	"github.com/vigilsec/vigil/internal/state"
)

// Error is an error a handler returns with what the client may see. Err, if set, is logged but never sent.
type Error struct {
	Status  int
	Code    string
	Message string
	Err     error
	// Extra fields merged into the JSON body.
	Extra map[string]any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// errBodyTooLarge is returned when a request body exceeds the configured limit.
var errBodyTooLarge = errors.New("request body too large")

// statusOf maps an error to its HTTP status and stable code: the one place that decides it.
func statusOf(err error) (int, string, string) {
	var e *Error
	if errors.As(err, &e) {
		return e.Status, e.Code, e.Message
	}
	switch {
	case errors.Is(err, auth.ErrNoToken), errors.Is(err, auth.ErrInvalidToken):
		return http.StatusUnauthorized, "unauthorized", "a valid bearer token is required"
	case errors.Is(err, auth.ErrForbidden):
		return http.StatusForbidden, "forbidden", "your role does not allow this"
	case errors.Is(err, pipeline.ErrUnknownTable):
		return http.StatusNotFound, "unknown_table", err.Error()
	case errors.Is(err, pipeline.ErrBadTableName):
		return http.StatusBadRequest, "bad_table_name", err.Error()
	case errors.Is(err, pipeline.ErrBackpressure):
		return http.StatusTooManyRequests, "backpressure", "ingestion is behind; retry after the delay given"
	case errors.Is(err, errBodyTooLarge):
		return http.StatusRequestEntityTooLarge, "body_too_large", err.Error()
	case errors.Is(err, state.ErrNotFound):
		return http.StatusNotFound, "not_found", "not found"
	case errors.Is(err, hunt.ErrBadRequest):
		return http.StatusBadRequest, "bad_request", err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, "timeout", err.Error()
	case errors.Is(err, context.Canceled):
		return 499, "canceled", "request canceled"
	}
	return http.StatusInternalServerError, "internal", "internal error"
}
