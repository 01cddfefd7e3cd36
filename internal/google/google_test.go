package google_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/people/v1"

	"simplecrm/internal/google"
	"simplecrm/internal/googleemu"
)

// app is a minimal application: its callback hands the code and state over.
type app struct {
	cfg      google.Config
	emu      *googleemu.Server
	callback chan url.Values
}

func newApp(t *testing.T) *app {
	a := &app{emu: googleemu.NewTestServer(t, googleemu.Options{}), callback: make(chan url.Values, 1)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.callback <- r.URL.Query()
	}))
	t.Cleanup(srv.Close)
	a.cfg = google.Config{ClientID: "crm", ClientSecret: "secret", AuthURL: a.emu.URL + "/o/oauth2/v2/auth",
		TokenURL: a.emu.URL + "/token", RevokeURL: a.emu.URL + "/revoke", APIURL: a.emu.APIURL(),
		RedirectURL: srv.URL + "/google/callback"}
	return a
}

// authorize runs the flow up to the callback and returns its parameters.
func (a *app) authorize(t *testing.T, email string, allow bool, grant []string) (url.Values, string) {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	authURL := a.cfg.AuthCodeURL("state-1", verifier, true)
	u, _ := url.Parse(authURL)
	q := u.Query()
	if q.Get("access_type") != "offline" || q.Get("prompt") != "select_account consent" || q.Get("code_challenge_method") != "S256" ||
		q.Get("scope") != "openid email https://www.googleapis.com/auth/contacts" {
		t.Fatalf("authorization URL lacks what DESIGN.md §3 asks: %s", authURL)
	}
	if _, err := googleemu.ClickThrough(http.DefaultClient, authURL, email, allow, grant); err != nil {
		t.Fatal(err)
	}
	return <-a.callback, verifier
}

