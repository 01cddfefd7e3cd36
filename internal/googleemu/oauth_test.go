package googleemu

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	people "google.golang.org/api/people/v1"
)

// callback is the client's redirect target; it records the last query.
type callback struct {
	*httptest.Server
	last url.Values
}

func newCallback(t *testing.T) *callback {
	cb := &callback{}
	cb.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cb.last = r.URL.Query()
		io.WriteString(w, "done")
	}))
	t.Cleanup(cb.Close)
	return cb
}

var (
	formRe   = regexp.MustCompile(`(?s)<form method="post" action="([^"]+)">(.*?)</form>`)
	hiddenRe = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// forms returns the post forms of a page: action and hidden fields.
func forms(t *testing.T, body string) []struct {
	action string
	fields url.Values
} {
	t.Helper()
	var out []struct {
		action string
		fields url.Values
	}
	for _, m := range formRe.FindAllStringSubmatch(body, -1) {
		v := url.Values{}
		for _, h := range hiddenRe.FindAllStringSubmatch(m[2], -1) {
			v.Add(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
		}
		out = append(out, struct {
			action string
			fields url.Values
		}{html.UnescapeString(m[1]), v})
	}
	return out
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func post(t *testing.T, u string, v url.Values) (int, string) {
	t.Helper()
	res, err := http.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// authorize runs the pages: chooser (picking email), then consent (action,
// with the optional scopes granted). It returns the callback query.
func authorize(t *testing.T, s *Server, cb *callback, authURL, email, action string, granted ...string) url.Values {
	t.Helper()
	cb.last = nil
	code, body := get(t, authURL)
	if strings.Contains(body, "Choose an account") {
		fs := forms(t, body)
		choice := fs[len(fs)-1].fields // "use another account"
		choice.Set("email", email)
		code, body = post(t, s.URL+fs[len(fs)-1].action, choice)
	} else if cb.last == nil && !strings.Contains(body, "wants access") {
		t.Fatalf("chooser: %d %s", code, body)
	}
	if cb.last != nil {
		return cb.last // consent skipped
	}
	if code != 200 || !strings.Contains(body, "wants access") || !strings.Contains(body, ScopeContacts) {
		t.Fatalf("consent: %d %s", code, body)
	}
	fs := forms(t, body)
	v := fs[0].fields
	v.Set("action", action)
	for _, g := range granted {
		v.Add("granted", g)
	}
	code, _ = post(t, s.URL+fs[0].action, v)
	if code != 200 || cb.last == nil {
		t.Fatalf("no redirect to the callback: %d", code)
	}
	return cb.last
}

func TestOAuthFlow(t *testing.T) {
	s := NewTestServer(t, Options{})
	if _, err := s.AddAccount("sample@example.com", "Sample"); err != nil {
		t.Fatal(err)
	}
	cb := newCallback(t)
	ctx := context.Background()
	conf := &oauth2.Config{ClientID: "crm", ClientSecret: "secret", Endpoint: s.Endpoint(),
		RedirectURL: cb.URL + "/google/callback", Scopes: strings.Fields(DefaultScope)}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("st4te", oauth2.AccessTypeOffline, oauth2.ApprovalForce,
		oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "consent select_account"))
	code, body := get(t, authURL)
	if code != 200 || !strings.Contains(body, "sample@example.com") {
		t.Fatalf("chooser lacks the sample account: %s", body)
	}

	q := authorize(t, s, cb, authURL, alice, "allow", ScopeContacts)
	if q.Get("state") != "st4te" || q.Get("code") == "" {
		t.Fatalf("callback = %v", q)
	}
	if _, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption("wrong-verifier-wrong-verifier-wrong-verifier")); err == nil {
		t.Fatalf("exchange with a wrong verifier succeeded")
	}
	q = authorize(t, s, cb, authURL, alice, "allow", ScopeContacts)
	if _, err := conf.Exchange(ctx, q.Get("code")); err == nil {
		t.Fatalf("exchange without a verifier succeeded")
	}
	q = authorize(t, s, cb, authURL, alice, "allow", ScopeContacts)
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || tok.AccessToken == "" || tok.Expiry.IsZero() {
		t.Fatalf("token = %+v", tok)
	}
	if _, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier)); err == nil {
		t.Errorf("a code was accepted twice")
	}
	claims := verifyIDToken(t, s, tok.Extra("id_token").(string))
	if claims["email"] != alice || claims["aud"] != "crm" || claims["sub"] == "" || claims["email_verified"] != true ||
		claims["iss"] != "https://accounts.google.com" || claims["exp"] == nil || claims["iat"] == nil {
		t.Errorf("claims = %v", claims)
	}

	svc, err := people.NewService(ctx, optionsFor(s, conf.Client(ctx, tok))...)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.People.CreateContact(&people.Person{}).Do(); err != nil {
		t.Fatalf("write with the granted token: %v", err)
	}

	// Refresh, then revoke.
	fresh, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
	if err != nil || fresh.AccessToken == tok.AccessToken || fresh.Extra("id_token") == nil {
		t.Fatalf("refresh: %+v %v", fresh, err)
	}
	code, _ = post(t, s.URL+"/revoke", url.Values{"token": {tok.RefreshToken}})
	if code != 200 {
		t.Fatalf("revoke: %d", code)
	}
	if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil ||
		!strings.Contains(err.Error(), "invalid_grant") {
		t.Fatalf("refresh after revoke: %v", err)
	}
	_, err = svc.People.Connections.List("people/me").PersonFields("names").Do()
	apiErr(t, err, 401, "UNAUTHENTICATED")
	if code, _ := post(t, s.URL+"/revoke", url.Values{"token": {tok.RefreshToken}}); code != 400 {
		t.Errorf("second revoke: %d", code)
	}

	// Known grant, no prompt=consent: consent is skipped and no refresh token comes back.
	authURL2 := conf.AuthCodeURL("again", oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(verifier))
	q = authorize(t, s, cb, authURL2, alice, "allow", ScopeContacts)
	tok2, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil || tok2.RefreshToken != "" {
		t.Fatalf("silent re-auth: %+v %v", tok2, err)
	}
}

