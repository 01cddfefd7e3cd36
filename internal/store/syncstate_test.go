package store_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
	"simplecrm/internal/store"
)

func ids(cs []*crm.Contact) []int64 {
	out := []int64{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func TestContactsChangedSince(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		bob := mustUser(t, e.db, e.org.ID, "bob@example.com", crm.RoleMember)
		a := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, OwnerID: e.user.ID, LastName: "A",
			Employments: []crm.Employment{{CompanyName: "Globex", WorkEmail: "a@globex.com", Primary: true}}})
		b := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, OwnerID: bob.ID, LastName: "B"})
		c := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, OwnerID: e.user.ID, LastName: "C"})
		mustContact(t, e.db, &crm.Contact{OrgID: e.other.ID, OwnerID: e.ouser.ID, LastName: "Other"})
		// Editing a after c puts it last; trashing c keeps it, trashed.
		a.FirstName = "Ann"
		if err := e.db.UpdateContact(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := e.db.TrashContact(ctx, e.org.ID, c.ID); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name         string
			owner, after int64
			limit        int
			want         []int64
		}{
			{"everything", 0, 0, 100, []int64{b.ID, a.ID, c.ID}},
			{"owned", e.user.ID, 0, 100, []int64{a.ID, c.ID}},
			{"other owner", bob.ID, 0, 100, []int64{b.ID}},
			{"limit", 0, 0, 2, []int64{b.ID, a.ID}},
			{"after", 0, b.Version, 100, []int64{a.ID, c.ID}},
			{"nothing new", 0, 1 << 40, 100, []int64{}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := e.db.ContactsChangedSince(ctx, e.org.ID, tc.owner, tc.after, tc.limit)
				if err != nil || !reflect.DeepEqual(ids(got), tc.want) {
					t.Fatalf("got %v, %v; want %v", ids(got), err, tc.want)
				}
				for i := 1; i < len(got); i++ {
					if got[i].Version < got[i-1].Version {
						t.Fatalf("not in version order: %v", ids(got))
					}
				}
			})
		}
		got, _ := e.db.ContactsChangedSince(ctx, e.org.ID, 0, 0, 100)
		if got[1].FirstName != "Ann" || len(got[1].Employments) != 1 || got[1].Employments[0].WorkEmail != "a@globex.com" ||
			got[2].DeletedAt == nil || got[1].OwnerEmail != "ann@example.com" {
			t.Fatalf("contacts not complete: %+v %+v", got[1], got[2])
		}

		// A company rename restamps its employees with one version: a page
		// never ends inside such a group.
		var staff []*crm.Contact
		for i := range 3 {
			staff = append(staff, mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, OwnerID: e.user.ID,
				LastName: fmt.Sprint("Staff", i), Employments: []crm.Employment{{CompanyName: "Initech"}}}))
		}
		before := staff[2].Version
		co := &crm.Company{OrgID: e.org.ID, ID: staff[0].Employments[0].CompanyID, Name: "Initrode"}
		if err := e.db.UpdateCompany(ctx, co); err != nil {
			t.Fatal(err)
		}
		page, err := e.db.ContactsChangedSince(ctx, e.org.ID, e.user.ID, before, 2)
		if err != nil || len(page) != 3 || page[0].Version != page[2].Version || page[0].Employments[0].CompanyName != "Initrode" {
			t.Fatalf("a page cut a version group: %v, %v", ids(page), err)
		}
		if rest, _ := e.db.ContactsChangedSince(ctx, e.org.ID, e.user.ID, page[2].Version, 2); len(rest) != 0 {
			t.Fatalf("after the group: %v", ids(rest))
		}
	})
}

