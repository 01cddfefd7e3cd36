package googleemu

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	people "google.golang.org/api/people/v1"
)

// The control API: JSON over HTTP under /_emulator/ (no auth). The routes of
// DESIGN.md §6 (accounts, tokens, expire-sync-tokens, requests) are a
// contract; the others are documented in docs/emulator.md.

func (e *Emulator) controlRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /_emulator/accounts", e.ctlAddAccount)
	m.HandleFunc("GET /_emulator/accounts", e.ctlAccounts)
	m.HandleFunc("POST /_emulator/tokens", e.ctlTokens)
	m.HandleFunc("POST /_emulator/expire-sync-tokens", e.ctlExpire)
	m.HandleFunc("GET /_emulator/requests", e.ctlRequests)
	m.HandleFunc("DELETE /_emulator/requests", e.ctlResetRequests)
	m.HandleFunc("GET /_emulator/faults", e.ctlFaults)
	m.HandleFunc("POST /_emulator/faults", e.ctlAddFault)
	m.HandleFunc("DELETE /_emulator/faults", e.ctlClearFaults)
	m.HandleFunc("POST /_emulator/latency", e.ctlLatency)
	m.HandleFunc("POST /_emulator/quota", e.ctlQuota)
	m.HandleFunc("GET /_emulator/clock", e.ctlClock)
	m.HandleFunc("POST /_emulator/clock", e.ctlSetClock)
	m.HandleFunc("POST /_emulator/reset", e.ctlReset)
	m.HandleFunc("GET /_emulator/contacts", e.ctlContacts)
	m.HandleFunc("POST /_emulator/contacts", e.ctlAddContact)
	m.HandleFunc("POST /_emulator/groups", e.ctlAddGroup)
	m.HandleFunc("GET /_emulator/clients", e.ctlClients)
	m.HandleFunc("POST /_emulator/clients", e.ctlAddClient)
	m.HandleFunc("DELETE /_emulator/clients", e.ctlClearClients)
	m.HandleFunc("GET /_emulator/options", e.ctlOptions)
	m.HandleFunc("PATCH /_emulator/options", e.ctlPatchOptions)
	m.HandleFunc("POST /_emulator/options", e.ctlPatchOptions)
}

func (e *Emulator) ctlOptions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, e.optionsJSON())
}

// ctlPatchOptions changes the named options; the others keep their values.
func (e *Emulator) ctlPatchOptions(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err == nil {
		err = e.patchOptions(b)
	}
	if err != nil {
		ctlError(w, 400, err)
		return
	}
	e.ctlOptions(w, r)
}

func ctlError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, map[string]any{"error": map[string]any{"code": code, "message": err.Error()}})
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err == nil && len(b) > 0 {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		ctlError(w, 400, errors.New("invalid JSON body: "+err.Error()))
		return false
	}
	return true
}

func (e *Emulator) ctlAddAccount(w http.ResponseWriter, r *http.Request) {
	var req struct{ Email, Name string }
	if !readJSON(w, r, &req) {
		return
	}
	a, err := e.AddAccount(req.Email, req.Name)
	if err != nil {
		ctlError(w, 400, err)
		return
	}
	writeJSON(w, 200, map[string]string{"sub": a.Sub, "email": a.Email})
}

func (e *Emulator) ctlAccounts(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, map[string]any{"accounts": e.Accounts()})
}

func (e *Emulator) ctlTokens(w http.ResponseWriter, r *http.Request) {
	var req struct{ Email, Scope string }
	if !readJSON(w, r, &req) {
		return
	}
	res, err := e.IssueToken(req.Email, req.Scope)
	if err != nil {
		ctlError(w, 400, err)
		return
	}
	writeJSON(w, 200, res)
}

func (e *Emulator) ctlExpire(w http.ResponseWriter, r *http.Request) {
	e.ExpireSyncTokens()
	writeJSON(w, 200, map[string]any{})
}

// ctlRequests answers {"counts": {method: {status: n}}, "total": n} for the
// People API, {"oauth": {...}} for the token and revoke endpoints and, with
// ?log=1, the recent requests.
func (e *Emulator) ctlRequests(w http.ResponseWriter, r *http.Request) {
	counts, oauth := map[string]map[string]int{}, map[string]map[string]int{}
	total := 0
	for m, byStatus := range e.RequestCounts() {
		dst := counts
		if strings.HasPrefix(m, "oauth2.") {
			dst = oauth
		}
		dst[m] = map[string]int{}
		for s, n := range byStatus {
			dst[m][strconv.Itoa(s)] = n
			if !strings.HasPrefix(m, "oauth2.") {
				total += n
			}
		}
	}
	res := map[string]any{"counts": counts, "total": total, "oauth": oauth}
	if r.URL.Query().Get("log") != "" {
		res["requests"] = e.Requests()
	}
	writeJSON(w, 200, res)
}

