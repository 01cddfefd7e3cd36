package contactsync_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
)

func (f *fixture) groupResource() string {
	f.t.Helper()
	g := f.groupNamed("SimpleCRM")
	if g == nil {
		f.t.Fatal("no SimpleCRM group")
	}
	return g.ResourceName
}

func (f *fixture) unlinkOnly() {
	f.t.Helper()
	f.acct.DeleteMode = crm.DeleteUnlink
	if err := f.svc.GoogleAccounts.UpdateGoogleAccountSettings(f.ctx, f.acct); err != nil {
		f.t.Fatal(err)
	}
}

// A Google contact removed from the group stays out of sync: a later CRM
// edit does not put it back (it used to, matched by email like any unlinked
// contact). Adding it to the group again brings the pair back.
func TestRemovedFromGroupStaysOut(t *testing.T) {
	f := newFixture(t, "sqlite")
	ann := f.crmContact(crm.Contact{FirstName: "Ann", LastName: "Lee", PersonalEmail: "ann@example.org"})
	f.mustSync()
	g := byEmail(f.groupMembers(), "ann@example.org")
	if err := f.emu.ModifyGroupMembers(f.gmail, f.groupResource(), nil, []string{g.ResourceName}); err != nil {
		t.Fatal(err)
	}
	f.mustSync()
	f.edit(ann.ID, func(c *crm.Contact) { c.LastName = "Leigh" })
	f.mustSync()
	if byEmail(f.groupMembers(), "ann@example.org") != nil {
		t.Fatal("a CRM edit put the Google contact removed from the group back into it")
	}
	if p, _ := f.emu.Contact(f.gmail, g.ResourceName); p == nil || p.Names[0].FamilyName != "Lee" {
		t.Fatalf("the Google contact out of the group was updated: %+v", p)
	}
	if all, _ := f.emu.Contacts(f.gmail); countEmail(all, "ann@example.org") != 1 {
		t.Fatal("a second Google contact was created")
	}

	// The way back: the Google contact joins the group again.
	if err := f.emu.ModifyGroupMembers(f.gmail, f.groupResource(), []string{g.ResourceName}, nil); err != nil {
		t.Fatal(err)
	}
	f.mustSync()
	if got := f.linkName(ann.ID); got != g.ResourceName {
		t.Fatalf("back in the group: link = %q, want %q", got, g.ResourceName)
	}
	assertConverged(t, f, 1)
	f.edit(ann.ID, func(c *crm.Contact) { c.FirstName = "Anne" })
	f.mustSync()
	if p, _ := f.emu.Contact(f.gmail, g.ResourceName); p.Names[0].GivenName != "Anne" {
		t.Fatalf("relinked contact not synchronized: %+v", p.Names[0])
	}
}

// "Unlink only" and a contact deleted in Google: the next CRM edit does not
// create it again. A Google contact with its email joining the group brings
// the pair back.
func TestUnlinkOnlyGoogleDeletionStays(t *testing.T) {
	f := newFixture(t, "sqlite")
	f.unlinkOnly()
	ann := f.crmContact(crm.Contact{FirstName: "Ann", LastName: "Lee", PersonalEmail: "ann@example.org"})
	f.mustSync()
	if err := f.emu.DeleteContact(f.gmail, byEmail(f.groupMembers(), "ann@example.org").ResourceName); err != nil {
		t.Fatal(err)
	}
	f.mustSync()
	f.edit(ann.ID, func(c *crm.Contact) { c.LastName = "Leigh" })
	if run := f.mustSync(); run.Counts.GoogleCreated != 0 {
		t.Fatalf("a CRM edit re-created the contact deleted in Google (%+v)", run.Counts)
	}
	if all, _ := f.emu.Contacts(f.gmail); countEmail(all, "ann@example.org") != 0 {
		t.Fatal("the contact deleted in Google exists again")
	}

	// The way back: a Google contact with its email joins the group.
	f.googleContact(person("Ann", "Leigh", "ann@example.org"))
	f.mustSync()
	if f.linkName(ann.ID) == "" {
		t.Fatal("a Google contact with its email joined the group: the contact is still unlinked")
	}
	assertConverged(t, f, 1)
}

// trashedWithUnlinkOnly syncs a Google contact into the CRM on an "unlink
// only" account, trashes it in the CRM and syncs again.
func trashedWithUnlinkOnly(t *testing.T) (*fixture, *crm.Contact) {
	f := newFixture(t, "sqlite")
	f.unlinkOnly()
	f.googleContact(person("Theirs", "G", "theirs@example.org"))
	f.mustSync()
	theirs := crmByEmail(f.live(), "theirs@example.org")
	if err := f.svc.Contacts.TrashContact(f.ctx, f.org.ID, theirs.ID); err != nil {
		t.Fatal(err)
	}
	f.mustSync()
	return f, theirs
}