func TestConnectFlow(t *testing.T) {
	ctx := context.Background()
	a := newApp(t)
	acct, _ := a.emu.AddAccount("ann@gmail.example", "Ann")
	got, verifier := a.authorize(t, "ann@gmail.example", true, nil)
	if got.Get("state") != "state-1" || got.Get("code") == "" {
		t.Fatalf("callback = %v", got)
	}
	if _, err := a.cfg.Exchange(ctx, got.Get("code"), "wrong-verifier"); err == nil {
		t.Fatal("exchange with a wrong PKCE verifier succeeded")
	}
	got, verifier = a.authorize(t, "ann@gmail.example", true, nil)
	grant, err := a.cfg.Exchange(ctx, got.Get("code"), verifier)
	if err != nil {
		t.Fatal(err)
	}
	if grant.Identity != (google.Identity{Sub: acct.Sub, Email: "ann@gmail.example"}) || grant.Token.RefreshToken == "" || !grant.HasContactsScope() {
		t.Fatalf("grant = %+v", grant)
	}

	svc, err := a.cfg.People(ctx, grant.Token.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	c := google.NewClient(svc)
	if _, err := c.CreateGroup(ctx, "SimpleCRM"); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateGroup(ctx, "SimpleCRM")
	if google.StatusCode(err) != 409 {
		t.Fatalf("second group create: %v, want 409", err)
	}

	if err := a.cfg.Revoke(ctx, grant.Token.RefreshToken); err != nil {
		t.Fatal(err)
	}
	if err := a.cfg.Revoke(ctx, grant.Token.RefreshToken); err != nil {
		t.Fatalf("revoking twice: %v (a token Google forgot counts as revoked)", err)
	}
	svc, _ = a.cfg.People(ctx, grant.Token.RefreshToken)
	_, err = google.NewClient(svc).ListGroups(ctx)
	if k := google.Classify(err); k != google.KindReconnect {
		t.Fatalf("call with a revoked token: kind %v (%v), want KindReconnect", k, err)
	}
}

func TestConnectRefusals(t *testing.T) {
	ctx := context.Background()
	a := newApp(t)
	got, _ := a.authorize(t, "bob@gmail.example", false, nil)
	if got.Get("error") != "access_denied" {
		t.Fatalf("cancel: callback = %v", got)
	}
	got, verifier := a.authorize(t, "bob@gmail.example", true, []string{})
	grant, err := a.cfg.Exchange(ctx, got.Get("code"), verifier)
	if err != nil {
		t.Fatal(err)
	}
	if grant.HasContactsScope() {
		t.Fatal("contacts permission unticked, yet the grant claims it")
	}
	svc, _ := a.cfg.People(ctx, grant.Token.RefreshToken)
	_, err = google.NewClient(svc).CreateGroup(ctx, "SimpleCRM")
	if k := google.Classify(err); k != google.KindScope {
		t.Fatalf("write without the contacts scope: kind %v (%v), want KindScope", k, err)
	}
}

// Classify reads what the emulator answers as Google does.
func TestClassifyEmulatorErrors(t *testing.T) {
	ctx := context.Background()
	a := newApp(t)
	a.emu.AddAccount("c@gmail.example", "")
	tok, _ := a.emu.IssueToken("c@gmail.example", "")
	svc, err := a.cfg.People(ctx, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	c := google.NewClient(svc)
	list, err := c.ListConnections(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	a.emu.ExpireSyncTokens()
	_, err = c.ListConnections(ctx, list.NextSyncToken, "")
	if k := google.Classify(err); k != google.KindExpiredSyncToken {
		t.Errorf("expired sync token: kind %v (%v)", k, err)
	}

	created, err := c.BatchCreate(ctx, []*people.Person{{Names: []*people.Name{{GivenName: "A"}}}})
	if err != nil {
		t.Fatal(err)
	}
	p := created[0]
	stale := *p
	p.Names[0].GivenName = "B"
	if _, err := c.BatchUpdate(ctx, map[string]*people.Person{p.ResourceName: p}, []string{"names"}); err != nil {
		t.Fatal(err)
	}
	_, err = c.BatchUpdate(ctx, map[string]*people.Person{stale.ResourceName: &stale}, []string{"names"})
	if k := google.Classify(err); k != google.KindStaleEtag {
		t.Errorf("stale etag: kind %v (%v)", k, err)
	}

	a.emu.Configure(func(o *googleemu.Options) { o.RetryAfter = 7 * time.Second })
	a.emu.FailNext("", 1, 429)
	_, err = c.ListGroups(ctx)
	if k := google.Classify(err); k != google.KindRetry || google.RetryAfter(err) != 7*time.Second {
		t.Errorf("429: kind %v, Retry-After %v (%v)", k, google.RetryAfter(err), err)
	}
	for _, status := range []int{500, 503} {
		a.emu.FailNext("", 1, status)
		if _, err = c.ListGroups(ctx); google.Classify(err) != google.KindRetry {
			t.Errorf("%d: kind %v", status, google.Classify(err))
		}
	}
	_, err = c.BatchGet(ctx, []string{"people/c1"})
	if err != nil {
		t.Errorf("batch get of an unknown person: %v (Google answers per person)", err)
	}
	a.emu.AddFault(googleemu.Fault{Method: "people.batchCreateContacts", Kind: googleemu.FaultTimeoutAfterCommit, Times: 1})
	_, err = c.BatchCreate(ctx, []*people.Person{{Names: []*people.Name{{GivenName: "C"}}}})
	if k := google.Classify(err); k != google.KindAmbiguous {
		t.Errorf("timeout after commit: kind %v (%v)", k, err)
	}
}

func TestBackoff(t *testing.T) {
	b := google.Backoff{Base: 100 * time.Millisecond, Max: time.Second}
	for attempt := 0; attempt < 10; attempt++ {
		d := b.Delay(attempt, errors.New("x"))
		if d <= 0 || d > time.Second {
			t.Fatalf("attempt %d: delay %v out of (0, 1s]", attempt, d)
		}
	}
	ra := &googleapi.Error{Code: 429, Header: http.Header{"Retry-After": {"5"}}}
	if d := b.Delay(0, ra); d != 5*time.Second {
		t.Fatalf("Retry-After 5 gave %v", d)
	}
}
