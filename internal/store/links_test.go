package store_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
	"simplecrm/internal/pgtest"
	"simplecrm/internal/store"
	"simplecrm/internal/store/storetest"
)

func mustLink(t testing.TB, db *store.DB, l *contactsync.Link) *contactsync.Link {
	t.Helper()
	if err := db.SaveLinks(ctx, l); err != nil {
		t.Fatalf("SaveLink(%d → %s): %v", l.ContactID, l.ResourceName, err)
	}
	return l
}

func TestLinks(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		mustKey(t, e.db, testKey)
		acc := mustAccount(t, e.db, e.org.ID, e.user.ID, "111")
		acc2 := mustAccount(t, e.db, e.org.ID, e.user.ID, "222")
		c1 := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, LastName: "One"})
		c2 := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, LastName: "Two"})
		c3 := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, LastName: "Three"})

		l1 := mustLink(t, e.db, &contactsync.Link{AccountID: acc.ID, ContactID: c1.ID, ResourceName: "people/c1", ETag: "e1",
			BaseCRM:       contactsync.View{FirstName: "Ann", Address: crm.Address{City: "Paris"}, Company: "Globex"},
			BaseGoogle:    contactsync.View{FirstName: "Annie", MobilePhone: "+33612345678"},
			SyncedVersion: c1.Version, CreatedByCRM: true})
		l2 := mustLink(t, e.db, &contactsync.Link{AccountID: acc.ID, ContactID: c2.ID, ResourceName: "people/c2"})
		// The same contact is linked in another account, to another person.
		mustLink(t, e.db, &contactsync.Link{AccountID: acc2.ID, ContactID: c1.ID, ResourceName: "people/x9"})

		got, err := e.db.LinksByContact(ctx, acc.ID, []int64{c2.ID, c1.ID, c3.ID})
		if err != nil || !reflect.DeepEqual(got, []*contactsync.Link{l1, l2}) {
			t.Fatalf("LinksByContact = %+v, %v", got, err)
		}
		got, err = e.db.LinksByResource(ctx, acc.ID, []string{"people/c1", "people/x9", "people/none"})
		if err != nil || !reflect.DeepEqual(got, []*contactsync.Link{l1}) {
			t.Fatalf("LinksByResource = %+v, %v", got, err)
		}

		// SaveLink upserts by contact, new resource name included.
		l2.ResourceName, l2.ETag, l2.SyncedVersion, l2.BaseCRM.LastName = "people/c2b", "e2", 7, "Two"
		mustLink(t, e.db, l2)
		if got, _ := e.db.LinksByContact(ctx, acc.ID, []int64{c2.ID}); len(got) != 1 || !reflect.DeepEqual(got[0], l2) {
			t.Fatalf("after upsert: %+v", got)
		}
		if got, _ := e.db.LinksByResource(ctx, acc.ID, []string{"people/c2"}); len(got) != 0 {
			t.Fatalf("the old resource name is still linked: %+v", got)
		}
		// A person is linked to one contact per account.
		err = e.db.SaveLinks(ctx, &contactsync.Link{AccountID: acc.ID, ContactID: c3.ID, ResourceName: "people/c1"})
		wantCode(t, err, crm.ECONFLICT)
		// A batch is saved whole or not at all.
		err = e.db.SaveLinks(ctx, &contactsync.Link{AccountID: acc.ID, ContactID: c3.ID, ResourceName: "people/c3"},
			&contactsync.Link{AccountID: acc.ID, ContactID: c2.ID, ResourceName: "people/c1"})
		wantCode(t, err, crm.ECONFLICT)
		if got, _ := e.db.LinksByContact(ctx, acc.ID, []int64{c3.ID}); len(got) != 0 {
			t.Fatalf("a link of a failed batch was saved: %+v", got)
		}
		err = e.db.SaveLinks(ctx, &contactsync.Link{AccountID: acc.ID, ContactID: 99999, ResourceName: "people/zz"})
		wantCode(t, err, crm.ENOTFOUND)

		// Paging by contact id.
		l3 := mustLink(t, e.db, &contactsync.Link{AccountID: acc.ID, ContactID: c3.ID, ResourceName: "people/c3"})
		var paged []int64
		for after := int64(0); ; {
			page, err := e.db.ListLinks(ctx, acc.ID, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, l := range page {
				paged = append(paged, l.ContactID)
			}
			after = page[len(page)-1].ContactID
		}
		if !reflect.DeepEqual(paged, []int64{c1.ID, c2.ID, c3.ID}) {
			t.Fatalf("ListLinks paged %v", paged)
		}

		if err := e.db.DeleteLink(ctx, acc.ID, l3.ContactID); err != nil {
			t.Fatal(err)
		}
		if err := e.db.DeleteLink(ctx, acc.ID, l3.ContactID); err != nil {
			t.Fatalf("deleting a missing link: %v", err)
		}
		// Purging a contact drops its links, in every account.
		if err := e.db.TrashContact(ctx, e.org.ID, c1.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.PurgeTrash(ctx, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		for _, a := range []int64{acc.ID, acc2.ID} {
			if got, _ := e.db.LinksByContact(ctx, a, []int64{c1.ID, c3.ID}); len(got) != 0 {
				t.Fatalf("links left of account %d: %+v", a, got)
			}
		}
	})
}

