package crm

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes. Each maps to one HTTP status and one kind of user message; see
// ErrorCode and ErrorMessage.
const (
	EINVALID      = "invalid"      // bad input; Fields says which
	ENOTFOUND     = "not_found"    // no such thing in this organization
	ECONFLICT     = "conflict"     // would break a uniqueness rule
	EUNAUTHORIZED = "unauthorized" // not logged in or bad credentials
	EFORBIDDEN    = "forbidden"    // logged in but not allowed
	ETOOMANY      = "rate_limited" // slow down
	EINTERNAL     = "internal"     // our fault; details are logged, not shown
)

// Error is the product's error: a code, a message a user can act on, and for
// EINVALID the message of each faulty field. Internal causes are wrapped in Err
// and never shown to users.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
	Err     error
}

func (e *Error) Error() string {
	msg := e.Message
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + e.Fields[k]
		}
		msg += " (" + strings.Join(parts, "; ") + ")"
	}
	if e.Err != nil {
		return msg + ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted user message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns the ENOTFOUND error for a kind of thing ("contact", "company").
func NotFound(kind string) *Error {
	switch kind {
	case "organization", "page": // not things of an organization
		return Errorf(ENOTFOUND, "No such %s.", kind)
	}
	return Errorf(ENOTFOUND, "No %s with this id in your organization.", kind)
}

// InvalidCursor is the error of a page cursor that no page produced: param
// is the query parameter it came in, next the field of the page that gives
// the good one. Lists of the REST API answer it as 400 bad_request.
func InvalidCursor(param, next string) *Error {
	return Errorf(EINVALID, "The %s is not valid. Use the %s of the previous page as it is, or leave it out to start from the first page.", param, next)
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, EINTERNAL
// otherwise.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	}
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err. Internal errors get a
// generic message: their detail belongs in the logs.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "Internal error."
}

// ErrorFields returns the per-field messages of an EINVALID error, or nil.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// FieldErrors collects per-field validation messages.
type FieldErrors map[string]string

// Add records msg for field unless the field already has a message.
func (f FieldErrors) Add(field, msg string) {
	if _, ok := f[field]; !ok {
		f[field] = msg
	}
}

// Err returns nil when there are no field errors, an EINVALID *Error otherwise.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "Please correct the highlighted fields.", Fields: f}
}
