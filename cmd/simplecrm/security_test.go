package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"simplecrm/internal/api"
	"simplecrm/internal/googleemu"
	"simplecrm/internal/store"
	"simplecrm/internal/ui"
)

// TestSecurity attacks the real binary on both engines: every route of the
// UI and the API (enumerated from their routers, so new routes are covered
// without editing this test) refuses anonymous callers and ids of another
// organization; cross-origin posts, script injection, SQL metacharacters,
// OAuth state tricks, oversized bodies and password guessing all fail; and
// refresh tokens are neither in the database in clear nor in the logs.
func TestSecurity(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { testSecurity(t, engine) })
	}
}

const evil = `<script>alert(1);x,y</script>`

// secWorld is two organizations, each with a user, a contact, a company and
// a connected Google account with a finished run.
type secWorld struct {
	p         *product
	srv       *serveProc
	ann, bob  apiClient
	annIDs    map[string]int64 // by the path segment before "{id}"
	bobIDs    map[string]int64
	annDAV    string // Ann's CardDAV app password
	annUserID int64
}

func testSecurity(t *testing.T, engine string) {
	w := newSecWorld(t, engine)
	t.Run("anonymous", w.anonymous)
	t.Run("cross-organization", w.crossOrg)
	t.Run("cross-origin posts", w.crossOrigin)
	t.Run("escaping", w.escaping)
	t.Run("SQL metacharacters", w.sqlMeta)
	t.Run("OAuth state", w.oauthState)
	t.Run("body limits", w.bodyLimits)
	t.Run("refresh tokens", w.refreshTokens)
	t.Run("login throttled", w.loginThrottled) // last: it locks loopback out of logins for a while
}

func newSecWorld(t *testing.T, engine string) *secWorld {
	p := newProduct(t, engine, true)
	w := &secWorld{p: p}
	annToken := p.mustUser(t, "Acme", "ann@acme.example")
	bobToken := p.mustUser(t, "Other Org", "bob@other.example")
	w.annDAV = strings.TrimSpace(mustRun(t, p.env("127.0.0.1:0"), "", "app-password", "create", "--email", "ann@acme.example"))
	for _, g := range []string{"ann@gmail.example", "bob@gmail.example"} {
		if _, err := p.emu.AddAccount(g, ""); err != nil {
			t.Fatal(err)
		}
	}
	addr := freeAddr(t)
	w.srv = startServe(t, p.env(addr), addr)
	w.ann = apiClient{t: t, base: w.srv.base, token: annToken}
	w.bob = apiClient{t: t, base: w.srv.base, token: bobToken}
	w.annIDs = w.mustData(t, w.ann, "ann@acme.example", "ann@gmail.example", evil)
	w.bobIDs = w.mustData(t, w.bob, "bob@other.example", "bob@gmail.example", "Secret")

	db, err := store.Open(t.Context(), p.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	users := map[string]int64{}
	rows, err := db.SQL().QueryContext(t.Context(), `SELECT u.id, u.email, t.id FROM users u JOIN api_tokens t ON t.user_id = u.id`)
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]int64{}
	for rows.Next() {
		var uid, tid int64
		var email string
		if err := rows.Scan(&uid, &email, &tid); err != nil {
			t.Fatal(err)
		}
		users[email], tokens[email] = uid, tid
	}
	rows.Close()
	w.annIDs["users"], w.annIDs["tokens"] = users["ann@acme.example"], tokens["ann@acme.example"]
	w.bobIDs["users"], w.bobIDs["tokens"] = users["bob@other.example"], tokens["bob@other.example"]
	w.annUserID = users["ann@acme.example"]
	mustRun(t, p.env("127.0.0.1:0"), "", "app-password", "create", "--email", "bob@other.example")
	rows, err = db.SQL().QueryContext(t.Context(), `SELECT id, user_id FROM app_passwords`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, uid int64
		if err := rows.Scan(&id, &uid); err != nil {
			t.Fatal(err)
		}
		for _, ids := range []map[string]int64{w.annIDs, w.bobIDs} {
			if ids["users"] == uid {
				ids["carddav"] = id // app passwords: /tokens/carddav/{id}
			}
		}
	}
	rows.Close()
	return w
}

