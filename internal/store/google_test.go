package store_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"simplecrm/internal/crm"
	"simplecrm/internal/pgtest"
	"simplecrm/internal/store"
	"simplecrm/internal/store/storetest"
)

var testKey = bytes.Repeat([]byte{7}, store.SecretKeySize)

func mustKey(t testing.TB, db *store.DB, key []byte) {
	t.Helper()
	if err := db.SetSecretKey(key); err != nil {
		t.Fatalf("SetSecretKey: %v", err)
	}
}

func mustAccount(t testing.TB, db *store.DB, orgID, userID int64, sub string) *crm.GoogleAccount {
	t.Helper()
	a := &crm.GoogleAccount{OrgID: orgID, UserID: userID, Sub: sub, Email: sub + "@gmail.com", RefreshToken: "1//token-" + sub}
	if err := db.SaveGoogleAccount(ctx, a); err != nil {
		t.Fatalf("SaveGoogleAccount(%s): %v", sub, err)
	}
	return a
}

func mustFindAccount(t testing.TB, db *store.DB, orgID, id int64) *crm.GoogleAccount {
	t.Helper()
	a, err := db.FindGoogleAccount(ctx, orgID, id)
	if err != nil {
		t.Fatalf("FindGoogleAccount(%d): %v", id, err)
	}
	return a
}

func dur(d time.Duration) *time.Duration { return &d }

func TestGoogleAccounts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		mustKey(t, e.db, testKey)
		a := mustAccount(t, e.db, e.org.ID, e.user.ID, "111")
		if a.ID == 0 || a.CreatedAt.IsZero() || a.GroupName != crm.DefaultGroupName || a.Scope != crm.ScopeOwned ||
			a.DeleteMode != crm.DeleteTrash || a.SyncInterval != nil || a.ReconnectNeeded || a.LastRunID != 0 {
			t.Fatalf("new account not filled with defaults: %+v", a)
		}
		if got := mustFindAccount(t, e.db, e.org.ID, a.ID); !reflect.DeepEqual(got, a) {
			t.Fatalf("found\n%+v\nwant\n%+v", got, a)
		}
		b := mustAccount(t, e.db, e.org.ID, e.user.ID, "222")
		o := mustAccount(t, e.db, e.other.ID, e.ouser.ID, "333")
		if b.ID == a.ID {
			t.Fatal("a second Google account of the user reused the first's id")
		}

		list, err := e.db.ListGoogleAccounts(ctx, e.org.ID, e.user.ID)
		if err != nil || len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
			t.Fatalf("ListGoogleAccounts = %+v, %v", list, err)
		}
		for _, l := range list {
			if l.RefreshToken != "" {
				t.Fatalf("a listing returned a token: %+v", l)
			}
		}
		if list, _ := e.db.ListGoogleAccounts(ctx, e.org.ID, 0); len(list) != 2 {
			t.Fatalf("every account of the organization: %d, want 2", len(list))
		}
		all, err := e.db.ListAllGoogleAccounts(ctx)
		if err != nil || len(all) != 3 || all[2].ID != o.ID || all[2].RefreshToken != "" {
			t.Fatalf("ListAllGoogleAccounts = %+v, %v", all, err)
		}
		forSync, err := e.db.GoogleAccountForSync(ctx, o.ID)
		if err != nil || forSync.RefreshToken != "1//token-333" || forSync.OrgID != e.other.ID {
			t.Fatalf("GoogleAccountForSync = %+v, %v", forSync, err)
		}
		_, err = e.db.GoogleAccountForSync(ctx, 99999)
		wantCode(t, err, crm.ENOTFOUND)

		// Settings.
		a.GroupName, a.Scope, a.DeleteMode, a.SyncInterval = " Phone ", crm.ScopeAll, crm.DeleteUnlink, dur(time.Hour)
		if err := e.db.UpdateGoogleAccountSettings(ctx, a); err != nil {
			t.Fatalf("UpdateGoogleAccountSettings: %v", err)
		}
		got := mustFindAccount(t, e.db, e.org.ID, a.ID)
		if got.GroupName != "Phone" || got.Scope != crm.ScopeAll || got.DeleteMode != crm.DeleteUnlink ||
			got.SyncInterval == nil || *got.SyncInterval != time.Hour || !reflect.DeepEqual(got, a) {
			t.Fatalf("settings not stored: %+v", got)
		}

		// Reconnect needed, then a reconnect: same row, new email and token,
		// settings kept, flag cleared.
		if err := e.db.MarkGoogleAccountReconnect(ctx, a.ID, true, "Google refused the token."); err != nil {
			t.Fatal(err)
		}
		if got := mustFindAccount(t, e.db, e.org.ID, a.ID); !got.ReconnectNeeded || got.LastError != "Google refused the token." {
			t.Fatalf("after MarkGoogleAccountReconnect: %+v", got)
		}
		wantCode(t, e.db.MarkGoogleAccountReconnect(ctx, 99999, true, ""), crm.ENOTFOUND)
		re := &crm.GoogleAccount{OrgID: e.org.ID, UserID: e.user.ID, Sub: "111", Email: "ann.new@gmail.com", RefreshToken: "1//new"}
		if err := e.db.SaveGoogleAccount(ctx, re); err != nil {
			t.Fatal(err)
		}
		got = mustFindAccount(t, e.db, e.org.ID, a.ID)
		if re.ID != a.ID || got.Email != "ann.new@gmail.com" || got.RefreshToken != "1//new" || got.ReconnectNeeded ||
			got.GroupName != "Phone" || got.Scope != crm.ScopeAll || !got.CreatedAt.Equal(a.CreatedAt) || !reflect.DeepEqual(got, re) {
			t.Fatalf("after reconnect: %+v (saved %+v)", got, re)
		}
		// Google sends no refresh token when access was already granted.
		re.RefreshToken = ""
		if err := e.db.SaveGoogleAccount(ctx, re); err != nil {
			t.Fatal(err)
		}
		if got := mustFindAccount(t, e.db, e.org.ID, a.ID); got.RefreshToken != "1//new" {
			t.Fatalf("an empty token on reconnect replaced the stored one: %q", got.RefreshToken)
		}

		// Another organization's account is not found.
		_, err = e.db.FindGoogleAccount(ctx, e.other.ID, a.ID)
		wantCode(t, err, crm.ENOTFOUND)
		foreign := *a
		foreign.OrgID = e.other.ID
		wantCode(t, e.db.UpdateGoogleAccountSettings(ctx, &foreign), crm.ENOTFOUND)
		wantCode(t, e.db.DeleteGoogleAccount(ctx, e.other.ID, a.ID), crm.ENOTFOUND)
		if list, _ := e.db.ListGoogleAccounts(ctx, e.other.ID, e.user.ID); len(list) != 0 {
			t.Fatalf("another organization lists our accounts: %+v", list)
		}
		// A user of another organization cannot be given an account here.
		err = e.db.SaveGoogleAccount(ctx, &crm.GoogleAccount{OrgID: e.org.ID, UserID: e.ouser.ID, Sub: "444"})
		wantCode(t, err, crm.ENOTFOUND)

		if err := e.db.DeleteGoogleAccount(ctx, e.org.ID, b.ID); err != nil {
			t.Fatalf("DeleteGoogleAccount: %v", err)
		}
		_, err = e.db.FindGoogleAccount(ctx, e.org.ID, b.ID)
		wantCode(t, err, crm.ENOTFOUND)
		if e.db.Services().GoogleAccounts == nil || e.db.Services().SyncRuns == nil {
			t.Fatal("Services() lacks the Google services")
		}
	})
}

