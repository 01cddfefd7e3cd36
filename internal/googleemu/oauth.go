package googleemu

import (
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// OAuth 2.0 like accounts.google.com and oauth2.googleapis.com: account
// chooser, consent, authorization code with PKCE, token, revoke, id_token.

//go:embed templates/*.html
var templateFS embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"typeLabel": func(t string) string {
		if l := formattedTypes[t]; l != "" {
			return l
		}
		return t
	},
	"initial": func(s string) string {
		r, _ := utf8.DecodeRuneInString(s)
		return string(unicode.ToUpper(r))
	},
}).ParseFS(templateFS, "templates/*.html"))

const codeTTL = 10 * time.Minute

var scopeTexts = map[string]string{
	"openid":              "Associate you with your personal info on Google",
	"email":               "See your primary Google Account email address",
	"profile":             "See your personal info, including any personal info you've made publicly available",
	ScopeContacts:         "See, edit, download, and permanently delete your contacts",
	ScopeContactsReadonly: "See and download your contacts",
}

// authRequest holds the parameters of /o/oauth2/v2/auth, carried through
// the chooser and consent forms.
type authRequest struct{ v url.Values }

var authParams = []string{"client_id", "redirect_uri", "response_type", "scope", "state", "access_type",
	"prompt", "login_hint", "code_challenge", "code_challenge_method", "nonce", "include_granted_scopes"}

func parseAuthRequest(r *http.Request) authRequest {
	v := url.Values{}
	for _, k := range authParams {
		if s := r.Form.Get(k); s != "" {
			v.Set(k, s)
		}
	}
	return authRequest{v}
}

func (ar authRequest) get(k string) string { return ar.v.Get(k) }

func (e *Emulator) oauthRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /o/oauth2/v2/auth", e.handleAuthorize)
	m.HandleFunc("GET /o/oauth2/auth", e.handleAuthorize)
	m.HandleFunc("POST /o/oauth2/v2/auth/choose", e.handleChoose)
	m.HandleFunc("POST /o/oauth2/v2/auth/consent", e.handleConsent)
	m.HandleFunc("POST /token", e.handleToken)
	m.HandleFunc("POST /revoke", e.handleRevoke)
	m.HandleFunc("GET /revoke", e.handleRevoke)
	m.HandleFunc("GET /oauth2/v3/certs", e.handleCerts)
	m.HandleFunc("GET /oauth2/v3/userinfo", e.handleUserinfo)
	m.HandleFunc("GET /.well-known/openid-configuration", e.handleDiscovery)
}

