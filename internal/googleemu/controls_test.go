package googleemu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	people "google.golang.org/api/people/v1"
)

func TestQuota429(t *testing.T) {
	for _, retryAfter := range []time.Duration{0, 30 * time.Second} {
		s, svc := mustService(t, Options{Quota: Quota{WritesPerMinute: 2}, RetryAfter: retryAfter})
		s.SetNow(time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC))
		mustCreate(t, svc, "A", "x", "")
		mustCreate(t, svc, "B", "x", "")
		_, err := svc.People.CreateContact(&people.Person{}).Do()
		ge := apiErr(t, err, 429, "RESOURCE_EXHAUSTED")
		if reason(ge) != "RATE_LIMIT_EXCEEDED" {
			t.Errorf("reason = %q", reason(ge))
		}
		if got := ge.Header.Get("Retry-After"); (got != "") != (retryAfter > 0) || retryAfter > 0 && got != "30" {
			t.Errorf("Retry-After = %q", got)
		}
		// Reads have their own quota.
		if _, err := svc.People.Connections.List("people/me").PersonFields("names").Do(); err != nil {
			t.Errorf("read after write quota: %v", err)
		}
		s.Advance(time.Minute)
		mustCreate(t, svc, "C", "x", "")
		if n := s.RequestCounts()["people.createContact"][429]; n != 1 {
			t.Errorf("429 count = %d", n)
		}
	}
}

func TestQuotaBatchItemsAndFullSync(t *testing.T) {
	s, svc := mustService(t, Options{Quota: Quota{WritesPerMinute: 3, CountBatchItems: true, FullSyncPerMinute: 1}})
	s.SetNow(time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC))
	in := []*people.ContactToCreate{{ContactPerson: &people.Person{}}, {ContactPerson: &people.Person{}}}
	if _, err := svc.People.BatchCreateContacts(&people.BatchCreateContactsRequest{Contacts: in}).Do(); err != nil {
		t.Fatal(err)
	}
	_, err := svc.People.BatchCreateContacts(&people.BatchCreateContactsRequest{Contacts: in}).Do()
	apiErr(t, err, 429, "RESOURCE_EXHAUSTED")
	if _, err := svc.People.Connections.List("people/me").PersonFields("names").Do(); err != nil {
		t.Fatal(err)
	}
	_, err = svc.People.Connections.List("people/me").PersonFields("names").Do()
	apiErr(t, err, 429, "RESOURCE_EXHAUSTED")
}

func TestForcedFaults(t *testing.T) {
	s, svc := mustService(t, Options{})
	p := mustCreate(t, svc, "A", "x", "")
	s.FailNext("people.createContact", 2, 503)
	for i := 0; i < 2; i++ {
		_, err := svc.People.CreateContact(&people.Person{}).Do()
		apiErr(t, err, 503, "UNAVAILABLE")
	}
	if _, err := svc.People.Get(p.ResourceName).PersonFields("names").Do(); err != nil {
		t.Errorf("other method failed: %v", err)
	}
	mustCreate(t, svc, "B", "x", "")

	s.FailNext("", 1, 500)
	_, err := svc.People.Get(p.ResourceName).PersonFields("names").Do()
	apiErr(t, err, 500, "INTERNAL")

	// After: the third call fails.
	s.AddFault(Fault{Method: "people.createContact", Status: 500, Times: 1, After: 2})
	for i := 0; i < 3; i++ {
		_, err := svc.People.CreateContact(&people.Person{}).Do()
		if (err != nil) != (i == 2) {
			t.Errorf("call %d: %v", i, err)
		}
	}

	// Stale etag on demand, even with the current etag.
	s.AddFault(Fault{Kind: FaultStaleETag, Times: 1})
	_, err = svc.People.UpdateContact(p.ResourceName, &people.Person{Etag: p.Etag}).UpdatePersonFields("names").Do()
	apiErr(t, err, 400, "FAILED_PRECONDITION")
	if _, err := svc.People.UpdateContact(p.ResourceName, &people.Person{Etag: p.Etag}).UpdatePersonFields("names").Do(); err != nil {
		t.Errorf("after the fault: %v", err)
	}
	if len(s.Faults()) != 0 {
		t.Errorf("faults left: %+v", s.Faults())
	}
}

