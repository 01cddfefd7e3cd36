// Package server assembles Simple CRM's HTTP surface — the web UI, the REST API
// and the operations endpoints — and runs it until its context ends, then
// shuts down gracefully. Background jobs run beside it (package jobs).
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"simplecrm/internal/api"
	"simplecrm/internal/carddav"
	"simplecrm/internal/crm"
	"simplecrm/internal/syncmobile"
	"simplecrm/internal/ui"
)

// MaxBodyBytes bounds every request body; uploads that need more raise it per route.
const MaxBodyBytes = 1 << 20

// Config is what the server needs from the outside.
type Config struct {
	Services      crm.Services
	DB            Pinger // checked by /readyz
	Logger        *slog.Logger
	SecureCookies bool // the base URL is https
	// Sync is Sync Mobile; nil leaves its pages and routes "not available".
	Sync *syncmobile.Service
	// GoogleAuthURL is Google's authorization endpoint, which the UI's
	// content security policy must let forms redirect to.
	GoogleAuthURL string
}

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server is the running product's HTTP side.
type Server struct {
	cfg     Config
	log     *slog.Logger
	handler http.Handler
}

// New builds the server's handler tree.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, log: cfg.Logger}
	m := newMetrics()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", s.ready)
	mux.Handle("GET /metrics", m.handler())
	mux.Handle("/api/", api.New(cfg.Services, cfg.Sync, cfg.Logger))
	// CardDAV, when the database stores address books (the product's does).
	var davStore ui.DAVStore
	if st, ok := cfg.DB.(carddav.Store); ok {
		davStore = st
		dav := carddav.New(st, cfg.Logger)
		mux.Handle(carddav.Prefix, dav)
		mux.Handle("/.well-known/carddav", dav)
		mux.Handle("PROPFIND /{$}", dav) // clients given only the base URL start here
	}
	mux.Handle("/", ui.New(ui.Config{Services: cfg.Services, Logger: cfg.Logger, SecureCookies: cfg.SecureCookies,
		Sync: cfg.Sync, GoogleAuthURL: cfg.GoogleAuthURL, DAV: davStore}))
	s.handler = s.observe(m, limitBody(mux))
	return s
}

// Handler returns the root handler, for tests and for embedding.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve serves on l until ctx is done, then stops accepting requests and waits
// up to 15 s for those in flight.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		s.log.Info("shutting down")
		shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		err = srv.Shutdown(shutCtx)
		cancel()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.cfg.DB.Ping(ctx); err != nil {
		s.log.Error("readiness check", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "database unreachable")
		return
	}
	fmt.Fprintln(w, "ok")
}

// limitBody bounds request bodies to MaxBodyBytes. A body announced as larger
// is refused before it is read, in the shape its client expects: the REST
// API's JSON error under /api/, plain text elsewhere.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, carddav.Prefix) {
			next.ServeHTTP(w, r) // bounded by carddav.MaxBodyBytes: cards and REPORTs need more
			return
		}
		if r.Body != nil && r.ContentLength > MaxBodyBytes {
			if strings.HasPrefix(r.URL.Path, "/api/") {
				api.WriteTooLarge(w)
				return
			}
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}