func TestOAuthCancelAndScopes(t *testing.T) {
	s := NewTestServer(t, Options{})
	cb := newCallback(t)
	ctx := context.Background()
	conf := &oauth2.Config{ClientID: "crm", Endpoint: s.Endpoint(), RedirectURL: cb.URL + "/cb", Scopes: strings.Fields(DefaultScope)}
	q := authorize(t, s, cb, conf.AuthCodeURL("s1", oauth2.AccessTypeOffline), alice, "cancel")
	if q.Get("error") != "access_denied" || q.Get("state") != "s1" || q.Get("code") != "" {
		t.Fatalf("cancel = %v", q)
	}
	// Contacts unticked: the token has no contacts scope; online access has no refresh token.
	q = authorize(t, s, cb, conf.AuthCodeURL("s2"), alice, "allow")
	tok, err := conf.Exchange(ctx, q.Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken != "" || strings.Contains(tok.Extra("scope").(string), "contacts") {
		t.Fatalf("token = %+v scope %v", tok, tok.Extra("scope"))
	}
	svc, _ := people.NewService(ctx, optionsFor(s, conf.Client(ctx, tok))...)
	_, err = svc.People.Connections.List("people/me").PersonFields("names").Do()
	apiErr(t, err, 403, "PERMISSION_DENIED")
}

func TestOAuthConfiguredClients(t *testing.T) {
	cb := newCallback(t)
	s := NewTestServer(t, Options{Clients: []Client{{ID: "crm", Secret: "s3cret", RedirectURIs: []string{cb.URL + "/cb"}}}})
	ctx := context.Background()
	cases := []struct {
		name string
		conf oauth2.Config
		code int
	}{
		{"redirect mismatch", oauth2.Config{ClientID: "crm", RedirectURL: cb.URL + "/other"}, 400},
		{"unknown client", oauth2.Config{ClientID: "nope", RedirectURL: cb.URL + "/cb"}, 401},
		{"missing redirect", oauth2.Config{ClientID: "crm"}, 400},
	}
	for _, tc := range cases {
		tc.conf.Endpoint, tc.conf.Scopes = s.Endpoint(), []string{ScopeContacts}
		code, body := get(t, tc.conf.AuthCodeURL("x"))
		if code != tc.code || !strings.Contains(body, "Error") {
			t.Errorf("%s: %d", tc.name, code)
		}
	}
	good := oauth2.Config{ClientID: "crm", ClientSecret: "wrong", Endpoint: s.Endpoint(), RedirectURL: cb.URL + "/cb",
		Scopes: strings.Fields(DefaultScope)}
	q := authorize(t, s, cb, good.AuthCodeURL("x"), alice, "allow", ScopeContacts)
	if _, err := good.Exchange(ctx, q.Get("code")); err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("wrong secret: %v", err)
	}
	good.ClientSecret = "s3cret"
	// login_hint names a known account: straight to consent.
	_, body := get(t, good.AuthCodeURL("x", oauth2.SetAuthURLParam("login_hint", alice)))
	if strings.Contains(body, "Choose an account") {
		t.Errorf("login_hint did not skip the chooser")
	}
	q = authorize(t, s, cb, good.AuthCodeURL("x", oauth2.SetAuthURLParam("login_hint", alice)), alice, "allow", ScopeContacts)
	if _, err := good.Exchange(ctx, q.Get("code")); err != nil {
		t.Fatalf("right secret: %v", err)
	}
}