func TestTimeoutAfterCommit(t *testing.T) {
	s, svc := mustService(t, Options{})
	s.AddFault(Fault{Method: "people.createContact", Kind: FaultTimeoutAfterCommit, Times: 1})
	_, err := svc.People.CreateContact(&people.Person{ClientData: []*people.ClientData{{Key: "simplecrm-id", Value: "7"}}}).Do()
	var ge *googleapi.Error
	if err == nil || errors.As(err, &ge) {
		t.Fatalf("want a transport error, got %v", err)
	}
	got, _ := s.Contacts(alice)
	if len(got) != 1 || got[0].ClientData[0].Value != "7" {
		t.Fatalf("the write was not applied: %+v", got)
	}
	if n := s.RequestCounts()["people.createContact"][0]; n != 1 {
		t.Errorf("unanswered count = %d", n)
	}
}

func TestLatency(t *testing.T) {
	s, svc := mustService(t, Options{})
	s.SetLatency("people.connections.list", 150*time.Millisecond)
	start := time.Now()
	if _, err := svc.People.Connections.List("people/me").PersonFields("names").Do(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("took %v", d)
	}
	s.SetLatency("people.connections.list", 0)
}

func TestAuthErrors(t *testing.T) {
	s := NewTestServer(t, Options{ScopeErrorInfo: true})
	ctx := context.Background()
	ro, err := s.IssueToken(alice, ScopeContactsReadonly)
	if err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Transport: bearer(ro.AccessToken)}
	svc, err := people.NewService(ctx, option.WithEndpoint(s.APIURL()), option.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.People.Connections.List("people/me").PersonFields("names").Do(); err != nil {
		t.Fatalf("read with readonly scope: %v", err)
	}
	_, err = svc.People.CreateContact(&people.Person{}).Do()
	ge := apiErr(t, err, 403, "PERMISSION_DENIED")
	if !strings.Contains(ge.Header.Get("WWW-Authenticate"), "insufficient_scope") || reason(ge) != "ACCESS_TOKEN_SCOPE_INSUFFICIENT" {
		t.Errorf("403 = %s %v", ge.Body, ge.Header)
	}
	s.Advance(2 * time.Hour)
	_, err = svc.People.Connections.List("people/me").PersonFields("names").Do()
	apiErr(t, err, 401, "UNAUTHENTICATED")
	anon, _ := people.NewService(ctx, option.WithEndpoint(s.APIURL()), option.WithoutAuthentication())
	_, err = anon.People.Connections.List("people/me").PersonFields("names").Do()
	apiErr(t, err, 401, "UNAUTHENTICATED")
}

type bearer string

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(b))
	return http.DefaultTransport.RoundTrip(r)
}

// ctl calls a control route and decodes the answer.
func ctl(t *testing.T, s *Server, method, path string, body any, out any) int {
	t.Helper()
	var buf bytes.Buffer
	if body != nil {
		_ = json.NewEncoder(&buf).Encode(body)
	}
	req, _ := http.NewRequest(method, s.URL+path, &buf)
	res := mustDo(t, req)
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: decode: %v", method, path, err)
		}
	}
	return res.StatusCode
}