func TestContactsByEmail(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		bob := mustUser(t, e.db, e.org.ID, "bob@example.com", crm.RoleMember)
		// The older contact has the higher id: order is by creation time.
		now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		store.SetClock(e.db, func() time.Time { return now })
		personal := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, OwnerID: e.user.ID, LastName: "Personal",
			PersonalEmail: "Ann@Example.com"})
		now = now.Add(-time.Hour)
		work := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, OwnerID: bob.ID, LastName: "Work",
			Employments: []crm.Employment{{CompanyName: "Old", WorkEmail: "x@old.com"}, {CompanyName: "Globex", WorkEmail: "ANN@example.com", Primary: true}}})
		now = now.Add(2 * time.Hour)
		both := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, OwnerID: e.user.ID, LastName: "Both",
			PersonalEmail: "carol@home.org", Employments: []crm.Employment{{CompanyName: "Globex", WorkEmail: "carol@globex.com"}}})
		trashed := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, OwnerID: e.user.ID, LastName: "Trashed", PersonalEmail: "dan@example.com"})
		if err := e.db.TrashContact(ctx, e.org.ID, trashed.ID); err != nil {
			t.Fatal(err)
		}
		mustContact(t, e.db, &crm.Contact{OrgID: e.other.ID, LastName: "Other", PersonalEmail: "ann@example.com"})

		long := make([]string, 0, 1300)
		for i := range 1299 {
			long = append(long, fmt.Sprintf("nobody%d@example.com", i))
		}
		long = append(long, "carol@globex.com")
		for _, tc := range []struct {
			name   string
			owner  int64
			emails []string
			want   []int64
		}{
			{"personal and work, oldest first", 0, []string{" ann@EXAMPLE.com "}, []int64{work.ID, personal.ID}},
			{"owned", e.user.ID, []string{"ann@example.com"}, []int64{personal.ID}},
			{"other owner", bob.ID, []string{"ann@example.com"}, []int64{work.ID}},
			{"non-primary employment", 0, []string{"X@OLD.COM"}, []int64{work.ID}},
			{"two emails of one contact", 0, []string{"carol@home.org", "carol@globex.com"}, []int64{both.ID}},
			{"trashed left out", 0, []string{"dan@example.com"}, []int64{}},
			{"none", 0, nil, []int64{}},
			{"empty email", 0, []string{"", " "}, []int64{}},
			{"long list", 0, long, []int64{both.ID}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := e.db.ContactsByEmail(ctx, e.org.ID, tc.owner, tc.emails)
				if err != nil || !reflect.DeepEqual(ids(got), tc.want) {
					t.Fatalf("got %v, %v; want %v", ids(got), err, tc.want)
				}
			})
		}
		got, _ := e.db.ContactsByEmail(ctx, e.org.ID, bob.ID, []string{"ann@example.com"})
		if len(got[0].Employments) != 2 {
			t.Fatalf("employments not loaded: %+v", got[0])
		}
	})
}

func TestFindContacts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		a := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, LastName: "A", Employments: []crm.Employment{{CompanyName: "Globex"}}})
		b := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, LastName: "B"})
		o := mustContact(t, e.db, &crm.Contact{OrgID: e.other.ID, LastName: "O"})
		if err := e.db.TrashContact(ctx, e.org.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		got, err := e.db.FindContacts(ctx, e.org.ID, []int64{b.ID, 99999, o.ID, a.ID})
		if err != nil || !reflect.DeepEqual(ids(got), []int64{a.ID, b.ID}) {
			t.Fatalf("FindContacts = %v, %v", ids(got), err)
		}
		if len(got[0].Employments) != 1 || got[1].DeletedAt == nil {
			t.Fatalf("contacts not complete: %+v %+v", got[0], got[1])
		}
		if got, err := e.db.FindContacts(ctx, e.org.ID, nil); err != nil || len(got) != 0 {
			t.Fatalf("no ids: %v, %v", got, err)
		}
	})
}

