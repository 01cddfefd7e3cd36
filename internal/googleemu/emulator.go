// Package googleemu is a local emulator of Google's OAuth 2.0 endpoints and
// the contact-sync subset of the People API v1, wire-compatible with
// google.golang.org/api/people/v1 and golang.org/x/oauth2. Tests, the demo and
// benchmarks run it in-process; `simplecrm google-emulator` runs it alone.
// Behaviours that the reference (shared/reference/people-api.md) marks
// UNCONFIRMED are switches in Options.
package googleemu

import (
	"crypto/rsa"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options configures an Emulator. The zero value is a usable in-memory
// emulator with Google's documented defaults.
type Options struct {
	// DataFile, when set, keeps state across restarts: loaded by New, written
	// atomically after every mutation and on Close.
	DataFile string
	// Clients restricts OAuth to these clients; when empty any client id and
	// secret and any http(s) redirect URI are accepted.
	Clients []Client
	// DefaultRegion is the region used to compute phone canonicalForm for
	// numbers without a country code (default "US").
	DefaultRegion string
	// AccessTokenTTL is the lifetime of access tokens (default 1h).
	AccessTokenTTL time.Duration
	// RefreshTokenTTL, when > 0, makes refresh tokens expire after this age
	// (Google does so after 7 days for apps in "Testing" status).
	RefreshTokenTTL time.Duration
	// MaxRefreshTokens is how many live refresh tokens an account keeps per
	// client; a new one silently invalidates the oldest (default 100; the
	// limit has been quoted as 25, 50 and 100: UNCONFIRMED). -1 is unlimited.
	MaxRefreshTokens int
	// Issuer is the id_token "iss" (default https://accounts.google.com).
	Issuer string
	// Now replaces the wall clock (SetNow/Advance still shift it).
	Now func() time.Time

	// SyncTokenMaxAge is the age after which sync tokens expire (default 7 days).
	SyncTokenMaxAge time.Duration
	// SyncTokenAgeFromFullSync measures the age from the full sync that
	// started the chain of tokens instead of from the token's own issue
	// (Google: "Sync tokens expire 7 days after the full sync"; UNCONFIRMED).
	SyncTokenAgeFromFullSync bool
	// SyncPropagationDelay hides changes younger than this from incremental
	// (syncToken) listings, like Google's propagation lag. Default 0.
	SyncPropagationDelay time.Duration
	// ExpiredSyncTokenStatus is the google.rpc status string of the expired
	// sync token error: FAILED_PRECONDITION (default) or INVALID_ARGUMENT (UNCONFIRMED).
	ExpiredSyncTokenStatus string
	// ExpiredSyncTokenHTTP410 answers an expired sync token with HTTP 410
	// (older guide text) instead of 400.
	ExpiredSyncTokenHTTP410 bool
	// RejectDescendingWithSyncToken rejects sortOrder=LAST_MODIFIED_DESCENDING
	// together with requestSyncToken (UNCONFIRMED).
	RejectDescendingWithSyncToken bool

	// StaleETagLegacyErrors adds the legacy errors[{reason:failedPrecondition}]
	// array to stale-etag errors (the shape go-client#1904 implies).
	StaleETagLegacyErrors bool
	// RejectListETags makes updates carrying an etag read through
	// connections.list fail as stale (UNCONFIRMED single report).
	RejectListETags bool
	// CreateAlwaysJoinsMyContacts puts every created contact in myContacts,
	// even when the request names only user groups (UNCONFIRMED). Contacts
	// created without memberships always join myContacts.
	CreateAlwaysJoinsMyContacts bool
	// BatchPartialSuccess applies the valid items of a batch that has invalid
	// ones (UNCONFIRMED); by default a batch is all-or-nothing.
	BatchPartialSuccess bool
	// DuplicateGroupStatus is the status string of the 409 on a duplicate group
	// name: ALREADY_EXISTS (default) or ABORTED (UNCONFIRMED).
	DuplicateGroupStatus string
	// GroupListSyncToken makes contactGroups.list return nextSyncToken on its
	// last page (UNCONFIRMED; default off: groups are "token-less").
	GroupListSyncToken bool
	// ScopeErrorInfo adds ErrorInfo ACCESS_TOKEN_SCOPE_INSUFFICIENT to 403
	// insufficient-scope errors (UNCONFIRMED for People).
	ScopeErrorInfo bool
	// MaxContacts is the per-account contact limit (default 25000; the real
	// value and error are UNCONFIRMED).
	MaxContacts int

	// Quota sets per-account per-minute request quotas (0 = unlimited).
	Quota Quota
	// RetryAfter, when > 0, adds a Retry-After header to 429 answers (the
	// reference does not say Google sends it).
	RetryAfter time.Duration
}

// Client is a registered OAuth client.
type Client struct {
	ID           string   `json:"client_id"`
	Secret       string   `json:"client_secret"`
	RedirectURIs []string `json:"redirect_uris"`
}

// Emulator is the Google emulator. It is an http.Handler; use Start or
// NewTestServer to serve it on a loopback port.
type Emulator struct {
	opts Options
	mux  *http.ServeMux

	mu       sync.Mutex
	st       *state
	clockOff time.Duration
	faults   []*Fault
	latency  map[string]time.Duration
	quotaUse map[quotaKey]int
	log      requestLog
	sessions map[string]string // web page session id -> account sub
	key      *rsa.PrivateKey

	saveMu sync.Mutex
	closed bool
}

// New builds an emulator, loading Options.DataFile when it exists.
func New(opts Options) (*Emulator, error) {
	if opts.DefaultRegion == "" {
		opts.DefaultRegion = "US"
	}
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = time.Hour
	}
	if opts.MaxRefreshTokens == 0 {
		opts.MaxRefreshTokens = 100
	}
	if opts.Issuer == "" {
		opts.Issuer = "https://accounts.google.com"
	}
	if opts.SyncTokenMaxAge <= 0 {
		opts.SyncTokenMaxAge = 7 * 24 * time.Hour
	}
	if opts.ExpiredSyncTokenStatus == "" {
		opts.ExpiredSyncTokenStatus = "FAILED_PRECONDITION"
	}
	if opts.DuplicateGroupStatus == "" {
		opts.DuplicateGroupStatus = "ALREADY_EXISTS"
	}
	if opts.MaxContacts <= 0 {
		opts.MaxContacts = 25000
	}
	e := &Emulator{
		opts:     opts,
		st:       newState(),
		latency:  map[string]time.Duration{},
		quotaUse: map[quotaKey]int{},
		sessions: map[string]string{},
	}
	if opts.DataFile != "" {
		if err := e.load(); err != nil {
			return nil, fmt.Errorf("googleemu: load %s: %w", opts.DataFile, err)
		}
	}
	e.mux = e.routes()
	return e, nil
}

