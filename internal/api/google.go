package api

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"time"

	"simplecrm/internal/crm"
)

// Sync Mobile over REST (DESIGN.md §4): connected Google accounts, their
// settings, sync now, and runs. Everything goes through syncmobile.Service,
// which answers ENOTFOUND for accounts and runs of other users.

// accountJSON is a connected Google account. SyncInterval is in seconds,
// null for the server's default, 0 for no automatic sync.
type accountJSON struct {
	ID              int64     `json:"id"`
	Email           string    `json:"email"`
	GroupName       string    `json:"group_name"`
	Scope           string    `json:"scope"`
	DeleteMode      string    `json:"delete_mode"`
	SyncInterval    *int64    `json:"sync_interval"`
	ReconnectNeeded bool      `json:"reconnect_needed"`
	LastRunID       *int64    `json:"last_run_id"`
	LastError       string    `json:"last_error"`
	CreatedAt       time.Time `json:"created_at"`
}

// settingsJSON is what PATCH may change, as a JSON merge patch: absent keeps,
// "sync_interval": null goes back to the server's default.
type settingsJSON struct {
	GroupName    string `json:"group_name"`
	Scope        string `json:"scope"`
	DeleteMode   string `json:"delete_mode"`
	SyncInterval *int64 `json:"sync_interval"`
}

type runJSON struct {
	ID         int64          `json:"id"`
	AccountID  int64          `json:"account_id"`
	Trigger    string         `json:"trigger"`
	Status     string         `json:"status"`
	Phase      string         `json:"phase"`
	Done       int            `json:"done"`
	Total      int            `json:"total"`
	Counts     crm.SyncCounts `json:"counts"`
	Error      string         `json:"error"`
	CreatedAt  time.Time      `json:"created_at"`
	StartedAt  *time.Time     `json:"started_at"`
	FinishedAt *time.Time     `json:"finished_at"`
	Events     []eventJSON    `json:"events"`
	// NextEventsCursor, when not empty, gives the next page of events
	// (?events_cursor=).
	NextEventsCursor string `json:"next_events_cursor"`
}

type eventJSON struct {
	Kind      string    `json:"kind"`
	ContactID *int64    `json:"contact_id"`
	Message   string    `json:"message"`
	CreatedAt time.Time `json:"created_at"`
}

// maxRunEvents bounds the events returned with a run at once: the default
// and largest ?events_limit=.
const maxRunEvents = 1000

func (h *handler) googleRoutes() {
	h.handle("GET "+Prefix+"/google-accounts", h.syncRoute(h.listAccounts))
	h.handle("POST "+Prefix+"/google-accounts/connect", h.syncRoute(h.connectAccount))
	h.handle("PATCH "+Prefix+"/google-accounts/{id}", h.syncRoute(h.patchAccount))
	h.handle("DELETE "+Prefix+"/google-accounts/{id}", h.syncRoute(h.disconnectAccount))
	h.handle("POST "+Prefix+"/google-accounts/{id}/sync", h.syncRoute(h.syncAccount))
	h.handle("GET "+Prefix+"/sync-runs/{id}", h.syncRoute(h.getRun))
}

// syncRoute answers 404 when the server runs without Sync Mobile.
func (h *handler) syncRoute(fn apiFunc) apiFunc {
	return func(w http.ResponseWriter, r *http.Request, u *crm.User) error {
		if h.sync == nil {
			return crm.Errorf(crm.ENOTFOUND, "Sync Mobile is not available on this server.")
		}
		return fn(w, r, u)
	}
}

func (h *handler) listAccounts(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	q, limit, cursor, err := listParams(r)
	if err != nil {
		return err
	}
	accounts, err := h.sync.Accounts(r.Context(), u)
	if err != nil {
		return err
	}
	accounts, next, err := accountsPage(accounts, q, limit, cursor)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newPage(accounts, next, accountOut))
	return nil
}

// connectAccount returns the URL to send the user's browser to; the flow ends
// at the web UI's /google/callback, in that user's session.
func (h *handler) connectAccount(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	var in struct {
		AccountID int64 `json:"account_id"`
	}
	b, err := readBody(w, r)
	if err != nil {
		return err
	}
	if len(b) > 0 {
		if err := unmarshalStrict(b, &in); err != nil {
			return err
		}
	}
	authURL, err := h.sync.StartConnect(r.Context(), u, in.AccountID, "")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"authorization_url": authURL})
	return nil
}

func (h *handler) patchAccount(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	a, err := h.findAccount(r, u)
	if err != nil {
		return err
	}
	b, err := readBody(w, r)
	if err != nil {
		return err
	}
	b, readOnly, err := takeReadOnly(b, accountOut(a), accountReadOnly)
	if err != nil {
		return err
	}
	cur := settingsJSON{GroupName: a.GroupName, Scope: a.Scope, DeleteMode: a.DeleteMode, SyncInterval: seconds(a.SyncInterval)}
	var in settingsJSON
	if err := applyPatch(b, &cur, &in); err != nil {
		return err
	}
	if err := readOnly.Err(); err != nil {
		return err
	}
	a.GroupName, a.Scope, a.DeleteMode = in.GroupName, in.Scope, in.DeleteMode
	a.SyncInterval = nil
	if s := in.SyncInterval; s != nil {
		if *s > math.MaxInt64/int64(time.Second) {
			*s = -1 // beyond a Duration: refused by the same rule as a negative period
		}
		d := time.Duration(*s) * time.Second
		a.SyncInterval = &d
	}
	if err := h.sync.UpdateSettings(r.Context(), u, a); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, accountOut(a))
	return nil
}

