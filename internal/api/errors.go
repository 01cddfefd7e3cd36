package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"simplecrm/internal/crm"
)

// Error codes the API adds to crm's: they describe the HTTP request itself,
// not the domain, so they are not part of package crm.
const (
	codeBadRequest       = "bad_request"        // malformed JSON, wrong types, bad path or query
	codeTooLarge         = "too_large"          // body over MaxBodyBytes
	codeMethodNotAllowed = "method_not_allowed" // route exists, method does not
)

// status maps an error code to its HTTP status: the one place that does.
func status(code string) int {
	switch code {
	case codeBadRequest:
		return http.StatusBadRequest
	case codeTooLarge:
		return http.StatusRequestEntityTooLarge
	case codeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case crm.EINVALID:
		return http.StatusUnprocessableEntity
	case crm.ENOTFOUND:
		return http.StatusNotFound
	case crm.ECONFLICT:
		return http.StatusConflict
	case crm.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case crm.EFORBIDDEN:
		return http.StatusForbidden
	case crm.ETOOMANY:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// writeError answers with the JSON error for err. Internal errors (anything
// that is not a *crm.Error with a known code) are logged with their detail and
// shown with a generic message only.
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := crm.ErrorCode(err)
	st := status(code)
	d := errorDetail{Code: code, Message: crm.ErrorMessage(err), Fields: crm.ErrorFields(err)}
	if st == http.StatusInternalServerError {
		level := slog.LevelError
		if errors.Is(err, context.Canceled) {
			// The client hung up mid-request: nobody reads this answer and
			// nothing is broken, so it is no reason to wake anyone up.
			level = slog.LevelInfo
		}
		attrs := []any{"method", r.Method, "path", r.URL.Path, "err", err}
		if u := userFrom(r.Context()); u != nil {
			attrs = append(attrs, "org_id", u.OrgID, "user_id", u.ID)
		}
		h.log.Log(r.Context(), level, "api: internal error", attrs...)
		d = errorDetail{Code: crm.EINTERNAL, Message: crm.ErrorMessage(nil)}
	}
	if st == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="simplecrm"`)
	}
	writeJSON(w, st, errorBody{d})
}

// listError reports a store's refusal of a listing. A listing has no body,
// so whatever the store finds invalid (a forged or stale cursor) came from
// the query string: a bad request, like every other bad query parameter.
func listError(err error) error {
	if crm.ErrorCode(err) == crm.EINVALID {
		return &crm.Error{Code: codeBadRequest, Message: crm.ErrorMessage(err), Err: err}
	}
	return err
}
