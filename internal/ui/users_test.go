package ui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"simplecrm/internal/crm"
)

func TestUsersPageIsForAdmins(t *testing.T) {
	e := newEnv(t)
	m := e.login(e.member)
	m.get("/users").want(http.StatusForbidden, "Only administrators")
	m.post("/users", url.Values{"email": {"x@acme.example"}, "password": {"long enough"}, "role": {"admin"}}).want(http.StatusForbidden)
	m.post(fmt.Sprintf("/users/%d/role", e.member.ID), url.Values{"role": {"admin"}}).want(http.StatusForbidden)
	m.get("/contacts").lacks(`id="nav-users"`)
	if u, _ := e.svc.Users.FindUser(t.Context(), e.org.ID, e.member.ID); u.Role != crm.RoleMember {
		t.Error("member promoted themself")
	}
}

func TestAddUserAndChangeRole(t *testing.T) {
	e := newEnv(t)
	a := e.login(e.admin)
	a.get("/users").want(200, e.admin.Email, e.member.Email, `id="user-form"`, `id="nav-users"`)

	for _, tc := range []struct {
		name, email, password, role, want string
	}{
		{"short password", "new@acme.example", "short", "member", "Use at least 8 characters."},
		{"spaces as password", "new@acme.example", "          ", "member", "Use characters other than spaces."},
		{"bad email", "new at acme", "long enough", "member", "Enter an email address"},
		{"used email", e.member.Email, "long enough", "member", "This email already has an account."},
		{"bad role", "new@acme.example", "long enough", "owner", "Choose a role."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := a.post("/users", url.Values{"email": {tc.email}, "password": {tc.password}, "role": {tc.role}}).
				want(http.StatusUnprocessableEntity, tc.want)
			if p.value("email") != tc.email || p.value("password") != "" {
				t.Errorf("email %q password %q", p.value("email"), p.value("password"))
			}
		})
	}

	a.post("/users", url.Values{"email": {"new@acme.example"}, "password": {"long enough"}, "role": {"admin"}}).
		want(200, "User new@acme.example added.")
	nu, err := e.svc.Users.FindUserByEmail(t.Context(), "new@acme.example")
	if err != nil || nu.Role != crm.RoleAdmin || nu.OrgID != e.org.ID {
		t.Fatalf("new user %+v, %v", nu, err)
	}
	c := e.client()
	c.post("/login", url.Values{"email": {"new@acme.example"}, "password": {"long enough"}}).want(200, "Log out")

	a.post(fmt.Sprintf("/users/%d/role", nu.ID), url.Values{"role": {"member"}}).want(200, "new@acme.example is now member.")
	if u, _ := e.svc.Users.FindUser(t.Context(), e.org.ID, nu.ID); u.Role != crm.RoleMember {
		t.Error("role unchanged")
	}
	// An admin cannot demote themself and leave the organization without one.
	a.post(fmt.Sprintf("/users/%d/role", e.admin.ID), url.Values{"role": {"member"}}).want(200, "You cannot remove your own admin role")
	if u, _ := e.svc.Users.FindUser(t.Context(), e.org.ID, e.admin.ID); u.Role != crm.RoleAdmin {
		t.Error("admin demoted themself")
	}
}
