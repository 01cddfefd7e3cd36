package store_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"simplecrm/internal/crm"
	"simplecrm/internal/store"
)

func TestUsers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		again := mustOrg(t, e.db, " Acme Inc ")
		if again.ID != e.org.ID {
			t.Fatalf("EnsureOrganization twice made %d and %d", e.org.ID, again.ID)
		}
		if o, err := e.db.FindOrganization(ctx, e.org.ID); err != nil || o.Name != "Acme Inc" {
			t.Fatalf("FindOrganization: %+v, %v", o, err)
		}
		_, err := e.db.FindOrganization(ctx, 12345)
		wantCode(t, err, crm.ENOTFOUND)
		_, err = e.db.EnsureOrganization(ctx, "  ")
		wantField(t, err, "name")

		u := mustUser(t, e.db, e.org.ID, "  Bob@Example.COM ", "")
		if u.Email != "bob@example.com" || u.Role != crm.RoleMember || u.ID == 0 {
			t.Fatalf("created user %+v", u)
		}
		wantCode(t, e.db.CreateUser(ctx, &crm.User{OrgID: e.other.ID, Email: "BOB@example.com", Role: crm.RoleMember}), crm.ECONFLICT)
		wantField(t, e.db.CreateUser(ctx, &crm.User{OrgID: e.org.ID, Email: "bob", Role: crm.RoleMember}), "email")
		wantField(t, e.db.CreateUser(ctx, &crm.User{OrgID: e.org.ID, Email: "x@example.com", Role: "root"}), "role")
		wantCode(t, e.db.CreateUser(ctx, &crm.User{OrgID: 999, Email: "y@example.com", Role: crm.RoleMember}), crm.ENOTFOUND)

		got, err := e.db.FindUserByEmail(ctx, "BOB@example.com ")
		if err != nil || got.ID != u.ID || got.OrgID != e.org.ID || got.PasswordHash != u.PasswordHash || !got.CreatedAt.Equal(u.CreatedAt) {
			t.Fatalf("FindUserByEmail: %+v, %v", got, err)
		}
		_, err = e.db.FindUserByEmail(ctx, "nobody@example.com")
		wantCode(t, err, crm.ENOTFOUND)
		if got, err := e.db.FindUser(ctx, e.org.ID, u.ID); err != nil || got.Email != u.Email {
			t.Fatalf("FindUser: %+v, %v", got, err)
		}
		users, err := e.db.ListUsers(ctx, e.org.ID)
		if err != nil || len(users) != 2 || users[0].Email != "ann@example.com" || users[1].Email != "bob@example.com" {
			t.Fatalf("ListUsers: %v, %v", users, err)
		}

		u.Role, u.PasswordHash = crm.RoleAdmin, "$argon2id$new"
		if err := e.db.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.db.FindUser(ctx, e.org.ID, u.ID); !got.IsAdmin() || got.PasswordHash != "$argon2id$new" {
			t.Fatalf("after UpdateUser: %+v", got)
		}
		u.Role = "boss"
		wantField(t, e.db.UpdateUser(ctx, u), "role")
	})
}

// TestCreateUserInOrganization: the organization is found whatever its
// case, or created, in the user's transaction, so a refused user leaves no
// organization behind.
func TestCreateUserInOrganization(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		add := func(org, email string) (*crm.Organization, bool, error) {
			return e.db.CreateUserInOrganization(ctx, org, &crm.User{Email: email, PasswordHash: "$argon2id$fake"})
		}
		o, created, err := add("  acme INC ", "Bea@Example.com")
		if err != nil || created || o.ID != e.org.ID || o.Name != "Acme Inc" {
			t.Fatalf("existing organization, other case: %+v created=%v %v", o, created, err)
		}
		if u, err := e.db.FindUserByEmail(ctx, "bea@example.com"); err != nil || u.OrgID != e.org.ID || u.Role != crm.RoleMember {
			t.Fatalf("user in the existing organization: %+v, %v", u, err)
		}

		_, _, err = add("Gamma", "ANN@example.com") // a used email
		wantCode(t, err, crm.ECONFLICT)
		if crm.ErrorMessage(err) != "A user with this email already exists." {
			t.Fatalf("message %q", crm.ErrorMessage(err))
		}
		o, created, err = add("gamma", "gus@example.com")
		if err != nil || !created || o.Name != "gamma" {
			t.Fatalf("after a refused user, its organization exists: %+v created=%v %v", o, created, err)
		}

		_, _, err = add(" ", "x@example.com")
		wantField(t, err, "organization")
		_, _, err = add("Delta", "not an email")
		wantField(t, err, "email")
		if o, created, err := add("DELTA", "dan@example.com"); err != nil || !created {
			t.Fatalf("after invalid input, its organization exists: %+v created=%v %v", o, created, err)
		}

		// Case folds beyond ASCII alike on both engines.
		soc := mustOrg(t, e.db, "Société Générale")
		if again := mustOrg(t, e.db, "SOCIÉTÉ GÉNÉRALE"); again.ID != soc.ID {
			t.Fatalf("EnsureOrganization made %d and %d for one name in two cases", soc.ID, again.ID)
		}
	})
}

