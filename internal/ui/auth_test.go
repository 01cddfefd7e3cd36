package ui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

func TestLogin(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name, email, password, next string
		status                      int
		landing                     string // path after redirects
		contains                    string
	}{
		{"success", e.member.Email, testPassword, "", 200, "/contacts", "Log out"},
		{"email case and spaces", "  MEMBER@acme.example ", testPassword, "", 200, "/contacts", "Log out"},
		{"wrong password", e.member.Email, "wrong password", "", 401, "/login", "Wrong email or password."},
		{"unknown email", "nobody@acme.example", testPassword, "", 401, "/login", "Wrong email or password."},
		{"local next", e.member.Email, testPassword, "/companies?q=a", 200, "/companies", "Companies"},
		{"open redirect refused", e.member.Email, testPassword, "//evil.example/", 200, "/contacts", "Contacts"},
		{"absolute next refused", e.member.Email, testPassword, "https://evil.example/", 200, "/contacts", "Contacts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := e.client().post("/login", url.Values{"email": {tc.email}, "password": {tc.password}, "next": {tc.next}})
			p.want(tc.status, tc.contains)
			if p.URL.Host != strings.TrimPrefix(e.srv.URL, "http://") || p.URL.Path != tc.landing {
				t.Errorf("landed on %s, want %s", p.URL, tc.landing)
			}
			if tc.status == 401 {
				// The email stays typed; the password never comes back.
				if got := p.value("email"); got != strings.ToLower(strings.TrimSpace(tc.email)) {
					t.Errorf("email input = %q", got)
				}
				p.lacks(tc.password)
			}
		})
	}
}

func TestLoginCookie(t *testing.T) {
	for _, secure := range []bool{false, true} {
		e := newEnvConfig(t, secure)
		c := e.client()
		c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		p := c.post("/login", url.Values{"email": {e.member.Email}, "password": {testPassword}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("status %d", p.Status)
		}
		cookie := p.Header.Get("Set-Cookie")
		for _, attr := range []string{"simplecrm_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(cookie, attr) {
				t.Errorf("cookie %q lacks %s", cookie, attr)
			}
		}
		if strings.Contains(cookie, "Secure") != secure {
			t.Errorf("secure=%v: cookie %q", secure, cookie)
		}
	}
}

func TestLoginThrottled(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	for i := range 5 {
		c.post("/login", url.Values{"email": {e.member.Email}, "password": {"guess " + string(rune('a'+i))}}).want(401)
	}
	// Even the right password waits now: the attacker must not learn it.
	c.post("/login", url.Values{"email": {e.member.Email}, "password": {testPassword}}).
		want(http.StatusTooManyRequests, "Too many failed attempts")
	// The limit is per IP too: other accounts from the same address wait.
	c.post("/login", url.Values{"email": {e.admin.Email}, "password": {testPassword}}).want(http.StatusTooManyRequests)
}

func TestLogout(t *testing.T) {
	e := newEnv(t)
	c := e.login(e.member)
	u, _ := url.Parse(e.srv.URL)
	var secret string
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == "simplecrm_session" {
			secret = ck.Value
		}
	}
	c.post("/logout", nil).want(200, "Log in")
	if p := c.get("/contacts"); p.URL.Path != "/login" {
		t.Errorf("after logout, /contacts shows %s", p.URL)
	}
	// The session is gone on the server too, not only from the browser: a
	// replayed or forged cookie leads to the login page.
	if _, err := e.svc.Auth.SessionUser(t.Context(), secret); err == nil {
		t.Error("session still valid after logout")
	}
	for _, v := range []string{secret, "forged"} {
		c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "simplecrm_session", Value: v, Path: "/"}})
		if p := c.get("/contacts"); p.URL.Path != "/login" {
			t.Errorf("cookie %q shows %s", v, p.URL)
		}
	}
}

func TestRedirectToLogin(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/contacts", "/contacts/new", "/companies?q=x", "/trash", "/users", "/tokens", "/contacts/1"} {
		t.Run(path, func(t *testing.T) {
			c := e.client()
			p := c.get(path).want(200, "Log in")
			if p.URL.Path != "/login" || p.URL.Query().Get("next") != path {
				t.Fatalf("landed on %s", p.URL)
			}
			// Logging in from there comes back to the page asked for.
			p = c.post("/login", url.Values{"email": {e.admin.Email}, "password": {testPassword}, "next": {p.value("next")}})
			if p.URL.RequestURI() != path {
				t.Errorf("after login: %s, want %s", p.URL.RequestURI(), path)
			}
		})
	}
	// A POST without a session changes nothing and goes to the login page.
	p := e.client().post("/contacts", url.Values{"first_name": {"Eve"}})
	if p.URL.Path != "/login" {
		t.Errorf("anonymous POST landed on %s", p.URL)
	}
}

func TestRootAndNotFound(t *testing.T) {
	e := newEnv(t)
	c := e.login(e.member)
	if p := c.get("/"); p.URL.Path != "/contacts" {
		t.Errorf("/ went to %s", p.URL)
	}
	for _, path := range []string{"/nope", "/contacts/abc", "/contacts/999999", "/companies/0", "/contacts/999999/edit"} {
		c.get(path).want(404, "Not found", "Back to contacts")
	}
	// Logged out, unknown pages are a 404 too, not a redirect.
	e.client().get("/nope").want(404, "Not found")
}

// TestLoginThrottledConcurrently sends many wrong passwords at once: they
// must be counted as they arrive, not after their (slow) password checks, so
// only the burst is checked and the rest are refused.
func TestLoginThrottledConcurrently(t *testing.T) {
	e := newEnv(t)
	const guesses = 40
	statuses := make(chan int, guesses)
	var wg sync.WaitGroup
	for i := range guesses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			form := url.Values{"email": {e.member.Email}, "password": {fmt.Sprintf("guess %d", i)}}
			resp, err := http.PostForm(e.srv.URL+"/login", form)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(statuses)
	counts := map[int]int{}
	for st := range statuses {
		counts[st]++
	}
	if counts[http.StatusUnauthorized] > 5 || counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests] != guesses {
		t.Fatalf("%d parallel wrong passwords: statuses %v, want at most 5 × 401 and the rest 429", guesses, counts)
	}
	e.client().post("/login", url.Values{"email": {e.member.Email}, "password": {testPassword}}).
		want(http.StatusTooManyRequests)
}
