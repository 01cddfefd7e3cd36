package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"simplecrm/internal/api"
	"simplecrm/internal/crm"
	"simplecrm/internal/password"
	"simplecrm/internal/store"
	"simplecrm/internal/store/storetest"
)

// testAPI is the REST API over real HTTP on a real, migrated database.
type testAPI struct {
	db  *store.DB
	svc crm.Services
	srv *httptest.Server
	log *syncBuffer // what the API logged: internal errors must land here
}

func mustAPI(t testing.TB, engine string) *testAPI {
	t.Helper()
	db := storetest.Open(t, engine)
	a := &testAPI{db: db, svc: db.Services(), log: &syncBuffer{}}
	a.srv = httptest.NewServer(api.New(a.svc, nil, slog.New(slog.NewTextHandler(a.log, nil))))
	t.Cleanup(a.srv.Close)
	return a
}

// forEachEngine runs fn once per storage engine storetest offers.
func forEachEngine(t *testing.T, fn func(t *testing.T, a *testAPI)) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) { fn(t, mustAPI(t, engine)) })
	}
}

// mustUser creates a user in the organization (created if needed) and returns
// a client holding a fresh API token of that user.
func (a *testAPI) mustUser(t testing.TB, org, email string) (*crm.User, *client) {
	t.Helper()
	ctx := context.Background()
	o, err := a.svc.Users.EnsureOrganization(ctx, org)
	if err != nil {
		t.Fatalf("EnsureOrganization: %v", err)
	}
	hash, err := password.Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	u := &crm.User{OrgID: o.ID, Email: email, Role: crm.RoleMember, PasswordHash: hash}
	if err := a.svc.Users.CreateUser(ctx, u); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	_, secret, err := a.svc.Auth.CreateAPIToken(ctx, u.ID, "test")
	if err != nil {
		t.Fatalf("CreateAPIToken: %v", err)
	}
	return u, &client{t: t, base: a.srv.URL, auth: "Bearer " + secret}
}

// client speaks to the API with one Authorization header.
type client struct {
	t    testing.TB
	base string
	auth string // the whole header value, "Bearer TOKEN"; "" sends none
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends body (a string, []byte or io.Reader is sent as is, anything else as JSON) and
// returns the response, failing the test on a 5xx: no client input may cause one.
func (c *client) do(method, path string, body any) *response {
	c.t.Helper()
	r := c.send(method, path, body)
	if r.status >= 500 {
		c.t.Fatalf("%s %s: status %d: %s", method, path, r.status, r.body)
	}
	return r
}

// send is do without the 5xx check, for tests of server faults.
func (c *client) send(method, path string, body any) *response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b // sent without a Content-Length
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return &response{status: res.StatusCode, header: res.Header, body: b}
}

// must is do that fails the test unless the status is want, and decodes the
// response into out when out is non-nil.
func (c *client) must(want int, method, path string, body, out any) *response {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.status != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.body)
	}
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, r.body, err)
		}
	}
	return r
}

// apiError is the error body every failure carries.
type apiError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// errorOf decodes r's error body, failing the test if it is not one.
func (r *response) errorOf(t testing.TB) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("status %d: not an error body: %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type = %q", ct)
	}
	return e
}

// Wire shapes as a client sees them, kept separate from the package's own
// types so that a renamed JSON field fails the tests.
type (
	contact struct {
		ID            int64        `json:"id"`
		FirstName     string       `json:"first_name"`
		LastName      string       `json:"last_name"`
		HomePhone     string       `json:"home_phone"`
		MobilePhone   string       `json:"mobile_phone"`
		PersonalEmail string       `json:"personal_email"`
		Address       address      `json:"address"`
		Note          string       `json:"note"`
		OwnerEmail    string       `json:"owner_email"`
		Employments   []employment `json:"employments"`
		CreatedAt     string       `json:"created_at"`
		UpdatedAt     string       `json:"updated_at"`
		DeletedAt     *string      `json:"deleted_at"`
	}
	address struct {
		Street     string `json:"street"`
		Extended   string `json:"extended"`
		PostalCode string `json:"postal_code"`
		City       string `json:"city"`
		Region     string `json:"region"`
		Country    string `json:"country"`
	}
	employment struct {
		CompanyID   int64  `json:"company_id"`
		CompanyName string `json:"company_name"`
		Function    string `json:"function"`
		WorkPhone   string `json:"work_phone"`
		WorkMobile  string `json:"work_mobile"`
		WorkEmail   string `json:"work_email"`
		Primary     bool   `json:"primary"`
	}
	company struct {
		ID        int64  `json:"id"`
		Name      string `json:"name"`
		Phone     string `json:"phone"`
		Website   string `json:"website"`
		Address   string `json:"address"`
		Note      string `json:"note"`
		Employees int    `json:"employees"`
		CreatedAt string `json:"created_at"`
		UpdatedAt string `json:"updated_at"`
	}
	contactPage struct {
		Items      []contact `json:"items"`
		NextCursor string    `json:"next_cursor"`
	}
	companyPage struct {
		Items      []company `json:"items"`
		NextCursor string    `json:"next_cursor"`
	}
)

// mustContact creates a contact from a JSON object and returns it.
func (c *client) mustContact(body any) contact {
	c.t.Helper()
	var out contact
	c.must(http.StatusCreated, "POST", "/api/v1/contacts", body, &out)
	return out
}

func (c *client) mustCompany(body any) company {
	c.t.Helper()
	var out company
	c.must(http.StatusCreated, "POST", "/api/v1/companies", body, &out)
	return out
}

// syncBuffer is a log destination that handlers may write concurrently.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func path(format string, args ...any) string { return fmt.Sprintf("/api/v1"+format, args...) }
