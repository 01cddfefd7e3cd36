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

// Emulator is the Google emulator. It is an http.Handler; use Start or
// NewTestServer to serve it on a loopback port.
type Emulator struct {
	mux *http.ServeMux
	// Set by New, never changed: read without the lock.
	dataFile string
	nowFn    func() time.Time
	issuer   string

	opts     Options // behaviour switches and clients; guarded by mu
	mu       sync.Mutex
	st       *state
	clockOff time.Duration
	faults   []*Fault
	latency  map[string]time.Duration
	quotaUse map[quotaKey]int
	log      requestLog
	key      *rsa.PrivateKey

	saveMu sync.Mutex
	closed bool
}

// New builds an emulator, loading Options.DataFile when it exists.
func New(opts Options) (*Emulator, error) {
	opts = withDefaults(opts)
	e := &Emulator{
		opts:     opts,
		dataFile: opts.DataFile,
		nowFn:    opts.Now,
		issuer:   opts.Issuer,
		st:       newState(),
		latency:  map[string]time.Duration{},
		quotaUse: map[quotaKey]int{},
	}
	if e.dataFile != "" {
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
	if e.nowFn != nil {
		base = e.nowFn()
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
