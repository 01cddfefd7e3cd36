// Package google adapts Google's OAuth 2.0 and People API for Sync Mobile:
// the authorization flow (account chooser, consent, PKCE), the account's
// identity from the id_token, revocation, a People API client pointed at a
// configurable endpoint (Google or our emulator), and the classification of
// Google's errors into what the sync engine must do about them.
package google

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
	"google.golang.org/api/option"
	"google.golang.org/api/people/v1"
)

// Scopes asked for: identity (sub, email in the id_token) and read/write contacts.
var Scopes = []string{"openid", "email", people.ContactsScope}

// Config holds the OAuth client and Google's endpoints (DESIGN.md §4).
type Config struct {
	ClientID     string
	ClientSecret string
	AuthURL      string
	TokenURL     string
	RevokeURL    string
	APIURL       string // People API root, e.g. https://people.googleapis.com/
	RedirectURL  string // BASE/google/callback
	// HTTPClient, if set, carries every call (tests, proxies).
	HTTPClient *http.Client
}

func (c *Config) oauth() *oauth2.Config {
	return &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: c.AuthURL, TokenURL: c.TokenURL, AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL:  c.RedirectURL,
		Scopes:       Scopes,
	}
}

func (c *Config) ctx(ctx context.Context) context.Context {
	if c.HTTPClient != nil {
		return context.WithValue(ctx, oauth2.HTTPClient, c.HTTPClient)
	}
	return ctx
}

// AuthCodeURL returns where to send the user: Google's account chooser, then
// the consent page (asked every time when firstConnect, so that Google issues
// a refresh token), back to RedirectURL with state. verifier is the PKCE
// verifier kept with the state (oauth2.GenerateVerifier).
func (c *Config) AuthCodeURL(state, verifier string, firstConnect bool) string {
	prompt := "select_account"
	if firstConnect {
		prompt = "select_account consent"
	}
	return c.oauth().AuthCodeURL(state, oauth2.AccessTypeOffline, oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("prompt", prompt), oauth2.SetAuthURLParam("include_granted_scopes", "true"))
}

// Identity is the Google account a token belongs to.
type Identity struct {
	Sub   string
	Email string
}

// Grant is the outcome of a finished authorization.
type Grant struct {
	Token    *oauth2.Token
	Identity Identity
	Scopes   []string
}

// Exchange trades the authorization code for tokens and reads the account's
// identity from the id_token. The id_token comes straight from the token
// endpoint over TLS, which OpenID Connect Core §3.1.3.7 accepts in place of a
// signature check.
func (c *Config) Exchange(ctx context.Context, code, verifier string) (*Grant, error) {
	tok, err := c.oauth().Exchange(c.ctx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("exchange authorization code: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	id, err := parseIDToken(raw)
	if err != nil {
		return nil, err
	}
	g := &Grant{Token: tok, Identity: id}
	if s, ok := tok.Extra("scope").(string); ok {
		g.Scopes = strings.Fields(s)
	}
	return g, nil
}

// HasContactsScope reports whether the grant allows writing contacts. A user
// can untick it on the consent page; then consent must be asked again.
func (g *Grant) HasContactsScope() bool {
	if len(g.Scopes) == 0 {
		return true // the token endpoint omits scope when all were granted
	}
	for _, s := range g.Scopes {
		if s == people.ContactsScope {
			return true
		}
	}
	return false
}

func parseIDToken(raw string) (Identity, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return Identity{}, errors.New("token endpoint returned no id_token: was the openid scope granted?")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Identity{}, fmt.Errorf("decode id_token: %w", err)
	}
	var claims struct {
		Sub   string `json:"sub"`
		Email string `json:"email"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return Identity{}, fmt.Errorf("decode id_token claims: %w", err)
	}
	if claims.Sub == "" {
		return Identity{}, errors.New("id_token has no sub")
	}
	return Identity{Sub: claims.Sub, Email: claims.Email}, nil
}

// Revoke revokes a refresh (or access) token at Google. A token Google no
// longer knows counts as revoked.
func (c *Config) Revoke(ctx context.Context, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.RevokeURL,
		strings.NewReader(url.Values{"token": {token}}.Encode()))
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode == http.StatusOK || (resp.StatusCode == http.StatusBadRequest && strings.Contains(string(body), "invalid_token")) {
		return nil
	}
	return fmt.Errorf("revoke token: HTTP %d", resp.StatusCode)
}

// People returns a People API client acting with the refresh token. The
// oauth2 token source refreshes the access token as needed; a revoked refresh
// token surfaces as an error that Classify reports as KindReconnect.
func (c *Config) People(ctx context.Context, refreshToken string) (*people.Service, error) {
	ts := c.oauth().TokenSource(c.ctx(ctx), &oauth2.Token{RefreshToken: refreshToken})
	hc := oauth2.NewClient(c.ctx(ctx), ts)
	svc, err := people.NewService(ctx, option.WithEndpoint(c.APIURL), option.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("people client: %w", err)
	}
	return svc, nil
}
