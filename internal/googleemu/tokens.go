package googleemu

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

const (
	// ScopeContacts is the read/write contacts scope.
	ScopeContacts = "https://www.googleapis.com/auth/contacts"
	// ScopeContactsReadonly is the read-only contacts scope.
	ScopeContactsReadonly = "https://www.googleapis.com/auth/contacts.readonly"
	// DefaultScope is what the CRM asks for.
	DefaultScope = "openid email " + ScopeContacts
)

// grant is what a user consented to for a client; its refresh token (when
// offline access was asked) mints access tokens until revoked.
type grant struct {
	RefreshToken string    `json:"refresh_token"`
	Sub          string    `json:"sub"`
	ClientID     string    `json:"client_id"`
	Scopes       []string  `json:"scopes"`
	Created      time.Time `json:"created"`
	Seq          uint64    `json:"seq"` // issue order
}

type accessToken struct {
	Sub     string    `json:"sub"`
	Scopes  []string  `json:"scopes"`
	Expiry  time.Time `json:"expiry"`
	Grant   string    `json:"grant,omitempty"` // refresh token it came from
	Client  string    `json:"client_id"`
	revoked bool
}

type authCode struct {
	Sub, ClientID, RedirectURI string
	Scopes                     []string
	Challenge, Method          string
	Offline, Consented         bool
	Nonce                      string
	Expiry                     time.Time
}

func (t *accessToken) allows(write bool) bool {
	for _, s := range t.Scopes {
		if s == ScopeContacts || (!write && s == ScopeContactsReadonly) {
			return true
		}
	}
	return false
}

// TokenResponse is the token endpoint's JSON answer.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	ExpiresIn    int    `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope"`
	TokenType    string `json:"token_type"`
	IDToken      string `json:"id_token,omitempty"`
}

// OAuth2Token converts the answer for golang.org/x/oauth2 (id_token in Extra).
func (t TokenResponse) OAuth2Token() *oauth2.Token {
	tok := &oauth2.Token{AccessToken: t.AccessToken, TokenType: t.TokenType, RefreshToken: t.RefreshToken,
		Expiry: time.Now().Add(time.Duration(t.ExpiresIn) * time.Second)}
	return tok.WithExtra(map[string]any{"id_token": t.IDToken, "scope": t.Scope})
}

// authenticate finds the access token of a request. Called with e.mu held.
func (e *Emulator) authenticate(r *http.Request, now time.Time) (*accessToken, error) {
	raw := ""
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, v, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return nil, errUnauthenticated("ACCESS_TOKEN_TYPE_UNSUPPORTED")
		}
		raw = strings.TrimSpace(v)
	} else {
		raw = r.URL.Query().Get("access_token")
	}
	if raw == "" {
		e := errUnauthenticated("CREDENTIALS_MISSING")
		e.Message = "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. " +
			"See https://developers.google.com/identity/sign-in/web/devconsole-project."
		return nil, e
	}
	t := e.st.Tokens[raw]
	if t == nil {
		return nil, errUnauthenticated("ACCESS_TOKEN_TYPE_UNSUPPORTED")
	}
	if !now.Before(t.Expiry) {
		return nil, errUnauthenticated("ACCESS_TOKEN_EXPIRED")
	}
	return t, nil
}

// issue mints an access token (and a grant with a refresh token when
// offline) for sub. Called with e.mu held.
func (e *Emulator) issue(sub, clientID string, scopes []string, offline bool, existingGrant, nonce string) (TokenResponse, error) {
	now := e.now()
	a := e.st.Accounts[sub]
	if a == nil {
		return TokenResponse{}, fmt.Errorf("googleemu: unknown account %s", sub)
	}
	access := randomToken("ya29.emu-", 24)
	e.st.Tokens[access] = &accessToken{Sub: sub, Scopes: scopes, Expiry: now.Add(e.opts.AccessTokenTTL),
		Grant: existingGrant, Client: clientID}
	res := TokenResponse{AccessToken: access, ExpiresIn: int(e.opts.AccessTokenTTL / time.Second),
		Scope: grantedScopeString(scopes), TokenType: "Bearer"}
	if offline && existingGrant == "" {
		rt := randomToken("1//emu-", 32)
		e.st.Grants[rt] = &grant{RefreshToken: rt, Sub: sub, ClientID: clientID, Scopes: scopes, Created: now, Seq: e.st.nextSeq()}
		e.enforceGrantLimit(sub, clientID)
		e.st.Tokens[access].Grant = rt
		res.RefreshToken = rt
	}
	if slices.Contains(scopes, "openid") {
		idt, err := e.idToken(a, clientID, scopes, nonce, now)
		if err != nil {
			return TokenResponse{}, err
		}
		res.IDToken = idt
	}
	return res, nil
}

