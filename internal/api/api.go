// Package api serves Simple CRM's REST API under /api/v1: JSON over HTTP,
// authenticated by bearer tokens, scoped to the token user's organization.
// The routes and JSON names are a contract (DESIGN.md §4, docs/api.md); the
// domain rules live in package crm and the stores behind crm.Services.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"simplecrm/internal/crm"
	"simplecrm/internal/syncmobile"
)

// Prefix is the path every route of this package lives under.
const Prefix = "/api/v1"

// handler serves the REST API; New builds it.
type handler struct {
	svc  crm.Services
	sync *syncmobile.Service // nil: the Sync Mobile routes answer 404
	log  *slog.Logger
	mux  *http.ServeMux
	// patterns lists the registered routes, for Routes.
	patterns []string
}

// New returns the REST API handler. It serves full paths (/api/v1/...), so
// mount it on "/api/v1/" without stripping the prefix. sync serves the Google
// account and sync run routes; without it they answer 404.
func New(svc crm.Services, sync *syncmobile.Service, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &handler{svc: svc, sync: sync, log: log, mux: http.NewServeMux()}
	// Each resource registers its own routes from its own file, so that later
	// resources (Google accounts, sync runs) are one new file and one line here.
	h.companyRoutes()
	h.contactRoutes()
	h.googleRoutes()
	return h
}

// Routes returns the patterns New registers, such as "GET /api/v1/contacts/{id}",
// so that tests can check every route, including ones added later.
func Routes() []string {
	return slices.Clone(New(crm.Services{}, nil, nil).(*handler).patterns)
}

// ServeHTTP authenticates the request, then dispatches it. Authentication comes
// first so that an anonymous caller learns nothing, not even which routes exist.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u, err := h.authenticate(r)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), userKey{}, u))
	if _, pattern := h.mux.Handler(r); pattern == "" {
		h.noRoute(w, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// apiFunc is the shape of every endpoint: it writes a success response itself
// and returns any error, which handle turns into the JSON error response.
type apiFunc func(w http.ResponseWriter, r *http.Request, u *crm.User) error

// handle registers fn for a Go 1.22 pattern such as "GET /api/v1/contacts/{id}".
func (h *handler) handle(pattern string, fn apiFunc) {
	h.patterns = append(h.patterns, pattern)
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r, userFrom(r.Context())); err != nil {
			h.writeError(w, r, err)
		}
	})
}

type userKey struct{}

// userFrom returns the authenticated user; ServeHTTP guarantees there is one.
func userFrom(ctx context.Context) *crm.User {
	u, _ := ctx.Value(userKey{}).(*crm.User)
	return u
}

// authenticate resolves "Authorization: Bearer <token>" to its user.
func (h *handler) authenticate(r *http.Request) (*crm.User, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, crm.Errorf(crm.EUNAUTHORIZED, "Send an API token in the Authorization header: Bearer TOKEN.")
	}
	u, err := h.svc.Auth.TokenUser(r.Context(), token)
	if err != nil {
		if crm.ErrorCode(err) == crm.EUNAUTHORIZED {
			// One message for unknown, revoked and malformed tokens alike.
			return nil, crm.Errorf(crm.EUNAUTHORIZED, "The API token is invalid or revoked.")
		}
		return nil, err
	}
	return u, nil
}

// noRoute answers requests no pattern matches with the mux's own decision
// (404, or 405 with its Allow header) but in the API's JSON error shape.
func (h *handler) noRoute(w http.ResponseWriter, r *http.Request) {
	fallback, _ := h.mux.Handler(r)
	sw := &statusOnly{header: http.Header{}}
	fallback.ServeHTTP(sw, r)
	if sw.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", sw.header.Get("Allow"))
		h.writeError(w, r, crm.Errorf(codeMethodNotAllowed, "%s is not allowed on %s.", r.Method, r.URL.Path))
		return
	}
	h.writeError(w, r, crm.Errorf(crm.ENOTFOUND, "No such API route: %s %s.", r.Method, r.URL.Path))
}

// statusOnly records the status and headers a handler writes, dropping the body.
type statusOnly struct {
	header http.Header
	status int
}

func (s *statusOnly) Header() http.Header         { return s.header }
func (s *statusOnly) Write(b []byte) (int, error) { return len(b), nil }
func (s *statusOnly) WriteHeader(status int)      { s.status = status }