func TestControlHTTP(t *testing.T) {
	s := NewTestServer(t, Options{})
	var acct, again map[string]string
	ctl(t, s, "POST", "/_emulator/accounts", map[string]string{"email": "Bob@Example.com", "name": "Bob"}, &acct)
	ctl(t, s, "POST", "/_emulator/accounts", map[string]string{"email": "bob@example.com", "name": "Bob"}, &again)
	if acct["sub"] == "" || acct["email"] != "bob@example.com" || again["sub"] != acct["sub"] {
		t.Fatalf("accounts: %v %v", acct, again)
	}
	var tok TokenResponse
	if code := ctl(t, s, "POST", "/_emulator/tokens", map[string]string{"email": "bob@example.com", "scope": DefaultScope}, &tok); code != 200 ||
		tok.AccessToken == "" || tok.RefreshToken == "" || tok.ExpiresIn <= 0 || tok.TokenType != "Bearer" {
		t.Fatalf("tokens: %d %+v", code, tok)
	}
	var person people.Person
	ctl(t, s, "POST", "/_emulator/contacts", map[string]any{"email": "bob@example.com", "groups": []string{"SimpleCRM"},
		"person": map[string]any{"names": []map[string]string{{"givenName": "Seeded"}}}}, &person)
	if len(person.Memberships) != 2 {
		t.Fatalf("seeded = %+v", person)
	}
	svc, err := people.NewService(context.Background(), option.WithEndpoint(s.APIURL()),
		option.WithHTTPClient(&http.Client{Transport: bearer(tok.AccessToken)}))
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.People.Connections.List("people/me").PersonFields("names").RequestSyncToken(true).Do()
	if err != nil || len(res.Connections) != 1 {
		t.Fatalf("list: %+v %v", res, err)
	}
	ctl(t, s, "POST", "/_emulator/expire-sync-tokens", nil, nil)
	_, err = svc.People.Connections.List("people/me").PersonFields("names").SyncToken(res.NextSyncToken).Do()
	apiErr(t, err, 400, "FAILED_PRECONDITION")

	ctl(t, s, "POST", "/_emulator/faults", Fault{Method: "people.get", Status: 502, Times: 1}, nil)
	_, err = svc.People.Get(person.ResourceName).PersonFields("names").Do()
	apiErr(t, err, 502, "")

	var counts struct {
		Counts map[string]map[string]int `json:"counts"`
		Total  int                       `json:"total"`
	}
	ctl(t, s, "GET", "/_emulator/requests", nil, &counts)
	if counts.Counts["people.connections.list"]["200"] != 1 || counts.Counts["people.connections.list"]["400"] != 1 ||
		counts.Counts["people.get"]["502"] != 1 || counts.Total != 3 {
		t.Fatalf("requests = %+v", counts)
	}
	var clock map[string]string
	ctl(t, s, "POST", "/_emulator/clock", map[string]string{"now": "2030-01-02T03:04:05Z"}, &clock)
	if !strings.HasPrefix(clock["now"], "2030-01-02T03:04") {
		t.Fatalf("clock = %v", clock)
	}
	ctl(t, s, "POST", "/_emulator/clock", map[string]string{"advance": "24h"}, &clock)
	if !strings.HasPrefix(clock["now"], "2030-01-03") {
		t.Fatalf("clock = %v", clock)
	}
	if code := ctl(t, s, "POST", "/_emulator/faults", map[string]string{"kind": "bogus"}, nil); code != 400 {
		t.Errorf("bogus fault: %d", code)
	}
	ctl(t, s, "POST", "/_emulator/quota", Quota{ReadsPerMinute: 5}, nil)
	ctl(t, s, "POST", "/_emulator/latency", map[string]any{"method": "", "ms": 1}, nil)
	ctl(t, s, "DELETE", "/_emulator/requests", nil, nil)
	ctl(t, s, "POST", "/_emulator/reset", nil, nil)
	if len(s.Accounts()) != 0 || s.Calls("people.get") != 0 {
		t.Errorf("reset left state")
	}
	if code := ctl(t, s, "POST", "/_emulator/accounts", "not an object", nil); code != 400 {
		t.Errorf("bad body: %d", code)
	}
}

func TestOptionsHTTP(t *testing.T) {
	s, svc := mustService(t, Options{})
	var got map[string]any
	ctl(t, s, "GET", "/_emulator/options", nil, &got)
	if got["sync_token_max_age"] != "168h0m0s" || got["expired_sync_token_status"] != "FAILED_PRECONDITION" {
		t.Fatalf("options = %v", got)
	}
	code := ctl(t, s, "PATCH", "/_emulator/options", map[string]any{"sync_token_max_age": "1h",
		"expired_sync_token_status": "INVALID_ARGUMENT", "max_contacts": 5}, &got)
	if code != 200 || got["sync_token_max_age"] != "1h0m0s" || got["max_contacts"] != float64(5) {
		t.Fatalf("patched = %d %v", code, got)
	}
	if o := s.Options(); o.SyncTokenMaxAge != time.Hour || o.DefaultRegion != "US" {
		t.Errorf("Options() = %+v", o)
	}
	for _, bad := range []map[string]any{{"nope": 1}, {"sync_token_max_age": "soon"}, {"max_contacts": "x"}} {
		if code := ctl(t, s, "PATCH", "/_emulator/options", bad, nil); code != 400 {
			t.Errorf("%v accepted: %d", bad, code)
		}
	}
	mustCreate(t, svc, "A", "B", "")
	_, tok, _ := listAll(t, svc, "", 100)
	s.Advance(61 * time.Minute)
	svc, _ = s.PeopleService(context.Background(), alice)
	_, err := svc.People.Connections.List("people/me").PersonFields("names").SyncToken(tok).Do()
	apiErr(t, err, 400, "INVALID_ARGUMENT")
}

