package googleemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// apiError is a People API failure rendered as Google's "v2" JSON error
// (google.rpc.Status with an HTTP code).
type apiError struct {
	Code    int
	Status  string
	Message string
	Details []map[string]any
	// Legacy, when set, adds the older errors:[{message,domain,reason}] array
	// beside details (as some People errors carry it).
	Legacy string
	// Header holds extra response headers (WWW-Authenticate, Retry-After).
	Header http.Header
}

func (e *apiError) Error() string {
	return fmt.Sprintf("googleemu: %d %s: %s", e.Code, e.Status, e.Message)
}

func errorInfo(reason, domain string, metadata map[string]string) map[string]any {
	d := map[string]any{
		"@type":  "type.googleapis.com/google.rpc.ErrorInfo",
		"reason": reason,
		"domain": domain,
	}
	if len(metadata) > 0 {
		d["metadata"] = metadata
	}
	return d
}

func errInvalid(format string, args ...any) *apiError {
	return &apiError{Code: 400, Status: "INVALID_ARGUMENT", Message: fmt.Sprintf(format, args...)}
}

func errNotFound() *apiError {
	return &apiError{Code: 404, Status: "NOT_FOUND", Message: "Requested entity was not found."}
}

func errFailedPrecondition(format string, args ...any) *apiError {
	return &apiError{Code: 400, Status: "FAILED_PRECONDITION", Message: fmt.Sprintf(format, args...)}
}

func errInternal() *apiError {
	return &apiError{Code: 500, Status: "INTERNAL", Message: "Internal error encountered."}
}

// errStatus builds the body Google sends for a forced HTTP status.
func errStatus(code int) *apiError {
	switch code {
	case 400:
		return errInvalid("Request contains an invalid argument.")
	case 401:
		return errUnauthenticated("CREDENTIALS_MISSING")
	case 403:
		return errInsufficientScope(false)
	case 404:
		return errNotFound()
	case 409:
		return &apiError{Code: 409, Status: "ABORTED", Message: "The operation was aborted."}
	case 429:
		return errRateLimited("people.googleapis.com/critical_read_requests", "CriticalReadRequestsPerMinutePerProjectPerUser", 0)
	case 500:
		return errInternal()
	case 502:
		return &apiError{Code: 502, Status: "UNAVAILABLE", Message: "Bad Gateway"}
	case 503:
		return &apiError{Code: 503, Status: "UNAVAILABLE", Message: "The service is currently unavailable."}
	case 504:
		return &apiError{Code: 504, Status: "DEADLINE_EXCEEDED", Message: "The request timed out."}
	}
	return &apiError{Code: code, Status: "UNKNOWN", Message: http.StatusText(code)}
}

func errUnauthenticated(reason string) *apiError {
	return &apiError{
		Code:   401,
		Status: "UNAUTHENTICATED",
		Message: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. " +
			"See https://developers.google.com/identity/sign-in/web/devconsole-project.",
		Details: []map[string]any{errorInfo(reason, "googleapis.com", map[string]string{
			"service": "people.googleapis.com", "method": "google.people.v1.PeopleService"})},
		Header: http.Header{"Www-Authenticate": {`Bearer realm="https://accounts.google.com/", error="invalid_token"`}},
	}
}

// errInsufficientScope is the 403 for a token without the contacts scope;
// withInfo adds the ErrorInfo ACCESS_TOKEN_SCOPE_INSUFFICIENT that newer
// Google APIs send (UNCONFIRMED for People, see Options).
func errInsufficientScope(withInfo bool) *apiError {
	e := &apiError{
		Code:    403,
		Status:  "PERMISSION_DENIED",
		Message: "Request had insufficient authentication scopes.",
		Header: http.Header{"Www-Authenticate": {`Bearer realm="https://accounts.google.com/", error="insufficient_scope", ` +
			`scope="https://www.googleapis.com/auth/contacts"`}},
	}
	if withInfo {
		e.Details = []map[string]any{errorInfo("ACCESS_TOKEN_SCOPE_INSUFFICIENT", "googleapis.com",
			map[string]string{"service": "people.googleapis.com", "method": "google.people.v1.PeopleService"})}
	}
	return e
}

func errRateLimited(metric, limit string, retryAfterSeconds int) *apiError {
	e := &apiError{
		Code:   429,
		Status: "RESOURCE_EXHAUSTED",
		Message: fmt.Sprintf("Quota exceeded for quota metric '%s' and limit '%s' of service 'people.googleapis.com' for consumer 'project_number:000000000000'.",
			metric, limit),
		Details: []map[string]any{errorInfo("RATE_LIMIT_EXCEEDED", "googleapis.com", map[string]string{
			"quota_metric": metric, "quota_limit": limit, "service": "people.googleapis.com",
			"consumer": "projects/000000000000"})},
	}
	if retryAfterSeconds > 0 {
		e.Header = http.Header{"Retry-After": {strconv.Itoa(retryAfterSeconds)}}
	}
	return e
}

func errStaleETag(legacy bool) *apiError {
	e := errFailedPrecondition("Request person.etag is different than the current person.etag. Clear local cache and get the latest person.")
	if legacy {
		e.Legacy = "failedPrecondition"
	}
	return e
}

func (e *Emulator) errExpiredSyncToken() *apiError {
	code, status := 400, e.opts.ExpiredSyncTokenStatus
	if e.opts.ExpiredSyncTokenHTTP410 {
		code = 410
	}
	return &apiError{
		Code:    code,
		Status:  status,
		Message: "Sync token is expired. Clear local cache and retry call without the sync token.",
		Details: []map[string]any{errorInfo("EXPIRED_SYNC_TOKEN", "people.googleapis.com", nil)},
	}
}

// asAPIError returns err as an *apiError; anything else is 500 INTERNAL.
func asAPIError(err error) *apiError {
	if ae, ok := err.(*apiError); ok {
		return ae
	}
	return errInternal()
}

// writeAPIError renders err (see asAPIError) as Google's JSON error body.
func writeAPIError(w http.ResponseWriter, err error) {
	ae := asAPIError(err)
	for k, vs := range ae.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	body := map[string]any{"code": ae.Code, "message": ae.Message, "status": ae.Status}
	if len(ae.Details) > 0 {
		body["details"] = ae.Details
	}
	if ae.Legacy != "" {
		body["errors"] = []map[string]string{{"message": ae.Message, "domain": "global", "reason": ae.Legacy}}
	}
	writeJSON(w, ae.Code, map[string]any{"error": body})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v) // the client went away; nothing to do
}