// accountReadOnly gives the fields of an account that PATCH cannot change,
// with the reason said to a client that tries.
var accountReadOnly = map[string]string{
	"id":               "Read-only; it is the account's id in Simple CRM.",
	"email":            "Read-only; it is the Google account's own address.",
	"reconnect_needed": "Read-only; reconnecting the account clears it.",
	"last_run_id":      "Read-only; each sync run sets it.",
	"last_error":       "Read-only; each sync run sets it.",
	"created_at":       "Read-only; it is when the account was connected.",
}

// takeReadOnly removes the read-only fields from a patch body. One sent
// with the resource's current value is dropped silently, so that a client
// may send back what it got; one sent with another value is a field error
// (collected in the returned FieldErrors), since the change cannot be made.
// A body that is not a JSON object is returned as is, for the patch to
// refuse.
func takeReadOnly(b []byte, current any, readOnly map[string]string) ([]byte, crm.FieldErrors, error) {
	var patch map[string]json.RawMessage
	if json.Unmarshal(b, &patch) != nil {
		return b, nil, nil
	}
	curJSON, err := json.Marshal(current)
	if err != nil {
		return nil, nil, fmt.Errorf("api: encode current resource: %w", err)
	}
	var cur map[string]json.RawMessage
	if err := json.Unmarshal(curJSON, &cur); err != nil {
		return nil, nil, fmt.Errorf("api: decode current resource: %w", err)
	}
	errs := crm.FieldErrors{}
	found := false
	for k, msg := range readOnly {
		v, ok := patch[k]
		if !ok {
			continue
		}
		found = true
		delete(patch, k)
		if !sameJSON(v, cur[k]) {
			errs.Add(k, msg)
		}
	}
	if !found {
		return b, errs, nil
	}
	if b, err = json.Marshal(patch); err != nil {
		return nil, nil, fmt.Errorf("api: encode patch: %w", err)
	}
	return b, errs, nil
}

// sameJSON reports whether two JSON values are equal; timestamps are equal
// when they name the same instant, whatever their offset or precision.
func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if unmarshalNumbers(a, &x) != nil || unmarshalNumbers(b, &y) != nil {
		return false
	}
	if xs, ok := x.(string); ok {
		if ys, ok := y.(string); ok {
			tx, errX := time.Parse(time.RFC3339Nano, xs)
			ty, errY := time.Parse(time.RFC3339Nano, ys)
			if errX == nil && errY == nil {
				return tx.Equal(ty)
			}
		}
	}
	if xn, ok := x.(json.Number); ok {
		if yn, ok := y.(json.Number); ok {
			return xn.String() == yn.String()
		}
	}
	return reflect.DeepEqual(x, y)
}

func (h *handler) disconnectAccount(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.sync.Disconnect(r.Context(), u, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *handler) syncAccount(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	runID, err := h.sync.SyncNow(r.Context(), u, id, "api")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, map[string]int64{"run_id": runID})
	return nil
}

func (h *handler) getRun(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	run, err := h.sync.Run(r.Context(), u, id)
	if err != nil {
		return err
	}
	events, next, err := h.runEvents(r, run.ID)
	if err != nil {
		return err
	}
	out := runJSON{ID: run.ID, AccountID: run.AccountID, Trigger: run.Trigger, Status: run.Status,
		Phase: run.Phase, Done: run.Done, Total: run.Total, Counts: run.Counts, Error: run.Error,
		CreatedAt: utc(run.CreatedAt), StartedAt: utcPtr(run.StartedAt), FinishedAt: utcPtr(run.FinishedAt),
		Events: make([]eventJSON, 0, len(events)), NextEventsCursor: next}
	for _, e := range events {
		out.Events = append(out.Events, eventJSON{Kind: e.Kind, ContactID: optionalID(e.ContactID),
			Message: e.Message, CreatedAt: utc(e.CreatedAt)})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (h *handler) findAccount(r *http.Request, u *crm.User) (*crm.GoogleAccount, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	return h.sync.Account(r.Context(), u, id)
}

func accountOut(a *crm.GoogleAccount) accountJSON {
	return accountJSON{ID: a.ID, Email: a.Email, GroupName: a.GroupName, Scope: a.Scope, DeleteMode: a.DeleteMode,
		SyncInterval: seconds(a.SyncInterval), ReconnectNeeded: a.ReconnectNeeded, LastRunID: optionalID(a.LastRunID),
		LastError: a.LastError, CreatedAt: utc(a.CreatedAt)}
}

// seconds is a sync period on the wire; nil stays null (the default).
func seconds(d *time.Duration) *int64 {
	if d == nil {
		return nil
	}
	s := int64(*d / time.Second)
	return &s
}

// optionalID is null for 0 (no run yet, an event about no contact).
func optionalID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
