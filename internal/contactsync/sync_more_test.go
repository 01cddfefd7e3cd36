package contactsync_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
	"simplecrm/internal/googleemu"
)

// A CRM contact whose email matches a Google contact outside the group is
// linked to it and the contact joins the group: no duplicate is created.
func TestLinksToContactOutsideTheGroup(t *testing.T) {
	f := newFixture(t, "sqlite")
	outside, err := f.emu.CreateContact(f.gmail, &people.Person{
		Names:          []*people.Name{{GivenName: "Old", FamilyName: "Friend"}},
		EmailAddresses: []*people.EmailAddress{{Value: "friend@example.org", Type: "home"}},
		Biographies:    []*people.Biography{{Value: "known for years"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.crmContact(crm.Contact{FirstName: "Old", LastName: "Friend", PersonalEmail: "Friend@Example.org", MobilePhone: "06 10 10 10 10"})
	run := f.mustSync()
	all, _ := f.emu.Contacts(f.gmail)
	if len(all) != 1 || run.Counts.GoogleCreated != 0 {
		t.Fatalf("Google has %d contacts after sync (created %d), want the existing one only", len(all), run.Counts.GoogleCreated)
	}
	members := f.groupMembers()
	if len(members) != 1 || members[0].ResourceName != outside.ResourceName {
		t.Fatal("the existing Google contact did not join the group")
	}
	if v := contactsync.PersonView(members[0]); v.MobilePhone != "06 10 10 10 10" || len(members[0].Biographies) != 1 {
		t.Fatalf("linked contact not updated, or its note lost: %+v", members[0])
	}
}

// The account's scope: its user's contacts by default, the organization's
// with "all"; another organization's contacts never.
func TestScope(t *testing.T) {
	f := newFixture(t, "sqlite")
	colleague := f.mustUser("bob@acme.example")
	f.crmContact(crm.Contact{FirstName: "Mine", PersonalEmail: "mine@example.org"})
	theirs := crm.Contact{OrgID: f.org.ID, OwnerID: colleague.ID, FirstName: "Theirs", PersonalEmail: "theirs@example.org"}
	if err := f.svc.Contacts.CreateContact(f.ctx, &theirs); err != nil {
		t.Fatal(err)
	}
	other, _ := f.svc.Users.EnsureOrganization(f.ctx, "Other Org")
	stranger := &crm.User{OrgID: other.ID, Email: "eve@other.example", Role: crm.RoleAdmin, PasswordHash: "x"}
	if err := f.svc.Users.CreateUser(f.ctx, stranger); err != nil {
		t.Fatal(err)
	}
	foreign := crm.Contact{OrgID: other.ID, OwnerID: stranger.ID, FirstName: "Foreign", PersonalEmail: "foreign@example.org"}
	if err := f.svc.Contacts.CreateContact(f.ctx, &foreign); err != nil {
		t.Fatal(err)
	}

	f.mustSync()
	if emails := memberEmails(f); emails != "mine@example.org" {
		t.Fatalf("owned scope synced %q", emails)
	}
	f.acct.Scope = crm.ScopeAll
	if err := f.svc.GoogleAccounts.UpdateGoogleAccountSettings(f.ctx, f.acct); err != nil {
		t.Fatal(err)
	}
	f.mustSync()
	if emails := memberEmails(f); emails != "mine@example.org,theirs@example.org" {
		t.Fatalf("scope all synced %q (another organization's contact must never appear)", emails)
	}
}

func memberEmails(f *fixture) string {
	var out []string
	for _, p := range f.groupMembers() {
		out = append(out, contactsync.PersonView(p).PersonalEmail)
	}
	sortStrings(out)
	return strings.Join(out, ",")
}

// With "unlink only", deletions on either side only drop the link.
func TestUnlinkOnly(t *testing.T) {
	f := newFixture(t, "sqlite")
	f.acct.DeleteMode = crm.DeleteUnlink
	if err := f.svc.GoogleAccounts.UpdateGoogleAccountSettings(f.ctx, f.acct); err != nil {
		t.Fatal(err)
	}
	ours := f.crmContact(crm.Contact{FirstName: "Ours", PersonalEmail: "ours@example.org"})
	f.googleContact(person("Theirs", "G", "theirs@example.org"))
	f.mustSync()
	if err := f.svc.Contacts.TrashContact(f.ctx, f.org.ID, ours.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.emu.DeleteContact(f.gmail, byEmail(f.groupMembers(), "theirs@example.org").ResourceName); err != nil {
		t.Fatal(err)
	}
	f.mustSync()
	if byEmail(f.groupMembers(), "ours@example.org") == nil {
		t.Error("unlink only: the Google contact of a trashed CRM contact was deleted or ungrouped")
	}
	if c := crmByEmail(f.live(), "theirs@example.org"); c == nil {
		t.Error("unlink only: the CRM contact of a deleted Google contact went to the trash")
	}
}

// A revoked authorization ends the run with "reconnect needed" and touches
// nothing.
func TestRevokedTokenNeedsReconnect(t *testing.T) {
	f := newFixture(t, "sqlite")
	c := f.crmContact(crm.Contact{FirstName: "Ann", PersonalEmail: "ann@example.org"})
	full, _ := f.svc.GoogleAccounts.FindGoogleAccount(f.ctx, f.org.ID, f.acct.ID)
	f.googleClient(full) // token still fine here
	if err := revoke(f, full.RefreshToken); err != nil {
		t.Fatal(err)
	}
	run := f.sync()
	if run.Status != crm.RunFailed || !strings.Contains(run.Error, "Reconnect") {
		t.Fatalf("run = %s %q, want failed asking to reconnect", run.Status, run.Error)
	}
	a, _ := f.svc.GoogleAccounts.FindGoogleAccount(f.ctx, f.org.ID, f.acct.ID)
	if !a.ReconnectNeeded {
		t.Fatal("account not marked reconnect needed")
	}
	if got := f.find(c.ID); got.Version != c.Version || got.DeletedAt != nil {
		t.Fatal("a run without authorization touched CRM data")
	}
	if all, _ := f.emu.Contacts(f.gmail); len(all) != 0 {
		t.Fatal("a run without authorization wrote to Google")
	}
}

// Past its time budget a run stops as failed with its checkpoints kept, and
// the next run finishes the job.
func TestBudgetExhaustedResumes(t *testing.T) {
	f := newFixture(t, "sqlite")
	for i := 0; i < 3; i++ {
		f.crmContact(crm.Contact{FirstName: "C", LastName: itoa(int64(i)), PersonalEmail: "c" + itoa(int64(i)) + "@example.org"})
	}
	f.engine = contactsync.New(f.db, contactsync.Options{Budget: 50 * time.Millisecond}, nil)
	f.emu.AddFault(googleemu.Fault{Status: 503}) // until cleared
	run := f.sync()
	if run.Status != crm.RunFailed || !strings.Contains(run.Error, "resumes") {
		t.Fatalf("run = %s %q, want failed and resumable", run.Status, run.Error)
	}
	f.emu.ClearFaults()
	f.mustSync()
	assertConverged(t, f, 3)
}

func revoke(f *fixture, token string) error {
	resp, err := httpPostForm(f.emu.URL+"/revoke", "token", token)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// When the Google account is full, the run says how many contacts were not
// created, and creates them once there is room.
func TestContactLimitReported(t *testing.T) {
	f := newFixture(t, "sqlite")
	f.emu.Configure(func(o *googleemu.Options) { o.MaxContacts = 3 })
	for i := 0; i < 5; i++ {
		f.crmContact(crm.Contact{FirstName: "C", LastName: itoa(int64(i)), PersonalEmail: "c" + itoa(int64(i)) + "@example.org"})
	}
	run := f.sync()
	if run.Status != crm.RunFailed || !strings.Contains(run.Error, "contact limit") || !strings.Contains(run.Error, "5 contacts were not created") ||
		run.Counts.Skipped != 5 {
		t.Fatalf("run %s %q, skipped %d: want the limit reported with the count", run.Status, run.Error, run.Counts.Skipped)
	}
	f.emu.Configure(func(o *googleemu.Options) { o.MaxContacts = 100 })
	f.mustSync() // the checkpoint stayed before the refused contacts

	assertConverged(t, f, 5)
}

// Two contacts matched by email at their first sync have no earlier state:
// the event says their values differ, not that both sides changed them.
func TestFirstSyncDifferenceWording(t *testing.T) {
	f := newFixture(t, "sqlite")
	bob := f.crmContact(crm.Contact{FirstName: "Bob", LastName: "Stone", PersonalEmail: "bob@example.org"})
	f.emu.Advance(time.Minute) // Google's contact is the newer one
	f.googleContact(person("Robert", "Stone", "bob@example.org"))
	run := f.mustSync()
	events, _ := f.svc.SyncRuns.ListSyncEvents(f.ctx, run.ID, 100)
	want := `First name differs between the CRM ("Bob") and Google ("Robert") at their first sync: kept the Google value, modified last.`
	var got []string
	for _, e := range events {
		if e.Kind == crm.EventConflict && e.ContactID == bob.ID {
			got = append(got, e.Message)
		}
	}
	if len(got) != 1 || got[0] != want {
		t.Errorf("conflict events %q, want [%q]", got, want)
	}
}