// "Unlink only" and a contact trashed in the CRM: the next Google edit does
// not import a second copy while the original is in the trash. Restoring it
// brings the pair back.
func TestUnlinkOnlyCRMTrashStays(t *testing.T) {
	f, theirs := trashedWithUnlinkOnly(t)
	g := byEmail(f.groupMembers(), "theirs@example.org")
	g.Names[0].GivenName = "Their"
	if _, err := f.emu.UpdateContact(f.gmail, g, "names"); err != nil {
		t.Fatal(err)
	}
	if run := f.mustSync(); run.Counts.CRMCreated != 0 || crmByEmail(f.live(), "theirs@example.org") != nil {
		t.Fatalf("a Google edit imported a second copy of a contact in the CRM trash (%+v)", run.Counts)
	}

	// The way back: restore from the trash.
	if err := f.svc.Contacts.RestoreContact(f.ctx, f.org.ID, theirs.ID); err != nil {
		t.Fatal(err)
	}
	f.mustSync()
	if got := f.linkName(theirs.ID); got != g.ResourceName {
		t.Fatalf("restored contact linked to %q, want %q", got, g.ResourceName)
	}
	assertConverged(t, f, 1)
}

// The Google contact of a CRM contact trashed with "unlink only" stays out
// of sync under a new resource name too (Google renamed it): no copy is
// imported while the CRM contact is in the trash.
func TestUnlinkOnlyCRMTrashStaysAfterRename(t *testing.T) {
	f, _ := trashedWithUnlinkOnly(t)
	f.rename("theirs@example.org")
	if run := f.mustSync(); run.Counts.CRMCreated != 0 || crmByEmail(f.live(), "theirs@example.org") != nil {
		t.Fatalf("a renamed Google contact imported a second copy of a contact in the CRM trash (%+v)", run.Counts)
	}
}

// A Google contact deleted in Google trashes its CRM contact; when Google
// gives it back (restored from Google's trash: the same data, clientData
// included, under a new resource name), the CRM contact comes out of the
// trash and is linked again, instead of a copy being imported.
func TestGoogleRestoredContactComesBack(t *testing.T) {
	f := newFixture(t, "sqlite")
	ann := f.crmContact(crm.Contact{FirstName: "Ann", LastName: "Lee", PersonalEmail: "ann@example.org"})
	f.mustSync()
	g := byEmail(f.groupMembers(), "ann@example.org")
	if err := f.emu.DeleteContact(f.gmail, g.ResourceName); err != nil {
		t.Fatal(err)
	}
	if run := f.mustSync(); run.Counts.CRMDeleted != 1 || f.find(ann.ID).DeletedAt == nil {
		t.Fatalf("deleted in Google: want the CRM contact in the trash, counts %+v", run.Counts)
	}
	back := &people.Person{Names: g.Names, EmailAddresses: g.EmailAddresses, ClientData: g.ClientData,
		Memberships: g.Memberships}
	restored, err := f.emu.CreateContact(f.gmail, back)
	if err != nil {
		t.Fatal(err)
	}
	run := f.mustSync()
	if run.Counts.CRMCreated != 0 || f.find(ann.ID).DeletedAt != nil {
		t.Fatalf("restored in Google: want the CRM contact out of the trash, no import; counts %+v", run.Counts)
	}
	if got := f.linkName(ann.ID); got != restored.ResourceName {
		t.Errorf("link = %q, want %q", got, restored.ResourceName)
	}
	if n := len(f.live()); n != 1 {
		t.Errorf("%d live CRM contacts, want 1", n)
	}
	f.emu.ResetRequests()
	if run := f.mustSync(); f.writes() != 0 || run.Counts != (crm.SyncCounts{}) {
		t.Errorf("the sync after: %d writes, counts %+v", f.writes(), run.Counts)
	}
}

// purgingGoogle purges the CRM trash while the run reads Google contacts
// back: a contact deleted for good in the middle of a run.
type purgingGoogle struct {
	contactsync.Google
	purge func()
}

func (g purgingGoogle) BatchGet(ctx context.Context, names []string) (map[string]*people.Person, error) {
	g.purge()
	return g.Google.BatchGet(ctx, names)
}

// A CRM contact purged for good while the run handles its Google
// deletion is simply gone: the run does not fail on it.
func TestGoogleDeletionOfAPurgedContact(t *testing.T) {
	f := newFixture(t, "sqlite")
	ann := f.crmContact(crm.Contact{FirstName: "Ann", PersonalEmail: "ann@example.org"})
	f.mustSync()
	if err := f.emu.DeleteContact(f.gmail, byEmail(f.groupMembers(), "ann@example.org").ResourceName); err != nil {
		t.Fatal(err)
	}
	run := f.runWith(func(g contactsync.Google) contactsync.Google {
		return purgingGoogle{Google: g, purge: func() {
			if err := f.svc.Contacts.TrashContact(f.ctx, f.org.ID, ann.ID); err != nil {
				t.Error(err)
			}
			if _, err := f.db.PurgeTrash(f.ctx, time.Now().Add(time.Hour)); err != nil {
				t.Error(err)
			}
		}}
	})
	if run.Status != crm.RunSucceeded {
		t.Fatalf("run %s: %s", run.Status, run.Error)
	}
	f.assertNoWrites()
}
