package ui

import (
	"context"
	"net/http"

	"simplecrm/internal/carddav"
	"simplecrm/internal/crm"
)

// CardDAV app passwords: what a phone or desktop address book logs in with,
// beside the user's email. Like API tokens, the secret is shown once, in the
// response to the creation. The page also sets which contacts the user's
// address book holds.

// DAVStore is what the app passwords page needs of the database.
type DAVStore interface {
	CreateAppPassword(ctx context.Context, userID int64, name string) (*carddav.AppPassword, string, error)
	ListAppPasswords(ctx context.Context, userID int64) ([]*carddav.AppPassword, error)
	RevokeAppPassword(ctx context.Context, userID, id int64) error
	BookScope(ctx context.Context, userID int64) (string, error)
	SetBookScope(ctx context.Context, userID int64, scope string) error
}

func (h *handler) davRoutes(mux router) {
	mux.Handle("GET /tokens/carddav", h.authed(h.davGate(h.listAppPasswords)))
	mux.Handle("POST /tokens/carddav", h.authed(h.davGate(h.createAppPassword)))
	mux.Handle("POST /tokens/carddav/{id}/revoke", h.authed(h.davGate(h.revokeAppPassword)))
	mux.Handle("POST /tokens/carddav/scope", h.authed(h.davGate(h.setBookScope)))
}

// davGate answers "not found" when the server has no CardDAV store.
func (h *handler) davGate(fn pageFunc) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, u *crm.User) error {
		if h.dav == nil {
			return crm.NotFound("page")
		}
		return fn(w, r, u)
	}
}

func (h *handler) listAppPasswords(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	return h.davPage(w, r, u, http.StatusOK, newForm(nil), "")
}

func (h *handler) davPage(w http.ResponseWriter, r *http.Request, u *crm.User, status int, f *form, secret string) error {
	pwds, err := h.dav.ListAppPasswords(r.Context(), u.ID)
	if err != nil {
		return err
	}
	scope, err := h.dav.BookScope(r.Context(), u.ID)
	if err != nil {
		return err
	}
	h.render(w, r, status, "carddav", view{"Passwords": pwds, "Form": f, "Secret": secret, "Scope": scope,
		"Email": u.Email, "Nav": "tokens"})
	return nil
}

func (h *handler) createAppPassword(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	vals, err := parseForm(r)
	if err != nil {
		return err
	}
	// The store checks the name, for the CLI alike.
	p, secret, err := h.dav.CreateAppPassword(r.Context(), u.ID, vals.Get("name"))
	if err != nil {
		f := newForm(vals)
		if err := f.setError(err, nil); err != nil {
			return err
		}
		return h.davPage(w, r, u, http.StatusUnprocessableEntity, f, "")
	}
	h.log.Info("ui: app password created", "user_id", u.ID, "app_password_id", p.ID)
	// Rendered, not redirected: the secret must not travel in a URL or cookie.
	return h.davPage(w, r, u, http.StatusOK, newForm(nil), secret)
}

func (h *handler) revokeAppPassword(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.dav.RevokeAppPassword(r.Context(), u.ID, id); err != nil {
		return err
	}
	h.redirect(w, r, "/tokens/carddav", &flash{Message: "App password revoked. Devices using it can no longer sync."})
	return nil
}

func (h *handler) setBookScope(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	vals, err := parseForm(r)
	if err != nil {
		return err
	}
	if err := h.dav.SetBookScope(r.Context(), u.ID, vals.Get("scope")); err != nil {
		return err
	}
	h.redirect(w, r, "/tokens/carddav", &flash{Message: "Saved. Devices show the change at their next sync."})
	return nil
}
