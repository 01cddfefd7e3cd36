package ui

import (
	"net/http"

	"simplecrm/internal/crm"
)

// API tokens belong to the user who creates them and act as that user in the
// REST API. The secret is shown once, in the response to the creation: it is
// stored only hashed, so it cannot be shown again.

func (h *handler) listTokens(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	return h.tokensPage(w, r, u, http.StatusOK, newForm(nil), "")
}

func (h *handler) tokensPage(w http.ResponseWriter, r *http.Request, u *crm.User, status int, f *form, secret string) error {
	tokens, err := h.svc.Auth.ListAPITokens(r.Context(), u.ID)
	if err != nil {
		return err
	}
	h.render(w, r, status, "tokens", view{"Tokens": tokens, "Form": f, "Secret": secret})
	return nil
}

func (h *handler) createToken(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	vals, err := parseForm(r)
	if err != nil {
		return err
	}
	var unused, name string
	bind(vals, userFields(&unused, &unused, &name))
	// The store checks the name, for the CLI alike.
	tok, secret, err := h.svc.Auth.CreateAPIToken(r.Context(), u.ID, name)
	f := newForm(vals)
	if err != nil {
		if err := f.setError(err, nil); err != nil {
			return err
		}
		return h.tokensPage(w, r, u, http.StatusUnprocessableEntity, f, "")
	}
	h.log.Info("ui: api token created", "user_id", u.ID, "token_id", tok.ID)
	// Rendered, not redirected: the secret must not travel in a URL or cookie.
	return h.tokensPage(w, r, u, http.StatusOK, newForm(nil), secret)
}

func (h *handler) revokeToken(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.svc.Auth.RevokeAPIToken(r.Context(), u.ID, id); err != nil {
		return err
	}
	h.redirect(w, r, "/tokens", &flash{Message: "Token revoked. Programs using it can no longer sign in."})
	return nil
}