// TestCountsBeforeAnswer reads large answers and checks the count at once:
// a call is counted before its answer is written, so no wait is needed. It
// decodes the JSON without reading to EOF (the official client reads on to
// the end of the chunked body, which hides a late count).
func TestCountsBeforeAnswer(t *testing.T) {
	s := NewTestServer(t, Options{})
	var persons []*people.Person
	for i := 0; i < 300; i++ {
		persons = append(persons, &people.Person{Names: []*people.Name{{GivenName: fmt.Sprintf("Large%03d", i)}},
			Biographies: []*people.Biography{{Value: strings.Repeat("note ", 100)}}})
	}
	tok, err := s.IssueToken(alice, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SeedGroup(alice, "SimpleCRM", persons...); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 50; i++ {
		req, _ := http.NewRequest("GET", s.URL+"/v1/people/me/connections?personFields=names,biographies,metadata&pageSize=1000", nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page people.ListConnectionsResponse
		err = json.NewDecoder(res.Body).Decode(&page)
		n := s.RequestCounts()["people.connections.list"][200]
		res.Body.Close()
		if err != nil || len(page.Connections) != 300 {
			t.Fatalf("list: %d people, %v", len(page.Connections), err)
		}
		if n != i {
			t.Fatalf("after call %d the log counts %d", i, n)
		}
	}
}

// TestOptionsFixedAtStart: options that cannot change at run time are
// refused with a message instead of being ignored; their current value
// (a GET answer sent back) is accepted.
func TestOptionsFixedAtStart(t *testing.T) {
	s := NewTestServer(t, Options{Clients: []Client{{ID: "crm", Secret: "s", RedirectURIs: []string{"http://127.0.0.1:9/cb"}}}})
	for name, v := range map[string]any{"data_file": "/tmp/other.json", "issuer": "https://other.example",
		"clients": []Client{{ID: "x"}}} {
		var res struct {
			Error struct{ Message string }
		}
		code := ctl(t, s, "PATCH", "/_emulator/options", map[string]any{name: v, "max_contacts": 7}, &res)
		if code != 400 || !strings.Contains(res.Error.Message, name) || !strings.Contains(res.Error.Message, "cannot change") {
			t.Errorf("%s: %d %q", name, code, res.Error.Message)
		}
	}
	if s.Options().MaxContacts == 7 {
		t.Errorf("a refused patch changed other options")
	}
	var all map[string]any
	ctl(t, s, "GET", "/_emulator/options", nil, &all)
	all["max_contacts"] = 7
	if code := ctl(t, s, "PATCH", "/_emulator/options", all, nil); code != 200 || s.Options().MaxContacts != 7 {
		t.Errorf("round trip of GET: %d", code)
	}
}

func TestAccessTokenQueryParameter(t *testing.T) {
	s := NewTestServer(t, Options{})
	tok, err := s.IssueToken(alice, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateContact(alice, &people.Person{Names: []*people.Name{{GivenName: "Q"}}}); err != nil {
		t.Fatal(err)
	}
	code, body := get(t, s.URL+"/v1/people/me/connections?personFields=names&access_token="+tok.AccessToken)
	if code != 200 || !strings.Contains(body, `"givenName":"Q"`) {
		t.Errorf("access_token in the query: %d %s", code, body)
	}
	if code, _ := get(t, s.URL+"/v1/people/me/connections?personFields=names&access_token=nope"); code != 401 {
		t.Errorf("unknown access_token: %d", code)
	}
}

func TestScopeErrorWithoutInfo(t *testing.T) {
	s := NewTestServer(t, Options{}) // ScopeErrorInfo off
	ro, err := s.IssueToken(alice, ScopeContactsReadonly)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := people.NewService(context.Background(), optionsFor(s, &http.Client{Transport: bearer(ro.AccessToken)})...)
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.People.CreateContact(&people.Person{}).Do()
	ge := apiErr(t, err, 403, "PERMISSION_DENIED")
	if len(ge.Details) != 0 || strings.Contains(ge.Body, "details") {
		t.Errorf("403 has details: %s", ge.Body)
	}
	if !strings.Contains(ge.Header.Get("WWW-Authenticate"), "insufficient_scope") {
		t.Errorf("WWW-Authenticate = %q", ge.Header.Get("WWW-Authenticate"))
	}
}
