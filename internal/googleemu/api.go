package googleemu

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// apiMethod is one People API method, named by its discovery id.
type apiMethod struct {
	id      string
	write   bool
	handler func(*call) (any, error)
}

// call is one People API request being served, under Emulator.mu.
type call struct {
	e       *Emulator
	r       *http.Request
	q       url.Values
	acct    *account
	name    string // resource name from the path (people/c1, contactGroups/x)
	body    []byte
	now     time.Time
	mutated bool
	// staleETag forces the next etag check of this call to fail.
	staleETag bool
}

const maxBody = 32 << 20

// route maps an HTTP method and a path below /v1/ to a People API method.
func (e *Emulator) route(verb, path string) (apiMethod, string, bool) {
	m := func(id string, write bool, h func(*call) (any, error)) apiMethod {
		return apiMethod{id: id, write: write, handler: h}
	}
	switch {
	case path == "people:batchGet" && verb == "GET":
		return m("people.getBatchGet", false, (*call).getBatchGet), "", true
	case path == "people:searchContacts" && verb == "GET":
		return m("people.searchContacts", false, (*call).searchContacts), "", true
	case path == "people:createContact" && verb == "POST":
		return m("people.createContact", true, (*call).createContact), "", true
	case path == "people:batchCreateContacts" && verb == "POST":
		return m("people.batchCreateContacts", true, (*call).batchCreateContacts), "", true
	case path == "people:batchUpdateContacts" && verb == "POST":
		return m("people.batchUpdateContacts", true, (*call).batchUpdateContacts), "", true
	case path == "people:batchDeleteContacts" && verb == "POST":
		return m("people.batchDeleteContacts", true, (*call).batchDeleteContacts), "", true
	case path == "contactGroups" && verb == "GET":
		return m("contactGroups.list", false, (*call).listGroups), "", true
	case path == "contactGroups" && verb == "POST":
		return m("contactGroups.create", true, (*call).createGroup), "", true
	case path == "contactGroups:batchGet" && verb == "GET":
		return m("contactGroups.batchGet", false, (*call).batchGetGroups), "", true
	}
	if rest, ok := strings.CutPrefix(path, "people/"); ok {
		id, suffix, _ := strings.Cut(rest, "/")
		id, verbSuffix, _ := strings.Cut(id, ":")
		name := "people/" + id
		switch {
		case suffix == "connections" && verbSuffix == "" && verb == "GET":
			return m("people.connections.list", false, (*call).listConnections), name, true
		case suffix != "" || id == "":
		case verbSuffix == "updateContact" && verb == "PATCH":
			return m("people.updateContact", true, (*call).updateContact), name, true
		case verbSuffix == "deleteContact" && verb == "DELETE":
			return m("people.deleteContact", true, (*call).deleteContact), name, true
		case verbSuffix == "" && verb == "GET":
			return m("people.get", false, (*call).getPerson), name, true
		}
	}
	if rest, ok := strings.CutPrefix(path, "contactGroups/"); ok {
		id, suffix, _ := strings.Cut(rest, "/")
		name := "contactGroups/" + id
		switch {
		case id == "" || strings.Contains(id, ":"):
		case suffix == "members:modify" && verb == "POST":
			return m("contactGroups.members.modify", true, (*call).modifyMembers), name, true
		case suffix != "":
		case verb == "GET":
			return m("contactGroups.get", false, (*call).getGroup), name, true
		case verb == "PUT":
			return m("contactGroups.update", true, (*call).updateGroup), name, true
		case verb == "DELETE":
			return m("contactGroups.delete", true, (*call).deleteGroup), name, true
		}
	}
	return apiMethod{}, "", false
}

// serveAPI serves one People API call. Each answer is counted in the
// request log before it is written: a client that has read an answer must
// find it counted.
func (e *Emulator) serveAPI(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	path := strings.TrimPrefix(r.URL.Path, "/v1/")
	m, name, ok := e.route(r.Method, path)
	if !ok {
		err := &apiError{Code: 404, Status: "NOT_FOUND", Message: "Method not found: " + r.Method + " " + r.URL.Path}
		e.record("unknown", err.Code, "", start)
		writeAPIError(w, err)
		return
	}
	if d := e.latencyFor(m.id); d > 0 {
		if err := sleepCtx(r.Context(), d); err != nil {
			e.record(m.id, 0, "", start)
			return
		}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		ae := errInvalid("Could not read the request body.")
		e.record(m.id, ae.Code, "", start)
		writeAPIError(w, ae)
		return
	}
	res, drop, sub, err := e.execute(m, name, r, body)
	if drop {
		// Timeout after commit: the write is applied, the answer is lost.
		e.record(m.id, 0, sub, start)
		dropConnection(w)
		return
	}
	if err != nil {
		e.record(m.id, asAPIError(err).Code, sub, start)
		writeAPIError(w, err)
		return
	}
	e.record(m.id, http.StatusOK, sub, start)
	writeJSON(w, http.StatusOK, res)
}

