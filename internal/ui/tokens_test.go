package ui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

func TestTokens(t *testing.T) {
	e := newEnv(t)
	c := e.login(e.member)
	c.get("/tokens").want(200, "No tokens yet.", `id="token-form"`)
	c.post("/tokens", url.Values{"name": {"  "}}).want(http.StatusUnprocessableEntity, `id="name-error"`, "Name the token after what will use it")

	p := c.post("/tokens", url.Values{"name": {"backup script"}}).want(200, "shown only this once", `id="copy-token"`, "backup script")
	m := regexp.MustCompile(`id="token-secret" value="([^"]+)"`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatal("no secret shown")
	}
	secret := m[1]
	u, err := e.svc.Auth.TokenUser(t.Context(), secret)
	if err != nil || u.ID != e.member.ID {
		t.Fatalf("token user %v, %v", u, err)
	}
	list := c.get("/tokens").want(200, "backup script", "last used").lacks(secret, `id="new-token"`)
	id := regexp.MustCompile(`data-token-id="(\d+)"`).FindStringSubmatch(list.Body)[1]

	// Another user, even an admin of the same organization, cannot revoke it.
	e.login(e.admin).post("/tokens/"+id+"/revoke", nil).want(404)
	if _, err := e.svc.Auth.TokenUser(t.Context(), secret); err != nil {
		t.Fatal("token revoked by another user")
	}
	c.post("/tokens/"+id+"/revoke", nil).want(200, "Token revoked.", "No tokens yet.")
	if _, err := e.svc.Auth.TokenUser(t.Context(), secret); err == nil {
		t.Error("revoked token still works")
	}
	c.post(fmt.Sprintf("/tokens/%s/revoke", id), nil).want(404)
}