// mustData creates a contact named name with an employment, connects the
// Google account and waits for its first run; it returns the ids by the
// path segment that precedes them in routes.
func (w *secWorld) mustData(t *testing.T, c apiClient, email, google, name string) map[string]int64 {
	var ct struct {
		ID          int64
		Employments []struct {
			ID        int64
			CompanyID int64 `json:"company_id"`
		}
	}
	c.do("POST", "/api/v1/contacts", fmt.Sprintf(`{"first_name":%q,"last_name":%q,"note":%q,"personal_email":"x@%s",
		"employments":[{"company_name":%q,"function":%q}]}`, name, name, name, strings.Split(email, "@")[1], name+" Inc", name), 201, &ct)
	if len(ct.Employments) != 1 || ct.Employments[0].CompanyID == 0 {
		t.Fatalf("contact %+v", ct)
	}
	acct, run := mustConnect(t, c, email, google)
	waitRun(t, c, fmt.Sprint(run))
	return map[string]int64{
		"contacts": ct.ID, "employments": ct.Employments[0].ID, "companies": ct.Employments[0].CompanyID,
		"google-accounts": acct, "accounts": acct, "sync-runs": run, "runs": run,
	}
}

// publicUI are the UI routes that need no login.
var publicUI = map[string]bool{"GET /static/": true, "GET /{$}": true, "GET /login": true, "POST /login": true,
	"POST /logout": true, "/": true}

var wildcardRe = regexp.MustCompile(`([a-z-]+)/\{([a-z]+)\}`)

// fill replaces each {wildcard} of pattern by the id of ids named by the
// segment before it ("contacts/{id}" takes ids["contacts"]).
func fill(t *testing.T, pattern string, ids map[string]int64) (method, path string) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "GET", pattern
	}
	path = strings.TrimSuffix(path, "{$}")
	path = wildcardRe.ReplaceAllStringFunc(path, func(m string) string {
		seg := wildcardRe.FindStringSubmatch(m)[1]
		id, ok := ids[seg]
		if !ok {
			t.Errorf("route %s: no id for %q; add one to the security test", pattern, seg)
		}
		return fmt.Sprintf("%s/%d", seg, id)
	})
	return method, path
}

func send(t *testing.T, c *http.Client, method, target string, body io.Reader, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if method == "POST" && body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func (w *secWorld) anonymous(t *testing.T) {
	anon := noRedirects(nil)
	for _, pattern := range api.Routes() {
		method, path := fill(t, pattern, w.annIDs)
		if st, _, body := send(t, anon, method, w.srv.base+path, strings.NewReader(`{}`)); st != 401 {
			t.Errorf("anonymous %s %s = %d, want 401: %.200s", method, path, st, body)
		}
		// A wrong token is anonymous too.
		if st, _, _ := send(t, anon, method, w.srv.base+path, nil, "Authorization", "Bearer scrm_forged"); st != 401 {
			t.Errorf("forged token %s %s = %d, want 401", method, path, st)
		}
	}
	n := 0
	for _, pattern := range ui.Routes() {
		if publicUI[pattern] {
			continue
		}
		n++
		method, path := fill(t, pattern, w.annIDs)
		st, h, _ := send(t, anon, method, w.srv.base+path, strings.NewReader("first_name=Hacked"))
		if loc := h.Get("Location"); st != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
			t.Errorf("anonymous %s %s = %d to %q, want a redirect to /login", method, path, st, loc)
		}
	}
	if n < 20 {
		t.Errorf("only %d authenticated UI routes enumerated", n)
	}
	for _, path := range []string{"/dav/", fmt.Sprintf("/dav/%d/contacts/default/", w.annUserID),
		fmt.Sprintf("/dav/%d/contacts/default/crm-%d.vcf", w.annUserID, w.annIDs["contacts"])} {
		for _, method := range []string{"PROPFIND", "REPORT", "GET", "PUT", "DELETE"} {
			if st, _, _ := send(t, anon, method, w.srv.base+path, strings.NewReader("<x/>")); st != 401 {
				t.Errorf("anonymous %s %s = %d, want 401", method, path, st)
			}
		}
	}
}