func TestUnsupportedGrant(t *testing.T) {
	s := NewTestServer(t, Options{})
	code, body := post(t, s.URL+"/token", url.Values{"grant_type": {"password"}, "client_id": {"x"}})
	if code != 400 || !strings.Contains(body, "unsupported_grant_type") {
		t.Fatalf("%d %s", code, body)
	}
}

// verifyIDToken checks the RS256 signature against /oauth2/v3/certs and
// returns the claims.
func verifyIDToken(t *testing.T, s *Server, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("id_token %q", jwt)
	}
	var keys struct{ Keys []struct{ N, E string } }
	_, body := get(t, s.URL+"/oauth2/v3/certs")
	if err := json.Unmarshal([]byte(body), &keys); err != nil || len(keys.Keys) != 1 {
		t.Fatalf("certs: %s", body)
	}
	n, _ := base64.RawURLEncoding.DecodeString(keys.Keys[0].N)
	e, _ := base64.RawURLEncoding.DecodeString(keys.Keys[0].E)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("id_token signature: %v", err)
	}
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

func TestRefreshTokenLimits(t *testing.T) {
	ctx := context.Background()
	refresh := func(s *Server, rt string) error {
		_, err := (&oauth2.Config{ClientID: "crm", Endpoint: s.Endpoint()}).TokenSource(ctx, &oauth2.Token{RefreshToken: rt}).Token()
		return err
	}
	for _, limit := range []int{-1, 2} {
		s := NewTestServer(t, Options{MaxRefreshTokens: limit})
		var rts []string
		for i := 0; i < 3; i++ {
			tok, err := s.IssueToken(alice, ScopeContacts)
			if err != nil {
				t.Fatal(err)
			}
			rts = append(rts, tok.RefreshToken)
		}
		if err := refresh(s, rts[0]); (err != nil) != (limit == 2) {
			t.Errorf("limit %d: oldest refresh: %v", limit, err)
		}
		if err := refresh(s, rts[2]); err != nil {
			t.Errorf("limit %d: newest refresh: %v", limit, err)
		}
	}
	s := NewTestServer(t, Options{RefreshTokenTTL: 7 * 24 * time.Hour})
	tok, err := s.IssueToken(alice, ScopeContacts)
	if err != nil {
		t.Fatal(err)
	}
	if err := refresh(s, tok.RefreshToken); err != nil {
		t.Fatal(err)
	}
	s.Advance(8 * 24 * time.Hour)
	if err := refresh(s, tok.RefreshToken); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("expired refresh token: %v", err)
	}
}

func TestPKCEMethods(t *testing.T) {
	s := NewTestServer(t, Options{})
	cb := newCallback(t)
	ctx := context.Background()
	conf := &oauth2.Config{ClientID: "crm", Endpoint: s.Endpoint(), RedirectURL: cb.URL + "/cb", Scopes: strings.Fields(DefaultScope)}
	verifier := oauth2.GenerateVerifier()
	sum := sha256.Sum256([]byte(verifier))
	s256 := base64.RawURLEncoding.EncodeToString(sum[:])
	param := oauth2.SetAuthURLParam
	cases := []struct {
		name      string
		challenge string
		method    string // "" = parameter absent
		ok        bool
	}{
		{"S256", s256, "S256", true},
		{"plain", verifier, "plain", true},
		{"no method is plain", verifier, "", true},
		{"no method is not S256", s256, "", false},
		{"S256 is not plain", verifier, "S256", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := []oauth2.AuthCodeOption{param("code_challenge", tc.challenge), param("prompt", "consent")}
			if tc.method != "" {
				opts = append(opts, param("code_challenge_method", tc.method))
			}
			q := authorize(t, s, cb, conf.AuthCodeURL("st", opts...), alice, "allow", ScopeContacts)
			_, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
			if (err == nil) != tc.ok {
				t.Fatalf("exchange: %v, want ok=%v", err, tc.ok)
			}
			if !tc.ok && !strings.Contains(err.Error(), "invalid_grant") {
				t.Errorf("error = %v", err)
			}
		})
	}
	// An unknown method is refused on the error page, not redirected.
	cb.last = nil
	code, body := get(t, conf.AuthCodeURL("st", param("code_challenge", s256), param("code_challenge_method", "S512")))
	if code != 400 || !strings.Contains(body, "invalid_request") || cb.last != nil {
		t.Errorf("unknown method: %d, redirected %v", code, cb.last != nil)
	}
}

