package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/vigilsec/vigil/internal/auth"
	"github.com/vigilsec/vigil/internal/hunt"
	"github.com/vigilsec/vigil/internal/pipeline"
	"github.com/vigilsec/vigil/internal/state"
	"github.com/vigilsec/vigil/internal/x/limitread"
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
var errBodyTooLarge = limitread.ErrTooLarge

// statusOf maps an error to its HTTP status and stable code: the one place that decides it.
func statusOf(err error) (int, string, string) {
	var e *Error
	if errors.As(err, &e) {
		return e.Status, e.Code, e.Message
	}
	switch {
	case errors.Is(err, auth.ErrNoToken), errors.Is(err, auth.ErrInvalidToken), errors.Is(err, auth.ErrNoSession):
		return http.StatusUnauthorized, "unauthorized", "a valid bearer token or session is required"
	case errors.Is(err, auth.ErrInvalidSession):
		return http.StatusUnauthorized, "session_expired", "the session has ended; sign in again"
	case errors.Is(err, auth.ErrForbidden):
		return http.StatusForbidden, "forbidden", "your role does not allow this"
	case errors.Is(err, auth.ErrCSRF):
		return http.StatusForbidden, "csrf", "a state-changing request with a session cookie needs the " + auth.CSRFHeader + " header"
	case errors.Is(err, auth.ErrBadCredentials):
		return http.StatusUnauthorized, "invalid_credentials", auth.ErrBadCredentials.Error()
	case errors.Is(err, auth.ErrTOTPRequired):
		return http.StatusUnauthorized, "totp_required", "a one-time code from your authenticator (or a recovery code) is required"
	case errors.Is(err, auth.ErrWeakPassword):
		return http.StatusBadRequest, "weak_password", err.Error()
	case errors.Is(err, auth.ErrBadUser), errors.Is(err, auth.ErrUnknownRole), errors.Is(err, auth.ErrBadScope):
		return http.StatusBadRequest, "bad_request", err.Error()
	case errors.Is(err, auth.ErrTOTPBadCode):
		return http.StatusBadRequest, "bad_code", err.Error()
	case errors.Is(err, auth.ErrTOTPNotEnrolled), errors.Is(err, auth.ErrTOTPEnabled), errors.Is(err, auth.ErrLastAdmin),
		errors.Is(err, state.ErrConflict):
		return http.StatusConflict, "conflict", err.Error()
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