func (w *secWorld) crossOrg(t *testing.T) {
	for _, pattern := range api.Routes() {
		if !strings.Contains(pattern, "{") {
			continue
		}
		method, path := fill(t, pattern, w.bobIDs)
		req, _ := http.NewRequest(method, w.srv.base+path, strings.NewReader(`{"first_name":"Hacked","name":"Hacked","auto_sync":false}`))
		req.Header.Set("Authorization", "Bearer "+w.ann.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 404 || strings.Contains(string(b), "Secret") {
			t.Errorf("Ann: %s %s = %d, want 404: %.200s", method, path, resp.StatusCode, b)
		}
	}
	jar, _ := cookiejar.New(nil)
	annUI := noRedirects(jar)
	login(t, annUI, w.srv.base, "ann@acme.example")
	for _, pattern := range ui.Routes() {
		if publicUI[pattern] || !strings.Contains(pattern, "{") {
			continue
		}
		method, path := fill(t, pattern, w.bobIDs)
		form := url.Values{"first_name": {"Hacked"}, "name": {"Hacked"}, "role": {"member"}, "employment_rows": {"0"}}
		if st, _, body := send(t, annUI, method, w.srv.base+path, strings.NewReader(form.Encode())); st != 404 || strings.Contains(body, "Secret") {
			t.Errorf("Ann: %s %s = %d, want 404: %.200s", method, path, st, body)
		}
	}
	// CardDAV: Bob's principal and Bob's contact through Ann's own book.
	dav := &http.Client{}
	for _, path := range []string{fmt.Sprintf("/dav/%d/contacts/default/", w.bobIDs["users"]),
		fmt.Sprintf("/dav/%d/contacts/default/crm-%d.vcf", w.annUserID, w.bobIDs["contacts"])} {
		for _, method := range []string{"PROPFIND", "GET", "DELETE"} {
			req, _ := http.NewRequest(method, w.srv.base+path, nil)
			req.SetBasicAuth("ann@acme.example", w.annDAV)
			resp, err := dav.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 404 || strings.Contains(string(b), "Secret") {
				t.Errorf("Ann's CardDAV: %s %s = %d, want 404", method, path, resp.StatusCode)
			}
		}
	}
	// Bob's data is intact.
	var ct map[string]any
	w.bob.do("GET", fmt.Sprintf("/api/v1/contacts/%d", w.bobIDs["contacts"]), "", 200, &ct)
	if ct["first_name"] != "Secret" || ct["deleted_at"] != nil || len(ct["employments"].([]any)) != 1 {
		t.Errorf("Bob's contact changed: %v", ct)
	}
	var accts struct{ Items []map[string]any }
	w.bob.do("GET", "/api/v1/google-accounts", "", 200, &accts)
	if len(accts.Items) != 1 {
		t.Errorf("Bob's Google accounts: %v", accts.Items)
	}
	var co map[string]any
	w.bob.do("GET", fmt.Sprintf("/api/v1/companies/%d", w.bobIDs["companies"]), "", 200, &co)
	if co["name"] != "Secret Inc" {
		t.Errorf("Bob's company changed: %v", co)
	}
}

func (w *secWorld) crossOrigin(t *testing.T) {
	jar, _ := cookiejar.New(nil)
	annUI := noRedirects(jar)
	login(t, annUI, w.srv.base, "ann@acme.example")
	for _, pattern := range ui.Routes() {
		method, path := fill(t, pattern, w.annIDs)
		if method != "POST" {
			continue
		}
		for _, h := range [][2]string{{"Origin", "https://evil.example"}, {"Sec-Fetch-Site", "cross-site"}} {
			form := url.Values{"first_name": {"Forged"}, "name": {"Forged"}, "employment_rows": {"0"}, "email": {"ann@acme.example"}, "password": {pw}}
			if st, _, _ := send(t, annUI, method, w.srv.base+path, strings.NewReader(form.Encode()), h[0], h[1]); st != 403 {
				t.Errorf("%s %s with %s: %s = %d, want 403", method, path, h[0], h[1], st)
			}
		}
	}
	var list struct{ Items []any }
	w.ann.do("GET", "/api/v1/contacts?q=forged", "", 200, &list)
	if len(list.Items) != 0 {
		t.Errorf("a cross-origin post created %d contacts", len(list.Items))
	}
	// The session survived the forged logout.
	if st, _, _ := send(t, annUI, "GET", w.srv.base+"/contacts", nil); st != 200 {
		t.Errorf("after a forged logout: /contacts = %d", st)
	}
}

func (w *secWorld) escaping(t *testing.T) {
	jar, _ := cookiejar.New(nil)
	annUI := noRedirects(jar)
	login(t, annUI, w.srv.base, "ann@acme.example")
	const escaped = `&lt;script&gt;alert(1);x,y&lt;/script&gt;`
	pages := 0
	for _, pattern := range append(ui.Routes(), "GET /contacts?q="+url.QueryEscape(evil)) {
		method, path := fill(t, pattern, w.annIDs)
		if method != "GET" || strings.HasSuffix(path, "/events") || pattern == "/" || strings.HasPrefix(path, "/static/") {
			continue // the events stream stays open; static files are ours
		}
		st, _, body := send(t, annUI, method, w.srv.base+path, nil)
		if st >= 300 && st != http.StatusSeeOther && !(path == "/google/callback" && st == 400) && !(path == "/export" && st == 400) {
			t.Errorf("GET %s = %d", path, st)
		}
		if strings.Contains(body, "<script>alert") {
			t.Errorf("GET %s renders the name unescaped", path)
		}
		if strings.Contains(body, "alert(1)") && !strings.Contains(body, escaped) {
			t.Errorf("GET %s shows the name without the escaped form", path)
		}
		pages++
	}
	for _, path := range []string{"/contacts", fmt.Sprintf("/contacts/%d", w.annIDs["contacts"]), fmt.Sprintf("/companies/%d", w.annIDs["companies"])} {
		if _, _, body := send(t, annUI, "GET", w.srv.base+path, nil); !strings.Contains(body, escaped) {
			t.Errorf("GET %s does not show the contact's name", path)
		}
	}
	// The API answers JSON, which browsers do not render.
	req, _ := http.NewRequest("GET", w.srv.base+fmt.Sprintf("/api/v1/contacts/%d", w.annIDs["contacts"]), nil)
	req.Header.Set("Authorization", "Bearer "+w.ann.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("API Content-Type %q", ct)
	}
	// CardDAV: the card is a vCard with its TEXT values escaped, and the
	// multistatus XML escapes it again.
	card := fmt.Sprintf("/dav/%d/contacts/default/crm-%d.vcf", w.annUserID, w.annIDs["contacts"])
	req, _ = http.NewRequest("GET", w.srv.base+card, nil)
	req.SetBasicAuth("ann@acme.example", w.annDAV)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/vcard") ||
		!strings.Contains(string(b), `FN:<script>alert(1)\;x\,y</script>`) {
		t.Errorf("GET card = %d %s:\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	report := `<?xml version="1.0"?><C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
<D:prop><C:address-data/></D:prop><D:href>` + card + `</D:href></C:addressbook-multiget>`
	req, _ = http.NewRequest("REPORT", w.srv.base+fmt.Sprintf("/dav/%d/contacts/default/", w.annUserID), strings.NewReader(report))
	req.SetBasicAuth("ann@acme.example", w.annDAV)
	req.Header.Set("Content-Type", "application/xml")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 207 || strings.Contains(string(b), "<script>") || !strings.Contains(string(b), "&lt;script&gt;alert(1)") {
		t.Errorf("REPORT = %d:\n%s", resp.StatusCode, b)
	}
	// The emulator's contacts page, where the synced contact now is.
	ejar, _ := cookiejar.New(nil)
	emuBrowser := &http.Client{Jar: ejar}
	if _, err := googleemu.ClickThrough(emuBrowser, w.p.emu.URL+"/_page/login", "ann@gmail.example", true, nil); err != nil {
		t.Fatal(err)
	}
	_, _, body := send(t, emuBrowser, "GET", w.p.emu.URL+"/contacts", nil)
	if strings.Contains(body, "<script>alert") || !strings.Contains(body, "&lt;script&gt;alert(1)") {
		t.Errorf("emulator contacts page:\n%.2000s", body)
	}
	t.Logf("%d UI pages checked for escaping", pages)
}

func (w *secWorld) sqlMeta(t *testing.T) {
	var before struct{ Items []map[string]any }
	w.ann.do("GET", "/api/v1/contacts?limit=1000", "", 200, &before)
	mine := map[float64]bool{}
	for _, it := range before.Items {
		mine[it["id"].(float64)] = true
	}
	jar, _ := cookiejar.New(nil)
	annUI := noRedirects(jar)
	login(t, annUI, w.srv.base, "ann@acme.example")
	// Search splits the query into words of letters and digits, so a query of
	// punctuation only is no filter; what matters is that nothing breaks out.
	for _, s := range []string{`' OR '1'='1`, `'; DROP TABLE contacts; --`, `%`, `_`, `\`, `"`, `%' OR 1=1 --`,
		`*`, `Secret`, `') UNION SELECT email, password_hash FROM users --`, "\x00", `$1`, `?`, `[a-z]`} {
		var list struct{ Items []map[string]any }
		w.ann.do("GET", "/api/v1/contacts?q="+url.QueryEscape(s), "", 200, &list)
		for _, it := range list.Items {
			if !mine[it["id"].(float64)] {
				t.Errorf("q=%q found another organization's %v", s, it["first_name"])
			}
		}
		w.ann.do("GET", "/api/v1/companies?q="+url.QueryEscape(s), "", 200, nil)
		for _, filter := range []string{"owner_email", "company_id", "trashed", "cursor", "limit"} {
			req, _ := http.NewRequest("GET", w.srv.base+"/api/v1/contacts?"+filter+"="+url.QueryEscape(s), nil)
			req.Header.Set("Authorization", "Bearer "+w.ann.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 && resp.StatusCode != 400 && resp.StatusCode != 422 {
				t.Errorf("%s=%q: %d", filter, s, resp.StatusCode)
			}
		}
		for _, path := range []string{"/contacts?q=", "/companies?q=", "/trash?q="} {
			if st, _, _ := send(t, annUI, "GET", w.srv.base+path+url.QueryEscape(s), nil); st != 200 {
				t.Errorf("GET %s%q = %d", path, s, st)
			}
		}
	}
	var after struct{ Items []map[string]any }
	w.ann.do("GET", "/api/v1/contacts?limit=1000", "", 200, &after)
	if len(after.Items) != len(before.Items) {
		t.Errorf("contacts: %d before, %d after", len(before.Items), len(after.Items))
	}
	if strings.Contains(w.srv.Logs(), "syntax error") {
		t.Error("the logs show an SQL syntax error")
	}
}

func (w *secWorld) oauthState(t *testing.T) {
	accountsOf := func(c apiClient) int {
		var a struct{ Items []any }
		c.do("GET", "/api/v1/google-accounts", "", 200, &a)
		return len(a.Items)
	}
	// Reused: Ann's own callback works once, and only once.
	annCallback, annUI := w.stopAtCallback(t, w.ann, "ann@acme.example", "ann2@gmail.example")
	if st, h, _ := send(t, annUI, "GET", annCallback, nil); st != http.StatusSeeOther || !strings.Contains(h.Get("Location"), "/google/runs/") {
		t.Fatalf("Ann's callback = %d to %s", st, h.Get("Location"))
	}
	before := accountsOf(w.ann)
	if st, _, _ := send(t, annUI, "GET", annCallback, nil); st != 400 && st != 403 {
		t.Errorf("reused state: callback = %d, want a refusal", st)
	}

	// Missing, made-up and foreign: Bob went through Google's pages but his
	// browser stopped at the redirect back, so the callback has a real code.
	callback, _ := w.stopAtCallback(t, w.bob, "bob@other.example", "bob2@gmail.example")
	code, state := queryParam(t, callback, "code"), queryParam(t, callback, "state")
	for _, tc := range []struct{ name, query string }{
		{"missing state", url.Values{"code": {code}}.Encode()},
		{"empty state", url.Values{"code": {code}, "state": {""}}.Encode()},
		{"made-up state", url.Values{"code": {code}, "state": {"forged-" + state}}.Encode()},
		{"Bob's state", url.Values{"code": {code}, "state": {state}}.Encode()},
	} {
		st, _, body := send(t, annUI, "GET", w.srv.base+"/google/callback?"+tc.query, nil)
		if st != 400 && st != 403 {
			t.Errorf("%s: callback = %d, want a refusal: %.300s", tc.name, st, body)
		}
	}
	if n := accountsOf(w.ann); n != before {
		t.Errorf("Ann has %d Google accounts, had %d", n, before)
	}
	if n := accountsOf(w.bob); n != 1 {
		t.Errorf("Bob has %d Google accounts, want 1", n)
	}
}

// stopAtCallback starts a connection for the CRM user email and goes through
// Google's pages as googleEmail, stopping at the redirect back to the CRM. It
// returns that callback URL and the user's logged-in browser.
func (w *secWorld) stopAtCallback(t *testing.T, c apiClient, email, googleEmail string) (string, *http.Client) {
	if _, err := w.p.emu.AddAccount(googleEmail, ""); err != nil {
		t.Fatal(err)
	}
	var conn struct {
		AuthorizationURL string `json:"authorization_url"`
	}
	c.do("POST", "/api/v1/google-accounts/connect", ``, 200, &conn)
	jar, _ := cookiejar.New(nil)
	var callback string
	browser := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(r.URL.String(), w.srv.base) {
			callback = r.URL.String()
			return http.ErrUseLastResponse
		}
		return nil
	}}
	login(t, browser, w.srv.base, email)
	if _, err := googleemu.ClickThrough(browser, conn.AuthorizationURL, googleEmail, true, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(callback, "/google/callback?") || queryParam(t, callback, "code") == "" {
		t.Fatalf("stopped at %q", callback)
	}
	return callback, browser
}

func (w *secWorld) bodyLimits(t *testing.T) {
	big := `{"first_name":"Big","note":"` + strings.Repeat("x", 2<<20) + `"}`
	// With a length the server refuses it up front; without one, the API
	// refuses it while reading. Either way the API's JSON error.
	for _, length := range []int64{int64(len(big)), -1} {
		req, _ := http.NewRequest("POST", w.srv.base+"/api/v1/contacts", io.MultiReader(strings.NewReader(big)))
		req.ContentLength = length
		req.Header.Set("Authorization", "Bearer "+w.ann.token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct {
			Error struct{ Code, Message string }
		}
		err = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != 413 || err != nil || e.Error.Code != "too_large" || e.Error.Message == "" ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("2 MiB API body (Content-Length %d) = %d %s %+v, %v; want 413 too_large in JSON",
				length, resp.StatusCode, resp.Header.Get("Content-Type"), e, err)
		}
	}
	jar, _ := cookiejar.New(nil)
	annUI := noRedirects(jar)
	login(t, annUI, w.srv.base, "ann@acme.example")
	if st, _, _ := send(t, annUI, "POST", w.srv.base+"/contacts", strings.NewReader("first_name=Big&note="+strings.Repeat("x", 2<<20))); st != 413 {
		t.Errorf("2 MiB form = %d, want 413", st)
	}
	if st, _, _ := send(t, noRedirects(nil), "POST", w.srv.base+"/login", strings.NewReader("email=a&password="+strings.Repeat("x", 2<<20))); st != 413 {
		t.Errorf("2 MiB login form = %d, want 413", st)
	}
	card := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Big\r\nNOTE:" + strings.Repeat("x", 5<<20) + "\r\nEND:VCARD\r\n"
	req, _ := http.NewRequest("PUT", w.srv.base+fmt.Sprintf("/dav/%d/contacts/default/big.vcf", w.annUserID), strings.NewReader(card))
	req.SetBasicAuth("ann@acme.example", w.annDAV)
	req.Header.Set("Content-Type", "text/vcard")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 && resp.StatusCode != 403 { // 403 with max-resource-size is RFC 6352's answer
		t.Errorf("5 MiB card = %d, want 413 or 403", resp.StatusCode)
	}
}

func (w *secWorld) refreshTokens(t *testing.T) {
	tokens := w.p.refreshTokens(t)
	if len(tokens) < 2 {
		t.Fatalf("the emulator issued %d refresh tokens", len(tokens))
	}
	// A sync more, so that tokens were used while logging.
	var accts struct{ Items []struct{ ID int64 } }
	w.ann.do("GET", "/api/v1/google-accounts", "", 200, &accts)
	var queued struct {
		RunID int64 `json:"run_id"`
	}
	w.ann.do("POST", fmt.Sprintf("/api/v1/google-accounts/%d/sync", accts.Items[0].ID), "", 202, &queued)
	waitRun(t, w.ann, fmt.Sprint(queued.RunID))

	var dump []byte
	if path, ok := strings.CutPrefix(w.p.dsn, "sqlite:"); ok {
		// Every file of the database: main file, WAL, shared memory.
		files, _ := filepath.Glob(path + "*")
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			dump = append(dump, b...)
		}
	} else {
		dump = postgresDump(t, w.p.dsn)
	}
	if len(dump) < 1000 || !strings.Contains(string(dump), "ann@gmail.example") {
		t.Fatalf("the dump (%d bytes) lacks the account's email: not a dump of the data", len(dump))
	}
	logs := w.srv.Logs()
	for _, rt := range tokens {
		if strings.Contains(string(dump), rt) {
			t.Errorf("refresh token %.6s… is in the database in clear", rt)
		}
		if strings.Contains(logs, rt) {
			t.Errorf("refresh token %.6s… is in the logs", rt)
		}
	}
	for _, secret := range []string{w.ann.token, w.bob.token, pw, w.annDAV, "SIMPLECRM_SECRET_KEY"} {
		if strings.Contains(logs, secret) {
			t.Errorf("secret %.8s… is in the logs", secret)
		}
	}
}

// postgresDump is every row of every table of the public schema as text.
func postgresDump(t *testing.T, dsn string) []byte {
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.SQL().Query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var out []byte
	for _, tbl := range tables {
		rows, err := db.SQL().Query(fmt.Sprintf(`SELECT t::text FROM %q t`, tbl))
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			rows.Scan(&s)
			out = append(out, s...)
			out = append(out, '\n')
		}
		rows.Close()
	}
	return out
}