func TestSyncState(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		mustKey(t, e.db, testKey)
		a := mustAccount(t, e.db, e.org.ID, e.user.ID, "111")
		s, err := e.db.LoadState(ctx, a.ID)
		if err != nil || s != (contactsync.State{}) {
			t.Fatalf("new account's state: %+v, %v", s, err)
		}
		want := contactsync.State{CRMVersion: 42, SyncToken: "EgYI", GroupResource: "contactGroups/abc", GroupName: "Clients"}
		if err := e.db.SaveState(ctx, a.ID, want); err != nil {
			t.Fatal(err)
		}
		if s, err := e.db.LoadState(ctx, a.ID); err != nil || s != want {
			t.Fatalf("LoadState = %+v, %v", s, err)
		}
		// A reconnect keeps the checkpoint.
		mustAccount(t, e.db, e.org.ID, e.user.ID, "111")
		if s, _ := e.db.LoadState(ctx, a.ID); s != want {
			t.Fatalf("after reconnect: %+v", s)
		}
		_, err = e.db.LoadState(ctx, 99999)
		wantCode(t, err, crm.ENOTFOUND)
		wantCode(t, e.db.SaveState(ctx, 99999, want), crm.ENOTFOUND)
	})
}

// FollowGroupRename changes the group-name setting only while it is still
// the name the engine saw, and keeps the checkpoint (unlike a settings
// change, which starts the sync over).
func TestFollowGroupRename(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		mustKey(t, e.db, testKey)
		a := mustAccount(t, e.db, e.org.ID, e.user.ID, "111")
		st := contactsync.State{CRMVersion: 42, SyncToken: "EgYI", GroupResource: "contactGroups/abc", GroupName: "SimpleCRM"}
		if err := e.db.SaveState(ctx, a.ID, st); err != nil {
			t.Fatal(err)
		}
		if ok, err := e.db.FollowGroupRename(ctx, a.ID, "SimpleCRM", "Clients"); err != nil || !ok {
			t.Fatalf("FollowGroupRename = %v, %v", ok, err)
		}
		got, err := e.db.FindGoogleAccount(ctx, e.org.ID, a.ID)
		if err != nil || got.GroupName != "Clients" {
			t.Fatalf("group name %q, %v; want Clients", got.GroupName, err)
		}
		if s, _ := e.db.LoadState(ctx, a.ID); s != st {
			t.Fatalf("checkpoint changed: %+v", s)
		}
		// A setting changed in the CRM meanwhile wins.
		if ok, err := e.db.FollowGroupRename(ctx, a.ID, "SimpleCRM", "Friends"); err != nil || ok {
			t.Fatalf("FollowGroupRename = %v, %v; want no change", ok, err)
		}
		if got, _ := e.db.FindGoogleAccount(ctx, e.org.ID, a.ID); got.GroupName != "Clients" {
			t.Fatalf("group name %q; want Clients kept", got.GroupName)
		}
	})
}

// Migration 0008 fills in the seen group name of accounts that remember a
// group: until then a run used the group only while it had the setting's name.
func TestGroupSeenNameMigration(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		mustKey(t, e.db, testKey)
		synced := mustAccount(t, e.db, e.org.ID, e.user.ID, "111")
		fresh := mustAccount(t, e.db, e.org.ID, e.user.ID, "222")
		if err := e.db.SaveState(ctx, synced.ID, contactsync.State{GroupResource: "contactGroups/abc"}); err != nil {
			t.Fatal(err)
		}
		w := store.WriterDB(e.db)
		for _, q := range []string{`ALTER TABLE google_accounts DROP COLUMN group_seen_name`,
			`DELETE FROM schema_migrations WHERE version = 8`} {
			if _, err := w.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if s, _ := e.db.LoadState(ctx, synced.ID); s.GroupName != synced.GroupName || s.GroupName == "" {
			t.Errorf("synced account: seen name %q, want %q", s.GroupName, synced.GroupName)
		}
		if s, _ := e.db.LoadState(ctx, fresh.ID); s.GroupName != "" {
			t.Errorf("account never synced: seen name %q", s.GroupName)
		}
	})
}
