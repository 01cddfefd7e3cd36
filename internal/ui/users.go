package ui

import (
	"net/http"
	"strings"

	"simplecrm/internal/crm"
	"simplecrm/internal/password"
)

// The users page is for admins (see handler.admin): they add people to their
// organization and change roles. Everyone's data is the organization's, so
// there is nothing else to manage per user here.

func (h *handler) listUsers(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	return h.usersPage(w, r, u, http.StatusOK, newForm(nil))
}

func (h *handler) usersPage(w http.ResponseWriter, r *http.Request, u *crm.User, status int, f *form) error {
	users, err := h.svc.Users.ListUsers(r.Context(), u.OrgID)
	if err != nil {
		return err
	}
	if f.Get("role") == "" {
		f.Values.Set("role", string(crm.RoleMember))
	}
	h.render(w, r, status, "users", view{"Users": users, "Form": f,
		"Roles": []crm.Role{crm.RoleMember, crm.RoleAdmin}, "MinPassword": password.MinLength})
	return nil
}

func (h *handler) createUser(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	vals, err := parseForm(r)
	if err != nil {
		return err
	}
	var email, pw, unused string
	bind(vals, userFields(&email, &pw, &unused))
	email = strings.TrimSpace(email)
	role := crm.Role(vals.Get("role"))
	errs := crm.FieldErrors{}
	if !crm.ValidEmail(email) {
		errs.Add("email", "Enter an email address such as ann@example.com.")
	}
	if msg := password.Problem(pw); msg != "" {
		errs.Add("password", msg)
	}
	if role != crm.RoleAdmin && role != crm.RoleMember {
		errs.Add("role", "Choose a role.")
	}
	err = errs.Err()
	if err == nil {
		err = h.addUser(r, &crm.User{OrgID: u.OrgID, Email: email, Role: role}, pw)
	}
	if err == nil {
		h.redirect(w, r, "/users", &flash{Message: "User " + email + " added."})
		return nil
	}
	vals.Del("password") // never echo a password back into the page
	f := newForm(vals)
	if err := f.setError(err, nil); err != nil {
		return err
	}
	if crm.ErrorCode(err) == crm.ECONFLICT {
		f.Errors["email"] = "This email already has an account."
	}
	return h.usersPage(w, r, u, http.StatusUnprocessableEntity, f)
}

func (h *handler) addUser(r *http.Request, nu *crm.User, pw string) error {
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	nu.PasswordHash = hash
	return h.svc.Users.CreateUser(r.Context(), nu)
}

func (h *handler) changeRole(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	target, err := h.svc.Users.FindUser(r.Context(), u.OrgID, id)
	if err != nil {
		return err
	}
	vals, err := parseForm(r)
	if err != nil {
		return err
	}
	role := crm.Role(vals.Get("role"))
	switch {
	case role != crm.RoleAdmin && role != crm.RoleMember:
		return crm.Errorf(crm.EINVALID, "Choose a role.")
	case target.ID == u.ID && role != crm.RoleAdmin:
		// Demoting oneself could leave the organization without an admin.
		h.redirect(w, r, "/users", &flash{Error: true, Message: "You cannot remove your own admin role. Ask another admin to do it."})
		return nil
	}
	target.Role = role
	if err := h.svc.Users.UpdateUser(r.Context(), target); err != nil {
		return err
	}
	h.redirect(w, r, "/users", &flash{Message: target.Email + " is now " + string(role) + "."})
	return nil
}
