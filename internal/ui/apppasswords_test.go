package ui_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"testing"

	"simplecrm/internal/carddav"
	"simplecrm/internal/crm"
	"simplecrm/internal/store/storetest"
	"simplecrm/internal/ui"
)

// newDAVEnv is newEnv with the CardDAV store, as serve mounts the UI.
func newDAVEnv(t *testing.T, engine string) (*env, carddav.Store) {
	db := storetest.Open(t, engine)
	svc := db.Services()
	e := &env{t: t, svc: svc}
	e.org = mustOrg(t, svc, "Acme Corp")
	e.admin = mustUser(t, svc, e.org, "admin@acme.example", crm.RoleAdmin)
	e.member = mustUser(t, svc, e.org, "member@acme.example", crm.RoleMember)
	e.srv = httptest.NewServer(ui.New(ui.Config{Services: svc, Logger: slog.New(slog.NewTextHandler(t.Output(), nil)), DAV: db}))
	t.Cleanup(e.srv.Close)
	return e, db
}

func TestAppPasswords(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			e, db := newDAVEnv(t, engine)
			c := e.login(e.member)
			c.get("/tokens").want(200, `href="/tokens/carddav"`)
			c.get("/tokens/carddav").want(200, "No app passwords yet.", `id="app-password-form"`, "member@acme.example",
				`value="owned" id="scope-owned" checked`)
			c.post("/tokens/carddav", url.Values{"name": {" "}}).want(http.StatusUnprocessableEntity, `id="name-error"`)

			p := c.post("/tokens/carddav", url.Values{"name": {"Ann's iPhone"}}).want(200, "shown only this once", "Ann&#39;s iPhone")
			m := regexp.MustCompile(`id="app-password-secret" value="([^"]+)"`).FindStringSubmatch(p.Body)
			if m == nil {
				t.Fatal("no secret shown")
			}
			secret := m[1]
			if u, err := db.AppPasswordUser(t.Context(), e.member.Email, secret); err != nil || u.ID != e.member.ID {
				t.Fatalf("app password user %v, %v", u, err)
			}
			list := c.get("/tokens/carddav").want(200, "last used").lacks(secret, `id="new-app-password"`)
			id := regexp.MustCompile(`data-app-password-id="(\d+)"`).FindStringSubmatch(list.Body)[1]

			// The scope setting.
			c.post("/tokens/carddav/scope", url.Values{"scope": {"all"}}).want(200, "Saved.", `value="all" id="scope-all" checked`)
			if s, _ := db.BookScope(t.Context(), e.member.ID); s != carddav.ScopeAll {
				t.Fatalf("scope %q", s)
			}
			c.post("/tokens/carddav/scope", url.Values{"scope": {"everyone"}}).want(400) // only a forged form sends another value

			// Another user cannot revoke it.
			e.login(e.admin).post("/tokens/carddav/"+id+"/revoke", nil).want(404)
			if _, err := db.AppPasswordUser(t.Context(), e.member.Email, secret); err != nil {
				t.Fatal("revoked by another user")
			}
			c.post("/tokens/carddav/"+id+"/revoke", nil).want(200, "App password revoked.", "No app passwords yet.")
			if _, err := db.AppPasswordUser(t.Context(), e.member.Email, secret); err == nil {
				t.Error("revoked app password still works")
			}
		})
	}
}

// Without a CardDAV store the page does not exist.
func TestAppPasswordsWithoutDAV(t *testing.T) {
	e := newEnv(t)
	e.login(e.member).get("/tokens/carddav").want(404)
}