func TestGoogleAccountSettingsValidation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		mustKey(t, e.db, testKey)
		a := mustAccount(t, e.db, e.org.ID, e.user.ID, "111")
		cases := []struct {
			name  string
			edit  func(a *crm.GoogleAccount)
			field string // "" = valid
		}{
			{"empty group", func(a *crm.GoogleAccount) { a.GroupName = "  " }, "group_name"},
			{"long group", func(a *crm.GoogleAccount) { a.GroupName = strings.Repeat("é", 101) }, "group_name"},
			{"group of 100", func(a *crm.GoogleAccount) { a.GroupName = strings.Repeat("é", 100) }, ""},
			{"bad scope", func(a *crm.GoogleAccount) { a.Scope = "mine" }, "scope"},
			{"empty scope", func(a *crm.GoogleAccount) { a.Scope = "" }, "scope"},
			{"bad delete mode", func(a *crm.GoogleAccount) { a.DeleteMode = "delete" }, "delete_mode"},
			{"negative interval", func(a *crm.GoogleAccount) { a.SyncInterval = dur(-time.Minute) }, "sync_interval"},
			{"interval under a minute", func(a *crm.GoogleAccount) { a.SyncInterval = dur(30 * time.Second) }, "sync_interval"},
			{"interval off", func(a *crm.GoogleAccount) { a.SyncInterval = dur(0) }, ""},
			{"interval of a minute", func(a *crm.GoogleAccount) { a.SyncInterval = dur(time.Minute) }, ""},
			{"default interval", func(a *crm.GoogleAccount) { a.SyncInterval = nil }, ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				b := *a
				tc.edit(&b)
				err := e.db.UpdateGoogleAccountSettings(ctx, &b)
				if tc.field == "" {
					if err != nil {
						t.Fatalf("valid settings refused: %v", err)
					}
					got := mustFindAccount(t, e.db, e.org.ID, a.ID)
					if !reflect.DeepEqual(got.SyncInterval, b.SyncInterval) || got.GroupName != b.GroupName {
						t.Fatalf("stored %+v, want %+v", got, b)
					}
					return
				}
				wantField(t, err, tc.field)
			})
		}
		// A new account's settings are checked too.
		err := e.db.SaveGoogleAccount(ctx, &crm.GoogleAccount{OrgID: e.org.ID, UserID: e.user.ID, Sub: "9", Scope: "x"})
		wantField(t, err, "scope")
		err = e.db.SaveGoogleAccount(ctx, &crm.GoogleAccount{OrgID: e.org.ID, UserID: e.user.ID, Sub: " "})
		wantField(t, err, "sub")
	})
}