// execute authenticates, applies faults and quotas, and runs the handler
// under the state lock. drop reports a timeout-after-commit fault.
func (e *Emulator) execute(m apiMethod, name string, r *http.Request, body []byte) (res any, drop bool, sub string, err error) {
	e.mu.Lock()
	c := &call{e: e, r: r, q: r.URL.Query(), name: name, body: body, now: e.now()}
	res, drop, err = e.executeLocked(m, c)
	if c.acct != nil {
		sub = c.acct.Sub
	}
	e.mu.Unlock()
	if c.mutated {
		if serr := e.save(); serr != nil && err == nil {
			err = serr
		}
	}
	return res, drop, sub, err
}

func (e *Emulator) executeLocked(m apiMethod, c *call) (any, bool, error) {
	tok, err := e.authenticate(c.r, c.now)
	if err != nil {
		return nil, false, err
	}
	c.acct = e.st.Accounts[tok.Sub]
	if c.acct == nil {
		return nil, false, errUnauthenticated("ACCOUNT_STATE_INVALID")
	}
	if !tok.allows(m.write) {
		return nil, false, errInsufficientScope(e.opts.ScopeErrorInfo)
	}
	f := e.takeFault(m.id)
	if f != nil && f.Kind == FaultStatus {
		if f.Status == 429 {
			return nil, false, e.rateLimitError(m.write)
		}
		return nil, false, errStatus(f.Status)
	}
	if err := e.chargeQuota(c, m); err != nil {
		return nil, false, err
	}
	c.staleETag = f != nil && f.Kind == FaultStaleETag
	res, err := m.handler(c)
	if err != nil {
		return nil, false, err
	}
	return res, f != nil && f.Kind == FaultTimeoutAfterCommit, nil
}

// dropConnection closes the client connection without an answer.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
		return
	}
	// Not hijackable (HTTP/2, recorders): abort the response, which net/http
	// turns into a reset stream or closed connection.
	panic(http.ErrAbortHandler)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// decode unmarshals the request body into v, answering 400 like Google.
func (c *call) decode(v any) error {
	if len(strings.TrimSpace(string(c.body))) == 0 {
		return errInvalid("Request body is empty.")
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return errInvalid("Invalid JSON payload received. %s", jsonErrText(err))
	}
	return nil
}

func jsonErrText(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "json: ")
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

// intParam parses an integer query parameter (absent = 0).
func (c *call) intParam(name string) (int, error) {
	s := c.q.Get(name)
	if s == "" {
		return 0, nil
	}
	var n int
	for _, ch := range s {
		if ch < '0' || ch > '9' || n > 1<<30 {
			return 0, errInvalid("Invalid value at '%s' (TYPE_INT32), %q", name, s)
		}
		n = n*10 + int(ch-'0')
	}
	return n, nil
}

// pageSize reads pageSize: 0 means def; above max it is capped when cap is
// set, else rejected like Google.
func (c *call) pageSize(def, max int, capped bool) (int, error) {
	n, err := c.intParam("pageSize")
	switch {
	case err != nil:
		return 0, err
	case n == 0:
		return def, nil
	case n > max && capped:
		return max, nil
	case n > max:
		return 0, errInvalid("Page size must be between 1 and %d, inclusive.", max)
	}
	return n, nil
}

// resourceNames reads the repeated resourceNames parameter of a batch get.
func (c *call) resourceNames(max int) ([]string, error) {
	names := c.q["resourceNames"]
	if len(names) == 0 {
		return nil, errInvalid("Request must contain at least one resource name.")
	}
	if len(names) > max {
		return nil, errInvalid("Too many resource names. The maximum is %d.", max)
	}
	return names, nil
}

func (c *call) boolParam(name string) (bool, error) {
	switch c.q.Get(name) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, errInvalid("Invalid value at '%s' (TYPE_BOOL), %q", name, c.q.Get(name))
}
