package googleemu

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/option"
	people "google.golang.org/api/people/v1"
)

// Server is an Emulator listening on a TCP address.
type Server struct {
	*Emulator
	// URL is the base URL, e.g. http://127.0.0.1:8090 (no trailing slash).
	URL string
	srv *http.Server
	ln  net.Listener
}

// Start listens on addr ("127.0.0.1:0" for a free port) and serves the
// emulator in the background until Close or Shutdown.
func Start(addr string, opts Options) (*Server, error) {
	e, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("googleemu: listen %s: %w", addr, err)
	}
	s := &Server{Emulator: e, URL: "http://" + ln.Addr().String(), ln: ln,
		srv: &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}}
	go func() { _ = s.srv.Serve(ln) }() // returns ErrServerClosed on shutdown
	return s, nil
}

// NewTestServer starts an emulator on a free loopback port and closes it
// when the test ends.
func NewTestServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := Start("127.0.0.1:0", opts)
	if err != nil {
		t.Fatalf("googleemu: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("googleemu: close: %v", err)
		}
	})
	return s
}

// Shutdown stops serving gracefully, then saves the data file.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return errors.Join(err, s.Emulator.Close())
}

// Close stops serving at once and saves the data file.
func (s *Server) Close() error {
	err := s.srv.Close()
	return errors.Join(err, s.Emulator.Close())
}

// Endpoint is the OAuth endpoint of the emulator for golang.org/x/oauth2.
func (s *Server) Endpoint() oauth2.Endpoint {
	return oauth2.Endpoint{AuthURL: s.URL + "/o/oauth2/v2/auth", TokenURL: s.URL + "/token",
		AuthStyle: oauth2.AuthStyleInParams}
}

// APIURL is the People API root to give option.WithEndpoint (with its
// trailing slash).
func (s *Server) APIURL() string { return s.URL + "/" }

// PeopleService returns an official People API client acting as the account
// of email with a fresh token (DefaultScope).
func (s *Server) PeopleService(ctx context.Context, email string) (*people.Service, error) {
	tok, err := s.IssueToken(email, "")
	if err != nil {
		return nil, err
	}
	hc := oauth2.NewClient(ctx, oauth2.StaticTokenSource(tok.OAuth2Token()))
	return people.NewService(ctx, option.WithEndpoint(s.APIURL()), option.WithHTTPClient(hc))
}
