package api

import (
	"encoding/json"
	"net/http"
	"time"
)

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