func TestPeopleIndex(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		mustKey(t, e.db, testKey)
		acc := mustAccount(t, e.db, e.org.ID, e.user.ID, "111")
		acc2 := mustAccount(t, e.db, e.org.ID, e.user.ID, "222")
		index := func(accountID int64, people ...contactsync.IndexedPerson) {
			t.Helper()
			if err := e.db.IndexPeople(ctx, accountID, people); err != nil {
				t.Fatalf("IndexPeople: %v", err)
			}
		}
		byEmail := func(accountID int64, emails ...string) []contactsync.IndexedPerson {
			t.Helper()
			got, err := e.db.PeopleByEmail(ctx, accountID, emails)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		index(acc.ID,
			contactsync.IndexedPerson{ResourceName: "people/1", Emails: []string{" Ann@X.com", "b@x.com"}, InGroup: true},
			contactsync.IndexedPerson{ResourceName: "people/2", Emails: []string{"b@x.com"}, CRMID: 7})
		index(acc2.ID, contactsync.IndexedPerson{ResourceName: "people/1", Emails: []string{"zed@x.com"}, CRMID: 7})

		p1 := contactsync.IndexedPerson{ResourceName: "people/1", Emails: []string{"ann@x.com", "b@x.com"}, InGroup: true}
		p2 := contactsync.IndexedPerson{ResourceName: "people/2", Emails: []string{"b@x.com"}, CRMID: 7}
		for _, tc := range []struct {
			emails []string
			want   []contactsync.IndexedPerson
		}{
			{[]string{"B@X.COM"}, []contactsync.IndexedPerson{p1, p2}},
			{[]string{"ann@x.com", "b@x.com"}, []contactsync.IndexedPerson{p1, p2}},
			{[]string{"zed@x.com"}, []contactsync.IndexedPerson{}},
			{nil, []contactsync.IndexedPerson{}},
		} {
			if got := byEmail(acc.ID, tc.emails...); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("PeopleByEmail(%v) = %+v, want %+v", tc.emails, got, tc.want)
			}
		}
		got, err := e.db.PeopleByCRMID(ctx, acc.ID, []int64{7, 8})
		if err != nil || !reflect.DeepEqual(got, []contactsync.IndexedPerson{p2}) {
			t.Fatalf("PeopleByCRMID = %+v, %v", got, err)
		}

		// Re-indexing replaces a person's emails and flags; a person listed
		// twice counts as its last entry.
		index(acc.ID,
			contactsync.IndexedPerson{ResourceName: "people/1", Emails: []string{"old@x.com"}},
			contactsync.IndexedPerson{ResourceName: "people/1", Emails: []string{"c@x.com", "C@x.com"}, CRMID: 9})
		if got := byEmail(acc.ID, "ann@x.com"); len(got) != 0 {
			t.Fatalf("an old email still matches: %+v", got)
		}
		want := []contactsync.IndexedPerson{{ResourceName: "people/1", Emails: []string{"c@x.com"}, CRMID: 9}}
		if got := byEmail(acc.ID, "c@x.com"); !reflect.DeepEqual(got, want) {
			t.Fatalf("after re-index: %+v", got)
		}
		if got := byEmail(acc.ID, "b@x.com"); !reflect.DeepEqual(got, []contactsync.IndexedPerson{p2}) {
			t.Fatalf("another person changed: %+v", got)
		}
		// The other account's index is its own.
		if got := byEmail(acc2.ID, "zed@x.com"); len(got) != 1 || got[0].CRMID != 7 {
			t.Fatalf("other account: %+v", got)
		}

		// A full batch, with more rows than one statement takes.
		var batch []contactsync.IndexedPerson
		for i := range 1000 {
			batch = append(batch, contactsync.IndexedPerson{ResourceName: fmt.Sprintf("people/b%d", i),
				Emails: []string{fmt.Sprintf("b%d@x.com", i), fmt.Sprintf("b%d@y.com", i)}, CRMID: int64(1000 + i)})
		}
		index(acc.ID, batch...)
		if got := byEmail(acc.ID, "b999@y.com"); len(got) != 1 || got[0].CRMID != 1999 || len(got[0].Emails) != 2 {
			t.Fatalf("batch: %+v", got)
		}
		crmIDs := make([]int64, 1000)
		for i := range crmIDs {
			crmIDs[i] = int64(1000 + i)
		}
		if got, err := e.db.PeopleByCRMID(ctx, acc.ID, crmIDs); err != nil || len(got) != 1000 {
			t.Fatalf("PeopleByCRMID of the batch: %d, %v", len(got), err)
		}

		if err := e.db.UnindexPeople(ctx, acc.ID, []string{"people/2", "people/none"}); err != nil {
			t.Fatal(err)
		}
		if got := byEmail(acc.ID, "b@x.com"); len(got) != 0 {
			t.Fatalf("unindexed person still found: %+v", got)
		}
		if got, _ := e.db.PeopleByCRMID(ctx, acc.ID, []int64{7}); len(got) != 0 {
			t.Fatalf("unindexed person still found by CRM id: %+v", got)
		}
		wantCode(t, e.db.IndexPeople(ctx, 99999, batch[:1]), crm.ENOTFOUND)
	})
}