// ServeHTTP serves OAuth, the People API, the web page and /_emulator/.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mux.ServeHTTP(w, r)
}

// Close writes the data file (when configured). The emulator keeps serving
// from memory afterwards, but no longer saves.
func (e *Emulator) Close() error {
	err := e.save()
	e.saveMu.Lock()
	e.closed = true
	e.saveMu.Unlock()
	return err
}

func (e *Emulator) routes() *http.ServeMux {
	m := http.NewServeMux()
	e.oauthRoutes(m)
	e.controlRoutes(m)
	e.pageRoutes(m)
	m.HandleFunc("/v1/", e.serveAPI)
	return m
}

// now is the emulator clock: the wall clock (or Options.Now) shifted by
// SetNow/Advance. Called with e.mu held.
func (e *Emulator) now() time.Time {
	base := time.Now()
	if e.opts.Now != nil {
		base = e.opts.Now()
	}
	return base.Add(e.clockOff).UTC()
}

// Now returns the emulator clock.
func (e *Emulator) Now() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now()
}

// SetNow moves the emulator clock to t (it keeps ticking from there).
func (e *Emulator) SetNow(t time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.clockOff = 0
	e.clockOff = t.Sub(e.now())
}

// Advance moves the emulator clock forward by d.
func (e *Emulator) Advance(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.clockOff += d
}

func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
