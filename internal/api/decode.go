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

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 1 << 20

// errTooLarge refuses a body over MaxBodyBytes, here and in WriteTooLarge.
var errTooLarge = crm.Errorf(codeTooLarge, "The request body is larger than %d bytes (1 MiB).", MaxBodyBytes)

// WriteTooLarge answers 413 with the API's JSON error, for a body refused
// before it reaches the API (the server checks Content-Length up front).
func WriteTooLarge(w http.ResponseWriter) {
	writeJSON(w, status(codeTooLarge), errorBody{errorDetail{Code: codeTooLarge, Message: errTooLarge.Message}})
}

// readBody reads the whole request body, at most MaxBodyBytes of it.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, errTooLarge
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
		return jsonError(err, data, reflect.TypeOf(dst))
	}
	if _, err := dec.Token(); err != io.EOF {
		return crm.Errorf(codeBadRequest, "The request body must hold a single JSON object.")
	}
	return nil
}

// jsonError turns an error decoding data into a value of type t into a
// message a client can act on.
func jsonError(err error, data []byte, t reflect.Type) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		field := indexedPath(data, t, strings.Split(typeErr.Field, "."))
		return &crm.Error{Code: codeBadRequest,
			Message: fmt.Sprintf("%s must be %s.", field, jsonKind(typeErr.Type)),
			Fields:  map[string]string{field: "Must be " + jsonKind(typeErr.Type) + "."}}
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

// indexedPath adds list indexes to the path of a type error: encoding/json
// says "employments.company_id" where the validation keys, and so clients,
// say "employments.1.company_id". It walks data along the path; in a list,
// the first element that does not decode is the faulty one. Without a
// match it returns the path as encoding/json gave it.
func indexedPath(data []byte, t reflect.Type, path []string) string {
	out := make([]string, 0, len(path)+1)
	for _, name := range path {
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		var obj map[string]json.RawMessage
		if t == nil || t.Kind() != reflect.Struct || json.Unmarshal(data, &obj) != nil {
			return strings.Join(path, ".")
		}
		data, t = obj[name], jsonFieldType(t, name)
		out = append(out, name)
		if t == nil || t.Kind() != reflect.Slice || len(out) == len(path) {
			continue
		}
		var list []json.RawMessage
		if json.Unmarshal(data, &list) != nil {
			return strings.Join(path, ".")
		}
		for i, el := range list {
			if json.Unmarshal(el, reflect.New(t.Elem()).Interface()) != nil {
				data, t = el, t.Elem()
				out = append(out, strconv.Itoa(i))
				break
			}
		}
	}
	return strings.Join(out, ".")
}

// jsonFieldType returns the type of the field of struct t named name in JSON.
func jsonFieldType(t reflect.Type, name string) reflect.Type {
	for f := range t.Fields() {
		if tag, _, _ := strings.Cut(f.Tag.Get("json"), ","); tag == name {
			return f.Type
		}
	}
	return nil
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
	return applyPatch(b, cur, dst)
}

// applyPatch is decodePatch of a body already read.
func applyPatch[T any](b []byte, cur *T, dst *T) error {
	var check T
	if err := unmarshalStrict(b, &check); err != nil {
		return err
	}
	var patch, target any
	if err := unmarshalNumbers(b, &patch); err != nil {
		return jsonError(err, nil, nil)
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