func TestSessions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		now := time.Now()
		store.SetClock(e.db, func() time.Time { return now })
		secret, err := e.db.CreateSession(ctx, e.user.ID, time.Hour)
		if err != nil || len(secret) < 32 {
			t.Fatalf("CreateSession: %q, %v", secret, err)
		}
		u, err := e.db.SessionUser(ctx, secret)
		if err != nil || u.ID != e.user.ID || u.Email != e.user.Email || u.OrgID != e.org.ID {
			t.Fatalf("SessionUser: %+v, %v", u, err)
		}
		for _, bad := range []string{"", "nope", secret + "x", strings.ToUpper(secret)} {
			_, err := e.db.SessionUser(ctx, bad)
			wantCode(t, err, crm.EUNAUTHORIZED)
		}
		now = now.Add(time.Hour + time.Second)
		_, err = e.db.SessionUser(ctx, secret)
		wantCode(t, err, crm.EUNAUTHORIZED)

		now = time.Now()
		s2, err := e.db.CreateSession(ctx, e.user.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.db.DeleteSession(ctx, s2); err != nil {
			t.Fatal(err)
		}
		_, err = e.db.SessionUser(ctx, s2)
		wantCode(t, err, crm.EUNAUTHORIZED)
		if err := e.db.DeleteSession(ctx, s2); err != nil {
			t.Fatalf("logging out twice: %v", err)
		}
		_, err = e.db.CreateSession(ctx, 99999, time.Hour)
		wantCode(t, err, crm.ENOTFOUND)
		assertSecretNotStored(t, e, secret)
	})
}

func TestAPITokens(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		now := time.Now().UTC()
		store.SetClock(e.db, func() time.Time { return now })
		tok, secret, err := e.db.CreateAPIToken(ctx, e.user.ID, " laptop ")
		if err != nil || !strings.HasPrefix(secret, "scrm_") || tok.Name != "laptop" || tok.OrgID != e.org.ID || tok.UserID != e.user.ID {
			t.Fatalf("CreateAPIToken: %+v %q %v", tok, secret, err)
		}
		_, s2, _ := e.db.CreateAPIToken(ctx, e.user.ID, "script")
		if s2 == secret {
			t.Fatal("two tokens with one secret")
		}
		// A token needs a name, as in the web UI: it is all that tells tokens apart.
		for _, blank := range []string{"", "  \t"} {
			_, _, err := e.db.CreateAPIToken(ctx, e.user.ID, blank)
			wantField(t, err, "name")
		}
		list, err := e.db.ListAPITokens(ctx, e.user.ID)
		if err != nil || len(list) != 2 || list[0].ID != tok.ID || list[0].LastUsedAt != nil || list[1].Name != "script" {
			t.Fatalf("ListAPITokens: %+v, %v", list, err)
		}

		u, err := e.db.TokenUser(ctx, secret)
		if err != nil || u.ID != e.user.ID {
			t.Fatalf("TokenUser: %+v, %v", u, err)
		}
		list, _ = e.db.ListAPITokens(ctx, e.user.ID)
		if list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(now.Truncate(time.Microsecond)) {
			t.Fatalf("last used = %v, want %v", list[0].LastUsedAt, now)
		}
		first := *list[0].LastUsedAt
		now = now.Add(30 * time.Second) // within a minute: not written again
		e.db.TokenUser(ctx, secret)
		list, _ = e.db.ListAPITokens(ctx, e.user.ID)
		if !list[0].LastUsedAt.Equal(first) {
			t.Fatalf("last used moved within a minute: %v", list[0].LastUsedAt)
		}
		now = now.Add(time.Minute)
		e.db.TokenUser(ctx, secret)
		list, _ = e.db.ListAPITokens(ctx, e.user.ID)
		if !list[0].LastUsedAt.After(first) {
			t.Fatalf("last used not moved after a minute: %v", list[0].LastUsedAt)
		}

		for _, bad := range []string{"", "scrm_", "scrm_nope", secret[5:], "Bearer " + secret} {
			_, err := e.db.TokenUser(ctx, bad)
			wantCode(t, err, crm.EUNAUTHORIZED)
		}
		wantCode(t, e.db.RevokeAPIToken(ctx, e.ouser.ID, tok.ID), crm.ENOTFOUND)
		if err := e.db.RevokeAPIToken(ctx, e.user.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		_, err = e.db.TokenUser(ctx, secret)
		wantCode(t, err, crm.EUNAUTHORIZED)
		wantCode(t, e.db.RevokeAPIToken(ctx, e.user.ID, tok.ID), crm.ENOTFOUND)
		if list, _ := e.db.ListAPITokens(ctx, e.user.ID); len(list) != 1 {
			t.Fatalf("revoked token still listed: %+v", list)
		}
		_, _, err = e.db.CreateAPIToken(ctx, 99999, "x")
		wantCode(t, err, crm.ENOTFOUND)
		_, _, err = e.db.CreateAPIToken(ctx, e.user.ID, strings.Repeat("n", 201))
		wantField(t, err, "name")
		assertSecretNotStored(t, e, secret)
		assertSecretNotStored(t, e, s2)
	})
}

// assertSecretNotStored checks every text column of the credential tables,
// and on SQLite the database files themselves, for the secret.
func assertSecretNotStored(t *testing.T, e *env, secret string) {
	t.Helper()
	raw := store.RawDB(e.db)
	for _, q := range []string{
		`SELECT token_hash FROM sessions`,
		`SELECT token_hash || name FROM api_tokens`,
	} {
		rows, err := raw.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			rows.Scan(&s)
			if strings.Contains(s, secret) || strings.Contains(s, strings.TrimPrefix(secret, "scrm_")) {
				t.Fatalf("secret stored in clear: %q", s)
			}
		}
		rows.Close()
	}
	if e.db.Engine() == "sqlite" {
		var file string
		if err := raw.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&file); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{file, file + "-wal"} {
			b, _ := os.ReadFile(filepath.Clean(f))
			if strings.Contains(string(b), secret) {
				t.Fatalf("secret found in %s", f)
			}
		}
	}
}
