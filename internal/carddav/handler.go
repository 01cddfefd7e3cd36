package carddav

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path"
	"strconv"
	"strings"

	gocarddav "github.com/emersion/go-webdav/carddav"

	"simplecrm/internal/crm"
)

// URL layout, the one go-webdav's carddav handler expects (one path segment
// per level after the prefix):
//
//	/dav/                              context root (also /, for clients given the base URL)
//	/dav/{user id}/                    principal
//	/dav/{user id}/contacts/           address book home set
//	/dav/{user id}/contacts/default/   the user's one address book
//	/dav/{user id}/contacts/default/{name}  a card: the name the client chose, or crm-{id}.vcf
const (
	Prefix   = "/dav/"
	homeName = "contacts"
	bookName = "default"

	// MaxResourceSize bounds a card (advertised as max-resource-size). Photos
	// above a megabyte break iOS anyway (docs/carddav.md).
	MaxResourceSize = 1 << 20
	// MaxBodyBytes bounds a request body: a card, or a REPORT naming many hrefs.
	MaxBodyBytes = 4 << 20
	realm        = `Basic realm="Simple CRM", charset="UTF-8"`
)

// Handler serves CardDAV. Mount it at Prefix and at /.well-known/carddav;
// PROPFIND and OPTIONS on / may also be routed to it.
type Handler struct {
	store Store
	log   *slog.Logger
}

// New returns the CardDAV handler.
func New(store Store, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.Default()
	}
	return &Handler{store: store, log: log}
}

// book is the address book a request acts on.
type book struct {
	user    *crm.User
	scope   string
	ownerID int64 // 0 when the scope is all
}

func (b *book) principal() string { return Prefix + strconv.FormatInt(b.user.ID, 10) + "/" }
func (b *book) home() string      { return b.principal() + homeName + "/" }
func (b *book) path() string      { return b.home() + bookName + "/" }

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/.well-known/carddav" {
		// To the context root, which needs no user: iOS gives up on a
		// redirect that lands on a 401 for another host (vutuv#1705).
		http.Redirect(w, r, Prefix, http.StatusMovedPermanently)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	u, err := h.authenticate(r)
	if err != nil {
		if crm.ErrorCode(err) != crm.EUNAUTHORIZED {
			h.fail(w, r, err)
			return
		}
		w.Header().Set("WWW-Authenticate", realm)
		http.Error(w, "Log in with your email and an app password.", http.StatusUnauthorized)
		return
	}
	scope, err := h.store.BookScope(r.Context(), u.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b := &book{user: u, scope: scope}
	if scope == ScopeOwned {
		b.ownerID = u.ID
	}
	segs := segments(r.URL.Path)
	if len(segs) > 0 && segs[0] != strconv.FormatInt(u.ID, 10) {
		http.NotFound(w, r) // another user's principal or book: not a leak of its existence
		return
	}
	switch {
	case len(segs) <= 1:
		h.discovery(w, r, b)
	case segs[1] != homeName || (len(segs) >= 3 && segs[2] != bookName) || len(segs) > 4:
		http.NotFound(w, r)
	case r.Method == http.MethodOptions:
		options(w)
	case len(segs) == 2:
		h.serveHome(w, r, b)
	case len(segs) == 3:
		h.serveBook(w, r, b)
	default:
		h.serveCard(w, r, b, segs[3])
	}
}

func (h *Handler) authenticate(r *http.Request) (*crm.User, error) {
	email, secret, ok := r.BasicAuth()
	if !ok {
		return nil, crm.Errorf(crm.EUNAUTHORIZED, "Please log in.")
	}
	return h.store.AppPasswordUser(r.Context(), email, secret)
}

// segments returns the path's segments after the prefix ("/" and "/dav/"
// both give none), cleaned, since go-webdav does not clean paths.
func segments(p string) []string {
	p = strings.Trim(path.Clean("/"+p), "/")
	p = strings.TrimPrefix(strings.TrimPrefix(p, strings.Trim(Prefix, "/")), "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// discovery serves the context root and the principal through go-webdav,
// which knows current-user-principal and addressbook-home-set.
func (h *Handler) discovery(w http.ResponseWriter, r *http.Request, b *book) {
	if r.Method != http.MethodOptions && r.Method != "PROPFIND" {
		w.Header().Set("Allow", "OPTIONS, PROPFIND")
		http.Error(w, "Use a CardDAV client.", http.StatusMethodNotAllowed)
		return
	}
	gh := gocarddav.Handler{Backend: &discoveryBackend{b: b}, Prefix: strings.TrimSuffix(Prefix, "/")}
	gh.ServeHTTP(w, r)
}

func options(w http.ResponseWriter) {
	w.Header().Set("DAV", "1, 3, addressbook")
	w.Header().Set("Allow", "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, REPORT")
	w.WriteHeader(http.StatusNoContent)
}

// httpError is an answer other than 500.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	switch {
	case errors.As(err, &he):
		http.Error(w, he.msg, he.status)
	case crm.ErrorCode(err) == crm.ENOTFOUND:
		http.NotFound(w, r)
	case crm.ErrorCode(err) == crm.ECONFLICT:
		http.Error(w, crm.ErrorMessage(err), http.StatusConflict)
	case errors.Is(err, context.Canceled):
	default:
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		h.log.Error("carddav", "method", r.Method, "path", r.URL.Path, "err", err)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
	}
}
