// Package ui is Simple CRM's server-rendered web UI: html/template pages and one
// CSS file, embedded in the binary, usable on a phone screen. It talks to the
// domain only through crm.Services, so the same pages work on either storage
// engine. State changes are POST-only and guarded against cross-site requests by
// the standard library's CrossOriginProtection.
package ui

import (
	"context"
	"embed"
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"

	"simplecrm/internal/crm"
	"simplecrm/internal/syncmobile"
)

// Config is what the UI needs from the server that mounts it.
type Config struct {
	Services crm.Services
	Logger   *slog.Logger
	// SecureCookies marks cookies Secure; set it when the base URL is https.
	SecureCookies bool
	// Sync is Sync Mobile; nil answers its pages with "not available".
	Sync *syncmobile.Service
	// GoogleAuthURL is the OAuth authorization endpoint
	// (SIMPLECRM_GOOGLE_AUTH_URL). Browsers apply the CSP form-action to the
	// redirect that follows the "Sync Mobile" form, so its origin must be
	// allowed there or the redirect to Google's account chooser is blocked.
	GoogleAuthURL string
	// DAV keeps CardDAV app passwords and address book scopes; nil hides
	// the app passwords page.
	DAV DAVStore
}

// maxBodyBytes bounds every request body: the largest form (a contact with a
// long note and many employments) stays far below it.
const maxBodyBytes = 1 << 20

//go:embed templates static
var assets embed.FS

// New returns the UI handler. Mount it at "/": it serves /login, /contacts,
// /companies, /trash, /users, /tokens, /google/ (Sync Mobile) and /static/,
// and a 404 page for anything else.
func New(cfg Config) http.Handler {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &handler{
		svc:     cfg.Services,
		log:     log,
		secure:  cfg.SecureCookies,
		pages:   mustParseTemplates(),
		limiter: newLoginLimiter(),
		sync:    cfg.Sync,
		dav:     cfg.DAV,
	}
	mux := http.NewServeMux()
	h.routes(mux)

	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, crm.Errorf(crm.EFORBIDDEN, "This request came from another site and was refused. Go back, reload the page and try again."))
	}))
	return securityHeaders(limitBody(csrf.Handler(mux)), originOf(cfg.GoogleAuthURL))
}

// handler carries the dependencies of every page.
type handler struct {
	svc     crm.Services
	log     *slog.Logger
	secure  bool
	pages   map[string]pageTemplate
	limiter *loginLimiter
	sync    *syncmobile.Service
	dav     DAVStore
}

// Routes returns the patterns New registers, such as "POST /contacts/{id}", so
// that tests can check every route, including ones added later.
func Routes() []string {
	var rec patternRecorder
	(&handler{}).routes(&rec)
	return rec
}

// router is what routes registers on: the ServeMux, or Routes' recorder.
type router interface {
	Handle(pattern string, h http.Handler)
	HandleFunc(pattern string, fn func(http.ResponseWriter, *http.Request))
}

type patternRecorder []string

func (p *patternRecorder) Handle(pattern string, _ http.Handler) { *p = append(*p, pattern) }
func (p *patternRecorder) HandleFunc(pattern string, _ func(http.ResponseWriter, *http.Request)) {
	*p = append(*p, pattern)
}