// enforceGrantLimit revokes the oldest refresh tokens of sub for clientID
// beyond Options.MaxRefreshTokens.
func (e *Emulator) enforceGrantLimit(sub, clientID string) {
	if e.opts.MaxRefreshTokens < 0 {
		return
	}
	var gs []*grant
	for _, g := range e.st.Grants {
		if g.Sub == sub && g.ClientID == clientID {
			gs = append(gs, g)
		}
	}
	if len(gs) <= e.opts.MaxRefreshTokens {
		return
	}
	sort.Slice(gs, func(i, j int) bool { return gs[i].Seq < gs[j].Seq })
	for _, g := range gs[:len(gs)-e.opts.MaxRefreshTokens] {
		e.revoke(g.RefreshToken)
	}
}

// revoke drops a grant and every access token minted from it, or a lone
// access token. It reports whether the token was known.
func (e *Emulator) revoke(token string) bool {
	rt := token
	if t := e.st.Tokens[token]; t != nil {
		delete(e.st.Tokens, token)
		if t.Grant == "" {
			return true
		}
		rt = t.Grant
	}
	if e.st.Grants[rt] == nil {
		return rt != token
	}
	delete(e.st.Grants, rt)
	for k, t := range e.st.Tokens {
		if t.Grant == rt {
			delete(e.st.Tokens, k)
		}
	}
	return true
}

// grantedScopeString is the "scope" of a token answer: Google writes the
// identity aliases as their URLs.
func grantedScopeString(scopes []string) string {
	out := make([]string, len(scopes))
	for i, s := range scopes {
		switch s {
		case "email":
			s = "https://www.googleapis.com/auth/userinfo.email"
		case "profile":
			s = "https://www.googleapis.com/auth/userinfo.profile"
		}
		out[i] = s
	}
	return strings.Join(out, " ")
}

// normalizeScopes maps Google's identity scope URLs to their short aliases
// and drops duplicates.
func normalizeScopes(raw string) []string {
	var out []string
	for _, s := range strings.Fields(raw) {
		switch s {
		case "email", "https://www.googleapis.com/auth/userinfo.email":
			s = "email"
		case "profile", "https://www.googleapis.com/auth/userinfo.profile":
			s = "profile"
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// signingKey returns the RSA key of id_tokens, made on first use and kept in
// the data file. Called with e.mu held.
func (e *Emulator) signingKey() (*rsa.PrivateKey, error) {
	if e.key != nil {
		if len(e.st.KeyDER) == 0 { // after Reset
			e.st.KeyDER = x509.MarshalPKCS1PrivateKey(e.key)
		}
		return e.key, nil
	}
	if len(e.st.KeyDER) > 0 {
		k, err := x509.ParsePKCS1PrivateKey(e.st.KeyDER)
		if err == nil {
			e.key = k
			return k, nil
		}
	}
	k, err := processKey()
	if err != nil {
		return nil, fmt.Errorf("googleemu: signing key: %w", err)
	}
	e.key = k
	e.st.KeyDER = x509.MarshalPKCS1PrivateKey(k)
	return k, nil
}

func (e *Emulator) keyID() string {
	h := sha256.Sum256(e.st.KeyDER)
	return fmt.Sprintf("%x", h[:10])
}

// idToken is an RS256 JWT like Google's.
func (e *Emulator) idToken(a *account, clientID string, scopes []string, nonce string, now time.Time) (string, error) {
	k, err := e.signingKey()
	if err != nil {
		return "", err
	}
	claims := map[string]any{
		"iss": e.issuer, "azp": clientID, "aud": clientID, "sub": a.Sub,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	if slices.Contains(scopes, "email") {
		claims["email"] = a.Email
		claims["email_verified"] = true
	}
	if slices.Contains(scopes, "profile") {
		claims["name"] = a.Name
	}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	seg := func(v any) string {
		b, _ := json.Marshal(v) // maps of strings and numbers always encode
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := seg(map[string]string{"alg": "RS256", "kid": e.keyID(), "typ": "JWT"}) + "." + seg(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("googleemu: sign id_token: %w", err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

// processKey is one RSA key shared by the emulators of a process: making a
// 2048-bit key takes up to seconds under -race, and tests start many.
var processKey = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, 2048)
})

// jwks is the public key set (served at /oauth2/v3/certs).
func (e *Emulator) jwks() (map[string]any, error) {
	k, err := e.signingKey()
	if err != nil {
		return nil, err
	}
	return map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": e.keyID(),
		"n": base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
	}}}, nil
}