func (w *secWorld) loginThrottled(t *testing.T) {
	c := noRedirects(nil)
	form := func(p string) io.Reader {
		return strings.NewReader(url.Values{"email": {"ann@acme.example"}, "password": {p}}.Encode())
	}
	throttled := 0
	for i := range 20 {
		st, _, _ := send(t, c, "POST", w.srv.base+"/login", form(fmt.Sprintf("guess-%d", i)))
		if st == http.StatusTooManyRequests {
			throttled++
		} else if i >= 6 {
			t.Errorf("guess %d = %d, want 429", i, st)
		}
	}
	if throttled < 14 {
		t.Errorf("%d of 20 guesses throttled", throttled)
	}
	// Even the right password waits now: guessing gains nothing.
	if st, _, _ := send(t, c, "POST", w.srv.base+"/login", form(pw)); st != http.StatusTooManyRequests {
		t.Errorf("right password while throttled = %d, want 429", st)
	}
}

// login logs c in to the UI.
func login(t *testing.T, c *http.Client, base, email string) {
	t.Helper()
	st, h, _ := send(t, c, "POST", base+"/login", strings.NewReader(url.Values{"email": {email}, "password": {pw}}.Encode()))
	if st != http.StatusSeeOther || strings.HasPrefix(h.Get("Location"), "/login") {
		t.Fatalf("login %s = %d to %s", email, st, h.Get("Location"))
	}
}