// checkAuthRequest validates client and redirect URI; errors are shown on
// a page, never redirected (like Google).
func (e *Emulator) checkAuthRequest(ar authRequest) (code int, errName, msg string) {
	if ar.get("client_id") == "" {
		return 400, "invalid_request", "Missing required parameter: client_id"
	}
	if ar.get("redirect_uri") == "" {
		return 400, "invalid_request", "Missing required parameter: redirect_uri"
	}
	u, err := url.Parse(ar.get("redirect_uri"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
		return 400, "invalid_request", "Invalid parameter value for redirect_uri: " + ar.get("redirect_uri")
	}
	if ar.get("client_id") == pageClientID {
		if u.Path != "/_page/callback" {
			return 400, "redirect_uri_mismatch", "The contacts page only redirects to /_page/callback."
		}
	} else if cl, found, restricted := e.lookupClient(ar.get("client_id")); restricted {
		if !found {
			return 401, "invalid_client", "The OAuth client was not found."
		}
		if !slices.Contains(cl.RedirectURIs, ar.get("redirect_uri")) {
			return 400, "redirect_uri_mismatch", "You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. " +
				"redirect_uri=" + ar.get("redirect_uri") + " is not registered for this client."
		}
	}
	if ar.get("scope") == "" {
		return 400, "invalid_request", "Missing required parameter: scope"
	}
	if m := ar.get("code_challenge_method"); m != "" && m != "S256" && m != "plain" {
		return 400, "invalid_request", "Invalid code_challenge_method: " + m
	}
	return 0, "", ""
}

// authForm reads and checks the authorization parameters of a request,
// answering the error page when they are wrong.
func (e *Emulator) authForm(w http.ResponseWriter, r *http.Request) (authRequest, bool) {
	_ = r.ParseForm() // a malformed form leaves parameters missing, which is reported
	ar := parseAuthRequest(r)
	if code, name, msg := e.checkAuthRequest(ar); code != 0 {
		e.renderOAuthError(w, code, name, msg)
		return ar, false
	}
	return ar, true
}

// clientName is how the pages name a client.
func clientName(id string) string {
	if id == pageClientID {
		return "Contacts (emulator)"
	}
	return id
}

func (e *Emulator) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	ar, ok := e.authForm(w, r)
	if !ok {
		return
	}
	if ar.get("response_type") != "code" {
		redirectWith(w, r, ar, url.Values{"error": {"unsupported_response_type"}})
		return
	}
	e.mu.Lock()
	hinted := e.st.accountByEmail(ar.get("login_hint"))
	accounts := e.st.sortedAccounts()
	e.mu.Unlock()
	if hinted != nil && !strings.Contains(ar.get("prompt"), "select_account") {
		e.afterChoice(w, r, ar, hinted)
		return
	}
	render(w, http.StatusOK, "chooser", map[string]any{"Title": "Sign in", "Client": clientName(ar.get("client_id")),
		"Accounts": accounts, "Params": ar.v})
}

func (e *Emulator) handleChoose(w http.ResponseWriter, r *http.Request) {
	ar, ok := e.authForm(w, r)
	if !ok {
		return
	}
	email := normEmail(r.PostForm.Get("email"))
	if !strings.Contains(email, "@") {
		e.renderOAuthError(w, 400, "invalid_request", "Enter a valid email address.")
		return
	}
	e.mu.Lock()
	a := e.st.addAccount(email, strings.TrimSpace(r.PostForm.Get("name")), e.now())
	e.mu.Unlock()
	_ = e.save()
	e.afterChoice(w, r, ar, a)
}

// afterChoice shows the consent page, or skips it when the scopes were
// granted before and prompt does not ask for consent.
func (e *Emulator) afterChoice(w http.ResponseWriter, r *http.Request, ar authRequest, a *account) {
	scopes := normalizeScopes(ar.get("scope"))
	e.mu.Lock()
	granted := e.st.Consented[a.Sub+"|"+ar.get("client_id")]
	e.mu.Unlock()
	all := true
	for _, s := range scopes {
		all = all && slices.Contains(granted, s)
	}
	if all && !strings.Contains(ar.get("prompt"), "consent") {
		e.grantCode(w, r, ar, a.Sub, scopes, false)
		return
	}
	type scopeLine struct {
		Scope, Text string
		Optional    bool
	}
	var lines []scopeLine
	for _, s := range scopes {
		text := scopeTexts[s]
		if text == "" {
			text = "Access " + s
		}
		lines = append(lines, scopeLine{Scope: s, Text: text, Optional: s != "openid" && s != "email" && s != "profile"})
	}
	render(w, http.StatusOK, "consent", map[string]any{"Title": "Consent", "Client": clientName(ar.get("client_id")),
		"Account": a, "Scopes": lines, "Params": ar.v})
}

func (e *Emulator) handleConsent(w http.ResponseWriter, r *http.Request) {
	ar, ok := e.authForm(w, r)
	if !ok {
		return
	}
	if r.PostForm.Get("action") != "allow" {
		redirectWith(w, r, ar, url.Values{"error": {"access_denied"}})
		return
	}
	sub := r.PostForm.Get("sub")
	e.mu.Lock()
	known := e.st.Accounts[sub] != nil
	e.mu.Unlock()
	if !known {
		e.renderOAuthError(w, 400, "invalid_request", "Unknown account.")
		return
	}
	var scopes []string
	for _, s := range normalizeScopes(ar.get("scope")) {
		if s == "openid" || s == "email" || s == "profile" || slices.Contains(r.PostForm["granted"], s) {
			scopes = append(scopes, s)
		}
	}
	e.grantCode(w, r, ar, sub, scopes, true)
}