func TestClientsControlRoute(t *testing.T) {
	s := NewTestServer(t, Options{})
	cb := newCallback(t)
	ctx := context.Background()
	conf := oauth2.Config{ClientID: "crm", ClientSecret: "s3cret", Endpoint: s.Endpoint(), RedirectURL: cb.URL + "/cb",
		Scopes: strings.Fields(DefaultScope)}
	authCode := func(c oauth2.Config) int {
		code, _ := get(t, c.AuthCodeURL("x"))
		return code
	}
	other := conf
	other.ClientID = "other"
	if authCode(other) != 200 {
		t.Fatalf("no clients registered: any client should be accepted")
	}
	var got struct{ Clients []Client }
	if code := ctl(t, s, "POST", "/_emulator/clients", Client{ID: "crm", Secret: "s3cret", RedirectURIs: []string{cb.URL + "/cb"}}, &got); code != 200 ||
		len(got.Clients) != 1 || got.Clients[0].ID != "crm" {
		t.Fatalf("add client: %d %+v", code, got)
	}
	if code := ctl(t, s, "POST", "/_emulator/clients", map[string]any{"client_secret": "x"}, nil); code != 400 {
		t.Errorf("client without id: %d", code)
	}
	if c := authCode(other); c != 401 {
		t.Errorf("unknown client after registration: %d", c)
	}
	wrongRedirect := conf
	wrongRedirect.RedirectURL = cb.URL + "/elsewhere"
	if c := authCode(wrongRedirect); c != 400 {
		t.Errorf("unregistered redirect: %d", c)
	}
	q := authorize(t, s, cb, conf.AuthCodeURL("x"), alice, "allow", ScopeContacts)
	if _, err := conf.Exchange(ctx, q.Get("code")); err != nil {
		t.Fatalf("registered client: %v", err)
	}
	ctl(t, s, "GET", "/_emulator/clients", nil, &got)
	if len(got.Clients) != 1 {
		t.Errorf("GET clients = %+v", got)
	}
	ctl(t, s, "DELETE", "/_emulator/clients", nil, &got)
	if len(got.Clients) != 0 || authCode(other) != 200 {
		t.Errorf("after DELETE: %+v", got)
	}
}

func TestUserinfoAndDiscovery(t *testing.T) {
	s := NewTestServer(t, Options{})
	tok, err := s.IssueToken(alice, "")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", s.URL+"/oauth2/v3/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	var info map[string]any
	if err := json.NewDecoder(mustDo(t, req).Body).Decode(&info); err != nil {
		t.Fatal(err)
	}
	claims := verifyIDToken(t, s, tok.IDToken)
	if info["email"] != alice || info["sub"] != claims["sub"] || info["email_verified"] != true || info["name"] == "" {
		t.Errorf("userinfo = %v", info)
	}
	if code, _ := get(t, s.URL+"/oauth2/v3/userinfo"); code != 401 {
		t.Errorf("userinfo without a token: %d", code)
	}
	var disco map[string]any
	_, body := get(t, s.URL+"/.well-known/openid-configuration")
	if err := json.Unmarshal([]byte(body), &disco); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"issuer": "https://accounts.google.com", "authorization_endpoint": s.URL + "/o/oauth2/v2/auth",
		"token_endpoint": s.URL + "/token", "userinfo_endpoint": s.URL + "/oauth2/v3/userinfo", "jwks_uri": s.URL + "/oauth2/v3/certs",
		"revocation_endpoint": s.URL + "/revoke"} {
		if disco[k] != want {
			t.Errorf("%s = %v, want %s", k, disco[k], want)
		}
	}
	// The discovered endpoints work with x/oauth2.
	if _, err := (&oauth2.Config{ClientID: "crm", Endpoint: oauth2.Endpoint{TokenURL: disco["token_endpoint"].(string)}}).
		TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err != nil {
		t.Errorf("refresh at the discovered token endpoint: %v", err)
	}
}
