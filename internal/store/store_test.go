package store_test

import (
	"context"
	"os"
	"testing"

	"simplecrm/internal/crm"
	"simplecrm/internal/pgtest"
	"simplecrm/internal/store"
	"simplecrm/internal/store/storetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	runBenchCleanups() // close the benchmark databases before their server stops
	pgtest.Stop()
	os.Exit(code)
}

// env is one engine's database with an organization and a user in it.
type env struct {
	db    *store.DB
	org   *crm.Organization
	user  *crm.User
	other *crm.Organization // a second organization, for isolation tests
	ouser *crm.User
}

// forEachEngine runs fn as a subtest on every engine, with a fresh database.
func forEachEngine(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	// Tests spend much of their time waiting for PostgreSQL: overlap them.
	t.Parallel()
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			db := storetest.Open(t, engine)
			e := &env{db: db}
			e.org = mustOrg(t, db, "Acme Inc")
			e.user = mustUser(t, db, e.org.ID, "ann@example.com", crm.RoleAdmin)
			e.other = mustOrg(t, db, "Other Org")
			e.ouser = mustUser(t, db, e.other.ID, "olga@example.org", crm.RoleAdmin)
			fn(t, e)
		})
	}
}

var ctx = context.Background()

func mustOrg(t testing.TB, db *store.DB, name string) *crm.Organization {
	t.Helper()
	o, err := db.EnsureOrganization(ctx, name)
	if err != nil {
		t.Fatalf("EnsureOrganization(%q): %v", name, err)
	}
	return o
}

func mustUser(t testing.TB, db *store.DB, orgID int64, email string, role crm.Role) *crm.User {
	t.Helper()
	u := &crm.User{OrgID: orgID, Email: email, Role: role, PasswordHash: "$argon2id$fake"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatalf("CreateUser(%q): %v", email, err)
	}
	return u
}

func mustContact(t testing.TB, db *store.DB, c *crm.Contact) *crm.Contact {
	t.Helper()
	if err := db.CreateContact(ctx, c); err != nil {
		t.Fatalf("CreateContact(%s): %v", c.Name(), err)
	}
	return c
}

func mustCompany(t testing.TB, db *store.DB, orgID int64, name string) *crm.Company {
	t.Helper()
	c := &crm.Company{OrgID: orgID, Name: name}
	if err := db.CreateCompany(ctx, c); err != nil {
		t.Fatalf("CreateCompany(%q): %v", name, err)
	}
	return c
}

func mustFind(t testing.TB, db *store.DB, orgID, id int64) *crm.Contact {
	t.Helper()
	c, err := db.FindContact(ctx, orgID, id)
	if err != nil {
		t.Fatalf("FindContact(%d): %v", id, err)
	}
	return c
}

// wantCode fails the test unless err carries the crm error code.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := crm.ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (error: %v)", got, code, err)
	}
}

// wantField fails unless err is EINVALID with a message for field.
func wantField(t testing.TB, err error, field string) {
	t.Helper()
	wantCode(t, err, crm.EINVALID)
	if _, ok := crm.ErrorFields(err)[field]; !ok {
		t.Fatalf("no message for field %q in %v", field, err)
	}
}

func names(cs []*crm.Contact) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name()
	}
	return out
}

func TestSmoke(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, OwnerID: e.user.ID, FirstName: "Émile", LastName: "Zola",
			MobilePhone: "06 12 34 56 78",
			Employments: []crm.Employment{{CompanyName: "L'Aurore", Function: "Writer", WorkEmail: "emile@aurore.fr"}}})
		if got := mustFind(t, e.db, e.org.ID, c.ID); got.Employments[0].CompanyName != "L'Aurore" {
			t.Fatalf("employments: %+v", got.Employments)
		}
		list, next, err := e.db.ListContacts(ctx, e.org.ID, crm.ContactFilter{Query: "emi 0612 auro"})
		if err != nil || len(list) != 1 || next != "" {
			t.Fatalf("list: %v %v %q", names(list), err, next)
		}
		cos, _, err := e.db.ListCompanies(ctx, e.org.ID, crm.CompanyFilter{Query: "aur"})
		if err != nil || len(cos) != 1 || cos[0].Employees != 1 {
			t.Fatalf("companies: %+v %v", cos, err)
		}
	})
}
