package carddav_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/emersion/go-webdav"
	gocarddav "github.com/emersion/go-webdav/carddav"

	"simplecrm/internal/carddav"
	"simplecrm/internal/crm"
	"simplecrm/internal/store"
	"simplecrm/internal/store/storetest"
)

// env is a CardDAV server on a real database with one organization and two
// users, each with an app password.
type env struct {
	t        *testing.T
	db       *store.DB
	srv      *httptest.Server
	user     *crm.User
	other    *crm.User
	password string
	otherPwd string
}

func newEnv(t *testing.T, engine string) *env {
	t.Helper()
	db := storetest.Open(t, engine)
	ctx := context.Background()
	org, err := db.EnsureOrganization(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db}
	e.user, e.password = mustUser(t, db, org.ID, "ann@example.com")
	e.other, e.otherPwd = mustUser(t, db, org.ID, "bob@example.com")
	mux := http.NewServeMux()
	h := carddav.New(db, nil)
	mux.Handle(carddav.Prefix, h)
	mux.Handle("/.well-known/carddav", h)
	mux.Handle("PROPFIND /{$}", h)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

func mustUser(t *testing.T, db *store.DB, orgID int64, email string) (*crm.User, string) {
	t.Helper()
	u := &crm.User{OrgID: orgID, Email: email, Role: crm.RoleMember}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	_, secret, err := db.CreateAppPassword(context.Background(), u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	return u, secret
}

func (e *env) bookPath() string { return fmt.Sprintf("/dav/%d/contacts/default/", e.user.ID) }

// do sends a request as the user and returns the status, headers and body.
func (e *env) do(method, path, body string, headers ...string) (int, http.Header, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.SetBasicAuth(e.user.Email, e.password)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req) // no redirects followed
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func (e *env) client() *gocarddav.Client { return e.clientAt(e.srv.URL) }

func (e *env) clientAt(base string) *gocarddav.Client {
	e.t.Helper()
	c, err := gocarddav.NewClient(webdav.HTTPClientWithBasicAuth(http.DefaultClient, e.user.Email, e.password), base)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func mustContact(t *testing.T, db *store.DB, c *crm.Contact) *crm.Contact {
	t.Helper()
	if err := db.CreateContact(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

func card(uid, extra string) string {
	return "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:" + uid + "\r\nFN:Zoe Ng\r\nN:Ng;Zoe;;;\r\n" + extra + "END:VCARD\r\n"
}

func forEngines(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) { fn(t, newEnv(t, engine)) })
	}
}