// TestDeleteGoogleAccountCascade checks that deleting an account removes its
// links, index, checkpoint, runs and events, and nothing of another account.
func TestDeleteGoogleAccountCascade(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		mustKey(t, e.db, testKey)
		c := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, LastName: "Kept"})
		accs := []*crm.GoogleAccount{mustAccount(t, e.db, e.org.ID, e.user.ID, "111"), mustAccount(t, e.db, e.org.ID, e.user.ID, "222")}
		for _, a := range accs {
			mustLink(t, e.db, &contactsync.Link{AccountID: a.ID, ContactID: c.ID, ResourceName: "people/1"})
			if err := e.db.IndexPeople(ctx, a.ID, []contactsync.IndexedPerson{{ResourceName: "people/1", Emails: []string{"k@x.com"}}}); err != nil {
				t.Fatal(err)
			}
			run := mustRun(t, e.db, e.org.ID, a.ID)
			if err := e.db.AddEvents(ctx, run.ID, []crm.SyncEvent{{Kind: crm.EventSkipped, ContactID: c.ID}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.db.DeleteGoogleAccount(ctx, e.org.ID, accs[0].ID); err != nil {
			t.Fatal(err)
		}
		count := func(query string, id int64) int {
			t.Helper()
			var n int
			if err := store.RawDB(e.db).QueryRowContext(ctx, query, id).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for _, q := range []string{
			`SELECT count(*) FROM google_accounts WHERE id = $1`,
			`SELECT count(*) FROM google_links WHERE account_id = $1`,
			`SELECT count(*) FROM google_people WHERE account_id = $1`,
			`SELECT count(*) FROM google_people_emails WHERE account_id = $1`,
			`SELECT count(*) FROM sync_runs WHERE account_id = $1`,
			`SELECT count(*) FROM sync_events WHERE run_id IN (SELECT id FROM sync_runs WHERE account_id = $1)`,
		} {
			if n := count(q, accs[0].ID); n != 0 {
				t.Errorf("%s: %d rows left of the deleted account", q, n)
			}
			if n := count(q, accs[1].ID); n != 1 {
				t.Errorf("%s: %d rows of the other account, want 1", q, n)
			}
		}
		if n := count(`SELECT count(*) FROM sync_events WHERE contact_id = $1`, c.ID); n != 1 {
			t.Errorf("%d events left, want the other account's 1", n)
		}
		mustFind(t, e.db, e.org.ID, c.ID)
		_, err := e.db.LoadState(ctx, accs[0].ID)
		wantCode(t, err, crm.ENOTFOUND)
	})
}

// TestMigrateFrom0001 upgrades a database made by the first release, with data
// in it, to the current schema.
func TestMigrateFrom0001(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			dsn, tsType := "sqlite:"+filepath.Join(t.TempDir(), "old.db"), "DATETIME"
			if engine == "postgres" {
				dsn, tsType = pgtest.Start(t), "timestamptz"
			}
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			initSQL, err := os.ReadFile(filepath.Join("migrations", engine, "0001_init.sql"))
			if err != nil {
				t.Fatal(err)
			}
			w := store.WriterDB(db)
			for _, stmt := range []string{string(initSQL),
				`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at ` + tsType + ` NOT NULL)`} {
				if _, err := w.ExecContext(ctx, stmt); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := w.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (1, $1)`, time.Now().UTC()); err != nil {
				t.Fatal(err)
			}
			if cur, _, err := db.SchemaVersion(ctx); err != nil || cur != 1 {
				t.Fatalf("old database at version %d, %v", cur, err)
			}
			org := mustOrg(t, db, "Acme")
			user := mustUser(t, db, org.ID, "ann@example.com", crm.RoleAdmin)
			c := mustContact(t, db, &crm.Contact{OrgID: org.ID, OwnerID: user.ID, LastName: "Old", PersonalEmail: "old@example.com"})

			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("Migrate from 0001: %v", err)
			}
			if cur, latest, err := db.SchemaVersion(ctx); err != nil || cur != latest || cur < 2 {
				t.Fatalf("after migrate: version %d of %d, %v", cur, latest, err)
			}
			mustKey(t, db, testKey)
			a := mustAccount(t, db, org.ID, user.ID, "111")
			mustLink(t, db, &contactsync.Link{AccountID: a.ID, ContactID: c.ID, ResourceName: "people/1"})
			got, err := db.ContactsByEmail(ctx, org.ID, user.ID, []string{"OLD@example.com"})
			if err != nil || len(got) != 1 || got[0].ID != c.ID {
				t.Fatalf("old contact after migrate: %v, %v", ids(got), err)
			}
		})
	}
}