func (h *handler) routes(mux router) {
	static, _ := fs.Sub(assets, "static")
	mux.Handle("GET /static/", cacheStatic(http.StripPrefix("/static/", http.FileServerFS(static))))

	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/contacts", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /login", h.loginPage)
	mux.HandleFunc("POST /login", h.login)
	mux.HandleFunc("POST /logout", h.logout)

	mux.Handle("GET /contacts", h.authed(h.listContacts))
	mux.Handle("GET /contacts/new", h.authed(h.newContact))
	mux.Handle("POST /contacts", h.authed(h.createContact))
	mux.Handle("GET /contacts/{id}", h.authed(h.showContact))
	mux.Handle("GET /contacts/{id}/edit", h.authed(h.editContact))
	mux.Handle("POST /contacts/{id}", h.authed(h.updateContact))
	mux.Handle("POST /contacts/{id}/trash", h.authed(h.trashContact))
	mux.Handle("POST /contacts/{id}/restore", h.authed(h.restoreContact))
	mux.Handle("POST /contacts/{id}/employments/{eid}/primary", h.authed(h.makePrimary))
	mux.Handle("POST /contacts/{id}/employments/{eid}/delete", h.authed(h.removeEmployment))
	mux.Handle("GET /trash", h.authed(h.listTrash))

	mux.Handle("GET /companies", h.authed(h.listCompanies))
	mux.Handle("GET /companies/new", h.authed(h.newCompany))
	mux.Handle("POST /companies", h.authed(h.createCompany))
	mux.Handle("GET /companies/{id}", h.authed(h.showCompany))
	mux.Handle("GET /companies/{id}/edit", h.authed(h.editCompany))
	mux.Handle("POST /companies/{id}", h.authed(h.updateCompany))
	mux.Handle("POST /companies/{id}/delete", h.authed(h.deleteCompany))

	mux.Handle("GET /users", h.admin(h.listUsers))
	mux.Handle("POST /users", h.admin(h.createUser))
	mux.Handle("POST /users/{id}/role", h.admin(h.changeRole))

	mux.Handle("GET /tokens", h.authed(h.listTokens))
	mux.Handle("POST /tokens", h.authed(h.createToken))
	mux.Handle("POST /tokens/{id}/revoke", h.authed(h.revokeToken))
	h.davRoutes(mux)
	h.importRoutes(mux)

	h.googleRoutes(mux)

	// Anything else is a friendly 404, with the navigation when logged in.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r.WithContext(h.withOptionalUser(r)), crm.NotFound("page"))
	})
}

// pageFunc is a page handler for a logged-in user. Returning an error renders
// the error page that fits its crm code, so handlers read top-down without
// repeating the error plumbing.
type pageFunc func(w http.ResponseWriter, r *http.Request, u *crm.User) error

type userKey struct{}

// authed runs fn for a logged-in user, or sends the browser to the login page
// with a way back.
func (h *handler) authed(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := h.sessionUser(r)
		if crm.ErrorCode(err) == crm.EUNAUTHORIZED {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			} else {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
			}
			return
		}
		if err != nil {
			h.fail(w, r, err)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), userKey{}, u))
		if err := fn(w, r, u); err != nil {
			h.fail(w, r, err)
		}
	})
}

// admin is authed for admins only; members get the 403 page.
func (h *handler) admin(fn pageFunc) http.Handler {
	return h.authed(func(w http.ResponseWriter, r *http.Request, u *crm.User) error {
		if !u.IsAdmin() {
			return crm.Errorf(crm.EFORBIDDEN, "Only administrators can manage users.")
		}
		return fn(w, r, u)
	})
}

// withOptionalUser attaches the session's user, if any, so that pages outside
// authed (404, login) still show the navigation of a logged-in user.
func (h *handler) withOptionalUser(r *http.Request) context.Context {
	if u, err := h.sessionUser(r); err == nil {
		return context.WithValue(r.Context(), userKey{}, u)
	}
	return r.Context()
}

func currentUser(r *http.Request) *crm.User {
	u, _ := r.Context().Value(userKey{}).(*crm.User)
	return u
}

// pathID parses a numeric path value; anything else is a missing page.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, crm.NotFound("page")
	}
	return id, nil
}

func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

// securityHeaders forbids framing (clickjacking), inline scripts and content
// sniffing; every page only loads its own CSS and JS. Forms may only post to
// this site and, through its redirect, to Google's authorization page.
func securityHeaders(next http.Handler, authOrigin string) http.Handler {
	csp := "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
	if authOrigin != "" {
		csp += " " + authOrigin
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

func cacheStatic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}