func (e *Emulator) ctlResetRequests(w http.ResponseWriter, r *http.Request) {
	e.ResetRequests()
	writeJSON(w, 200, map[string]any{})
}

func (e *Emulator) ctlFaults(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, map[string]any{"faults": e.Faults()})
}

func (e *Emulator) ctlAddFault(w http.ResponseWriter, r *http.Request) {
	var f Fault
	if !readJSON(w, r, &f) {
		return
	}
	switch f.Kind {
	case "", FaultStatus, FaultStaleETag, FaultTimeoutAfterCommit:
	default:
		ctlError(w, 400, errors.New("unknown fault kind "+strconv.Quote(string(f.Kind))))
		return
	}
	e.AddFault(f)
	writeJSON(w, 200, map[string]any{"faults": e.Faults()})
}

func (e *Emulator) ctlClearFaults(w http.ResponseWriter, r *http.Request) {
	e.ClearFaults()
	writeJSON(w, 200, map[string]any{"faults": []Fault{}})
}

func (e *Emulator) ctlLatency(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Method string `json:"method"`
		MS     int    `json:"ms"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	e.SetLatency(req.Method, time.Duration(req.MS)*time.Millisecond)
	writeJSON(w, 200, map[string]any{})
}

func (e *Emulator) ctlQuota(w http.ResponseWriter, r *http.Request) {
	var q Quota
	if !readJSON(w, r, &q) {
		return
	}
	e.SetQuota(q)
	writeJSON(w, 200, q)
}

func (e *Emulator) ctlClock(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, 200, map[string]any{"now": e.Now().Format(time.RFC3339Nano)})
}

func (e *Emulator) ctlSetClock(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Now     string `json:"now"`
		Advance string `json:"advance"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if req.Now != "" {
		t, err := time.Parse(time.RFC3339Nano, req.Now)
		if err != nil {
			ctlError(w, 400, err)
			return
		}
		e.SetNow(t)
	}
	if req.Advance != "" {
		d, err := time.ParseDuration(req.Advance)
		if err != nil {
			ctlError(w, 400, err)
			return
		}
		e.Advance(d)
	}
	e.ctlClock(w, r)
}

func (e *Emulator) ctlReset(w http.ResponseWriter, r *http.Request) {
	e.Reset()
	writeJSON(w, 200, map[string]any{})
}

func (e *Emulator) ctlContacts(w http.ResponseWriter, r *http.Request) {
	ps, err := e.Contacts(r.URL.Query().Get("email"))
	if err != nil {
		ctlError(w, 404, err)
		return
	}
	if ps == nil {
		ps = []*people.Person{}
	}
	writeJSON(w, 200, map[string]any{"contacts": ps})
}

// ctlAddContact takes {"email", "person": Person, "groups": ["name"...]};
// named groups are created as needed.
func (e *Emulator) ctlAddContact(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Email  string         `json:"email"`
		Person *people.Person `json:"person"`
		Groups []string       `json:"groups"`
	}
	if !readJSON(w, r, &req) {
		return
	}
	if req.Person == nil {
		req.Person = &people.Person{}
	}
	var (
		out []*people.Person
		err error
	)
	if len(req.Groups) == 0 {
		var p *people.Person
		p, err = e.CreateContact(req.Email, req.Person)
		out = []*people.Person{p}
	} else {
		out, err = e.SeedGroup(req.Email, req.Groups[0], req.Person)
		for _, name := range req.Groups[1:] {
			if err != nil {
				break
			}
			var g *people.ContactGroup
			if g, err = e.EnsureGroup(req.Email, name); err == nil {
				err = e.ModifyGroupMembers(req.Email, g.ResourceName, []string{out[0].ResourceName}, nil)
			}
		}
		if err == nil {
			out[0], err = e.Contact(req.Email, out[0].ResourceName)
		}
	}
	if err != nil {
		ctlError(w, 400, err)
		return
	}
	writeJSON(w, 200, out[0])
}

func (e *Emulator) ctlAddGroup(w http.ResponseWriter, r *http.Request) {
	var req struct{ Email, Name string }
	if !readJSON(w, r, &req) {
		return
	}
	g, err := e.EnsureGroup(req.Email, req.Name)
	if err != nil {
		ctlError(w, 400, err)
		return
	}
	writeJSON(w, 200, g)
}