// grantCode issues an authorization code and redirects back to the client.
func (e *Emulator) grantCode(w http.ResponseWriter, r *http.Request, ar authRequest, sub string, scopes []string, consented bool) {
	code := randomToken("4/emu-", 24)
	e.mu.Lock()
	e.st.Codes[code] = &authCode{Sub: sub, ClientID: ar.get("client_id"), RedirectURI: ar.get("redirect_uri"),
		Scopes: scopes, Challenge: ar.get("code_challenge"), Method: ar.get("code_challenge_method"),
		Offline: ar.get("access_type") == "offline", Consented: consented, Nonce: ar.get("nonce"),
		Expiry: e.now().Add(codeTTL)}
	e.mu.Unlock()
	redirectWith(w, r, ar, url.Values{"code": {code}, "scope": {grantedScopeString(scopes)},
		"authuser": {"0"}, "prompt": {"consent"}})
}

func redirectWith(w http.ResponseWriter, r *http.Request, ar authRequest, v url.Values) {
	u, _ := url.Parse(ar.get("redirect_uri")) // checked by checkAuthRequest
	q := u.Query()
	for k, vs := range v {
		q[k] = vs
	}
	if s := ar.get("state"); s != "" {
		q.Set("state", s)
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (e *Emulator) renderOAuthError(w http.ResponseWriter, code int, name, msg string) {
	render(w, code, "oautherror", map[string]any{"Title": "Error", "Code": code, "Error": name, "Message": msg})
}

func render(w http.ResponseWriter, code int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	_ = templates.ExecuteTemplate(w, name, data) // the client went away
}

func oauthError(w http.ResponseWriter, code int, name, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, code, map[string]string{"error": name, "error_description": desc})
}

func (e *Emulator) handleToken(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	status, res, errName, desc := e.token(r)
	if errName == "" {
		_ = e.save() // best effort: the grant is also saved with the next mutation
	}
	e.record("oauth2.token", status, "", start) // before the answer, as in serveAPI
	if errName != "" {
		oauthError(w, status, errName, desc)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, res)
}

func (e *Emulator) token(r *http.Request) (int, TokenResponse, string, string) {
	if err := r.ParseForm(); err != nil {
		return 400, TokenResponse{}, "invalid_request", "Could not parse the request body."
	}
	clientID, secret, basic := r.BasicAuth()
	if !basic {
		clientID, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if clientID == "" {
		return 400, TokenResponse{}, "invalid_request", "Could not determine client ID from request."
	}
	if cl, found, restricted := e.lookupClient(clientID); restricted {
		if !found || subtle.ConstantTimeCompare([]byte(cl.Secret), []byte(secret)) != 1 {
			return 401, TokenResponse{}, "invalid_client", "Unauthorized"
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	switch gt := r.PostForm.Get("grant_type"); gt {
	case "authorization_code":
		code := e.st.Codes[r.PostForm.Get("code")]
		delete(e.st.Codes, r.PostForm.Get("code"))
		if code == nil || now.After(code.Expiry) || code.ClientID != clientID {
			return 400, TokenResponse{}, "invalid_grant", "Malformed auth code."
		}
		if code.RedirectURI != r.PostForm.Get("redirect_uri") {
			return 400, TokenResponse{}, "redirect_uri_mismatch", "Bad Request"
		}
		if code.Challenge != "" {
			v := r.PostForm.Get("code_verifier")
			if v == "" {
				return 400, TokenResponse{}, "invalid_grant", "Missing code verifier."
			}
			if !pkceMatches(code.Method, code.Challenge, v) {
				return 400, TokenResponse{}, "invalid_grant", "Invalid code verifier."
			}
		}
		res, err := e.issue(code.Sub, clientID, code.Scopes, code.Offline && code.Consented, "", code.Nonce)
		if err != nil {
			return 500, TokenResponse{}, "server_error", err.Error()
		}
		key := code.Sub + "|" + clientID
		for _, s := range code.Scopes {
			if !slices.Contains(e.st.Consented[key], s) {
				e.st.Consented[key] = append(e.st.Consented[key], s)
			}
		}
		return 200, res, "", ""
	case "refresh_token":
		g := e.st.Grants[r.PostForm.Get("refresh_token")]
		if g != nil && e.opts.RefreshTokenTTL > 0 && now.Sub(g.Created) > e.opts.RefreshTokenTTL {
			e.revoke(g.RefreshToken)
			g = nil
		}
		if g == nil {
			return 400, TokenResponse{}, "invalid_grant", "Token has been expired or revoked."
		}
		if g.ClientID != "" && g.ClientID != clientID {
			return 401, TokenResponse{}, "unauthorized_client", "Unauthorized"
		}
		scopes := g.Scopes
		if s := normalizeScopes(r.PostForm.Get("scope")); len(s) > 0 {
			for _, x := range s {
				if !slices.Contains(g.Scopes, x) {
					return 400, TokenResponse{}, "invalid_scope", "Some requested scopes were invalid."
				}
			}
			scopes = s
		}
		res, err := e.issue(g.Sub, clientID, scopes, false, g.RefreshToken, "")
		if err != nil {
			return 500, TokenResponse{}, "server_error", err.Error()
		}
		return 200, res, "", ""
	default:
		return 400, TokenResponse{}, "unsupported_grant_type", "Invalid grant_type: " + gt
	}
}

// pkceMatches checks a code verifier against the challenge of the
// authorization request. A challenge without a method is plain (RFC 7636
// §4.3; Google's OAuth guide for installed apps says the same).
func pkceMatches(method, challenge, verifier string) bool {
	switch method {
	case "", "plain":
		return subtle.ConstantTimeCompare([]byte(challenge), []byte(verifier)) == 1
	case "S256":
		sum := sha256.Sum256([]byte(verifier))
		return subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
	}
	return false // refused by checkAuthRequest already
}

func (e *Emulator) handleRevoke(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	_ = r.ParseForm()
	e.mu.Lock()
	ok := e.revoke(r.Form.Get("token"))
	e.mu.Unlock()
	if !ok {
		e.record("oauth2.revoke", 400, "", start)
		oauthError(w, 400, "invalid_token", "Token expired or revoked")
		return
	}
	_ = e.save()
	e.record("oauth2.revoke", 200, "", start)
	writeJSON(w, 200, map[string]any{})
}

func (e *Emulator) handleCerts(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	keys, err := e.jwks()
	e.mu.Unlock()
	if err != nil {
		writeAPIError(w, err)
		return
	}
	writeJSON(w, 200, keys)
}

func (e *Emulator) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	t, err := e.authenticate(r, e.now())
	if err != nil {
		writeAPIError(w, err)
		return
	}
	a := e.st.Accounts[t.Sub]
	writeJSON(w, 200, map[string]any{"sub": a.Sub, "email": a.Email, "email_verified": true, "name": a.Name})
}

func (e *Emulator) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	base := baseURL(r)
	writeJSON(w, 200, map[string]any{
		"issuer": e.issuer, "authorization_endpoint": base + "/o/oauth2/v2/auth",
		"token_endpoint": base + "/token", "revocation_endpoint": base + "/revoke",
		"userinfo_endpoint": base + "/oauth2/v3/userinfo", "jwks_uri": base + "/oauth2/v3/certs",
		"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"plain", "S256"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token"},
	})
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
