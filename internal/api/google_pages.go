package api

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"

	"simplecrm/internal/crm"
)

// Pages of Sync Mobile lists. A user has few Google accounts, so their list is
// filtered and cut here; a run may have many events, read a page at a time.
// Both cursors are the last id of the page, opaque to clients.

// accountsPage returns the accounts matching q (in the email or the group
// name, case-insensitive) after the cursor, and the next cursor.
func accountsPage(accounts []*crm.GoogleAccount, q string, limit int, cursor string) ([]*crm.GoogleAccount, string, error) {
	after, err := decodeIDCursor(cursor, "cursor", "next_cursor")
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 {
		limit = crm.DefaultPageSize
	}
	q = strings.ToLower(strings.TrimSpace(q))
	var out []*crm.GoogleAccount
	for _, a := range accounts { // by id
		if a.ID <= after || q != "" && !strings.Contains(strings.ToLower(a.Email), q) &&
			!strings.Contains(strings.ToLower(a.GroupName), q) {
			continue
		}
		if len(out) == limit {
			return out, encodeIDCursor(out[len(out)-1].ID), nil
		}
		out = append(out, a)
	}
	return out, "", nil
}

// eventParams reads ?events_limit= (default and most maxRunEvents) and
// ?events_cursor=.
func eventParams(r *http.Request) (limit int, after int64, err error) {
	v := r.URL.Query()
	limit = maxRunEvents
	if s := v.Get("events_limit"); s != "" {
		limit, err = strconv.Atoi(s)
		if err != nil || limit < 1 {
			return 0, 0, crm.Errorf(codeBadRequest, "events_limit must be a positive integer, not %q.", s)
		}
		limit = min(limit, maxRunEvents)
	}
	after, err = decodeIDCursor(v.Get("events_cursor"), "events_cursor", "next_events_cursor")
	return limit, after, err
}

// runEvents returns one page of a run's events and the next cursor.
func (h *handler) runEvents(r *http.Request, runID int64) ([]*crm.SyncEvent, string, error) {
	limit, after, err := eventParams(r)
	if err != nil {
		return nil, "", err
	}
	events, err := h.svc.SyncRuns.ListSyncEventsAfter(r.Context(), runID, after, limit+1)
	if err != nil || len(events) <= limit {
		return events, "", err
	}
	events = events[:limit]
	return events, encodeIDCursor(events[limit-1].ID), nil
}

func encodeIDCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("id:" + strconv.FormatInt(id, 10)))
}

// decodeIDCursor reads the cursor s of query parameter param; a cursor that
// no page produced is a bad request, as for contacts and companies.
func decodeIDCursor(s, param, next string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	num, ok := strings.CutPrefix(string(b), "id:")
	id, perr := strconv.ParseInt(num, 10, 64)
	if err != nil || !ok || perr != nil || id <= 0 {
		return 0, listError(crm.InvalidCursor(param, next))
	}
	return id, nil
}