// TestGoogleTokenEncryption proves that refresh tokens are not stored in
// plaintext, that a ciphertext is bound to its row and to the key, and that
// a missing or wrong key is a clear error.
func TestGoogleTokenEncryption(t *testing.T) {
	const secret = "1//0gSECRET-refresh-token-Zq9"
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			dsn := "sqlite:" + filepath.Join(dir, "s.db")
			if engine == "postgres" {
				dsn = pgtest.Start(t)
			}
			db := mustOpen(t, dsn)
			org := mustOrg(t, db, "Acme")
			user := mustUser(t, db, org.ID, "ann@example.com", crm.RoleAdmin)

			for _, bad := range [][]byte{nil, make([]byte, 16), make([]byte, 33)} {
				if err := db.SetSecretKey(bad); err == nil {
					t.Fatalf("SetSecretKey accepted a %d-byte key", len(bad))
				}
			}
			a := &crm.GoogleAccount{OrgID: org.ID, UserID: user.ID, Sub: "1", Email: "a@gmail.com", RefreshToken: secret}
			err := db.SaveGoogleAccount(ctx, a)
			if err == nil || !strings.Contains(err.Error(), "SIMPLECRM_SECRET_KEY") {
				t.Fatalf("saving without a key: %v", err)
			}

			mustKey(t, db, testKey)
			if err := db.SaveGoogleAccount(ctx, a); err != nil {
				t.Fatal(err)
			}
			b := &crm.GoogleAccount{OrgID: org.ID, UserID: user.ID, Sub: "2", Email: "b@gmail.com", RefreshToken: secret}
			if err := db.SaveGoogleAccount(ctx, b); err != nil {
				t.Fatal(err)
			}
			var encA, encB []byte
			raw := store.RawDB(db)
			if err := raw.QueryRowContext(ctx, `SELECT refresh_token_enc FROM google_accounts WHERE id = $1`, a.ID).Scan(&encA); err != nil {
				t.Fatal(err)
			}
			if err := raw.QueryRowContext(ctx, `SELECT refresh_token_enc FROM google_accounts WHERE id = $1`, b.ID).Scan(&encB); err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(encA, []byte(secret)) || bytes.Equal(encA, encB) || len(encA) < len(secret)+12+16 {
				t.Fatalf("stored token %q (other row %q): plaintext, or the same nonce twice", encA, encB)
			}
			// No column of any row holds the token.
			rows, err := raw.QueryContext(ctx, `SELECT * FROM google_accounts`)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				for i, v := range vals {
					if s, ok := v.([]byte); ok && bytes.Contains(s, []byte(secret)) || v == any(secret) {
						t.Fatalf("column %s holds the token in plaintext", cols[i])
					}
				}
			}
			rows.Close()
			if engine == "sqlite" {
				// The database file and its WAL.
				files, _ := filepath.Glob(filepath.Join(dir, "s.db*"))
				for _, f := range files {
					data, err := os.ReadFile(f)
					if err != nil {
						t.Fatal(err)
					}
					if bytes.Contains(data, []byte(secret)) {
						t.Fatalf("%s holds the token in plaintext", filepath.Base(f))
					}
				}
				if len(files) == 0 {
					t.Fatal("no database file found")
				}
			}
			if got := mustFindAccount(t, db, org.ID, a.ID); got.RefreshToken != secret {
				t.Fatalf("decrypted %q", got.RefreshToken)
			}

			// A ciphertext moved to another row does not open there.
			if _, err := store.WriterDB(db).ExecContext(ctx, `UPDATE google_accounts SET refresh_token_enc = $1 WHERE id = $2`, encA, b.ID); err != nil {
				t.Fatal(err)
			}
			_, err = db.FindGoogleAccount(ctx, org.ID, b.ID)
			if err == nil || !strings.Contains(err.Error(), "decrypt") {
				t.Fatalf("a token moved between rows: %v", err)
			}

			// A wrong key is an error, not a panic; listings still work.
			mustKey(t, db, bytes.Repeat([]byte{8}, 32))
			_, err = db.FindGoogleAccount(ctx, org.ID, a.ID)
			if err == nil || !strings.Contains(err.Error(), "wrong SIMPLECRM_SECRET_KEY") {
				t.Fatalf("wrong key: %v", err)
			}
			if list, err := db.ListGoogleAccounts(ctx, org.ID, user.ID); err != nil || len(list) != 2 {
				t.Fatalf("listing with a wrong key: %d, %v", len(list), err)
			}

			// Another handle on the same database, with no key.
			other := mustOpen(t, dsn)
			_, err = other.GoogleAccountForSync(ctx, a.ID)
			if err == nil || !strings.Contains(err.Error(), "SIMPLECRM_SECRET_KEY") {
				t.Fatalf("reading without a key: %v", err)
			}
		})
	}
}

func mustOpen(t testing.TB, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}
