package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"simplecrm/internal/crm"
)

// Error codes the API adds to crm's: they describe the HTTP request itself,
// not the domain, so they are not part of package crm.
const (
	codeBadRequest       = "bad_request"        // malformed JSON, wrong types, bad path or query
	codeTooLarge         = "too_large"          // body over MaxBodyBytes
	codeMethodNotAllowed = "method_not_allowed" // route exists, method does not
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 1 << 20

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
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := crm.ErrorCode(err)
	st := status(code)
	d := errorDetail{Code: code, Message: crm.ErrorMessage(err), Fields: crm.ErrorFields(err)}
	if st == http.StatusInternalServerError {
		h.log.ErrorContext(r.Context(), "api: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		d = errorDetail{Code: crm.EINTERNAL, Message: crm.ErrorMessage(nil)}
	}
	if st == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="simplecrm"`)
	}
	writeJSON(w, st, errorBody{d})
}

// writeJSON answers with v as JSON. It encodes before writing so that an
// encoding failure still produces a proper error response.
func writeJSON(w http.ResponseWriter, st int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		st = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"internal","message":"Internal error."}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(st)
	w.Write(append(b, '\n'))
}

// readBody reads the whole request body, at most MaxBodyBytes of it.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, crm.Errorf(codeTooLarge, "The request body is larger than %d bytes.", MaxBodyBytes)
	case err != nil:
		return nil, crm.Errorf(codeBadRequest, "The request body could not be read.")
	}
	return b, nil
}

// unmarshalStrict decodes data, which must be exactly one JSON object, into
// dst. Unknown fields are rejected so that a typo ("frist_name") is reported
// instead of silently ignored. Errors are bad_request and name the field.
func unmarshalStrict(data []byte, dst any) error {
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return crm.Errorf(codeBadRequest, "The request body must be a JSON object.")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return crm.Errorf(codeBadRequest, "The request body must hold a single JSON object.")
	}
	return nil
}

// jsonError turns a decoding error into a message a client can act on.
func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return &crm.Error{Code: codeBadRequest,
			Message: fmt.Sprintf("%s must be %s.", typeErr.Field, jsonKind(typeErr.Type)),
			Fields:  map[string]string{typeErr.Field: "Must be " + jsonKind(typeErr.Type) + "."}}
	case errors.As(err, &syntaxErr):
		return crm.Errorf(codeBadRequest, "The request body is not valid JSON (at byte %d).", syntaxErr.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return crm.Errorf(codeBadRequest, "The request body is truncated JSON.")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return crm.Errorf(codeBadRequest, "Unknown field %s.", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	var timeErr *time.ParseError
	if errors.As(err, &timeErr) {
		return crm.Errorf(codeBadRequest, "Timestamps must be RFC 3339, such as 2024-05-01T12:00:00Z.")
	}
	return crm.Errorf(codeBadRequest, "The request body does not have the expected shape.")
}

// jsonKind names the JSON type a Go type is decoded from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a different type"
	}
	if t == reflect.TypeFor[time.Time]() {
		return "an RFC 3339 timestamp"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "a different type"
}

// decodeBody reads and strictly decodes the request body into dst.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any) error {
	b, err := readBody(w, r)
	if err != nil {
		return err
	}
	return unmarshalStrict(b, dst)
}

// decodePatch applies the request body as a JSON merge patch (RFC 7396) to
// cur and strictly decodes the result into dst: absent fields keep their
// value, null clears a field, objects merge key by key and arrays are
// replaced whole. The patch itself is decoded strictly first, so type errors
// and unknown fields are reported against what the client sent.
func decodePatch[T any](w http.ResponseWriter, r *http.Request, cur *T, dst *T) error {
	b, err := readBody(w, r)
	if err != nil {
		return err
	}
	var check T
	if err := unmarshalStrict(b, &check); err != nil {
		return err
	}
	var patch, target any
	if err := unmarshalNumbers(b, &patch); err != nil {
		return jsonError(err)
	}
	curJSON, err := json.Marshal(cur)
	if err != nil {
		return fmt.Errorf("api: encode current resource: %w", err)
	}
	if err := unmarshalNumbers(curJSON, &target); err != nil {
		return fmt.Errorf("api: decode current resource: %w", err)
	}
	merged, err := json.Marshal(mergePatch(target, patch))
	if err != nil {
		return fmt.Errorf("api: encode merged resource: %w", err)
	}
	return unmarshalStrict(merged, dst)
}

// unmarshalNumbers decodes keeping numbers as written, so that large ids
// survive the round trip through a generic value.
func unmarshalNumbers(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// mergePatch is RFC 7396's MergePatch.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
		} else {
			t[k] = mergePatch(t[k], v)
		}
	}
	return t
}

// pathID returns the {id} path value, a positive integer.
func pathID(r *http.Request) (int64, error) {
	return positiveID("id", r.PathValue("id"))
}

func positiveID(name, s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, crm.Errorf(codeBadRequest, "%s must be a positive integer, not %q.", name, s)
	}
	return id, nil
}

// page is the body of every listing. NextCursor is "" on the last page.
type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// newPage converts a store page with conv, never yielding a null items list.
func newPage[S, T any](items []S, next string, conv func(S) T) page[T] {
	p := page[T]{Items: make([]T, 0, len(items)), NextCursor: next}
	for _, it := range items {
		p.Items = append(p.Items, conv(it))
	}
	return p
}

// listParams reads ?q=, ?limit= and ?cursor=. A limit above crm.MaxPageSize
// is capped by the store rather than refused, so clients may ask for "all".
func listParams(r *http.Request) (q string, limit int, cursor string, err error) {
	v := r.URL.Query()
	if s := v.Get("limit"); s != "" {
		limit, err = strconv.Atoi(s)
		if err != nil || limit < 1 {
			return "", 0, "", crm.Errorf(codeBadRequest, "limit must be a positive integer, not %q.", s)
		}
		limit = min(limit, crm.MaxPageSize)
	}
	return v.Get("q"), limit, v.Get("cursor"), nil
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

// utc returns t in UTC so that every timestamp the API shows has the same zone.
func utc(t time.Time) time.Time { return t.UTC() }

// utcPtr is utc for optional timestamps.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
