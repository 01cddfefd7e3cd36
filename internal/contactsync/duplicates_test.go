package contactsync_test

import (
	"testing"
	"time"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
)

// Google contacts of the group sharing an email with each other, or with a
// CRM contact: one is linked (the least recently modified), the others are
// reported as duplicate_email and not imported, so the CRM never ends up with
// a duplicate (DESIGN.md §3).
func TestGoogleDuplicateEmails(t *testing.T) {
	f := newFixture(t, "sqlite")
	ann := f.crmContact(crm.Contact{FirstName: "Ann", LastName: "Lee", PersonalEmail: "ann@example.org"})
	first := f.googleContact(person("Ann", "Lee", "ann@example.org"))
	bob := f.googleContact(person("Bob", "Ray", "bob@example.org"))
	f.emu.Advance(time.Second)
	f.googleContact(person("Annie", "Lee", "ANN@example.org"))
	f.googleContact(person("Bobby", "Ray", "bob@example.org"))
	run := f.mustSync()

	live := f.live()
	if len(live) != 2 {
		t.Fatalf("CRM has %d contacts, want Ann and Bob once each", len(live))
	}
	if got := f.linkName(ann.ID); got != first.ResourceName {
		t.Errorf("Ann linked to %q, want the older Google contact %q", got, first.ResourceName)
	}
	if b := crmByEmail(live, "bob@example.org"); b == nil || b.FirstName != "Bob" || f.linkName(b.ID) != bob.ResourceName {
		t.Errorf("Bob imported from the newer Google contact: %+v", b)
	}
	events, _ := f.svc.SyncRuns.ListSyncEvents(f.ctx, run.ID, 100)
	if run.Counts.Duplicates != 2 || !hasEvent(events, crm.EventDuplicateEmail, ann.ID) {
		t.Fatalf("duplicates = %d, events %+v", run.Counts.Duplicates, events)
	}
	if all, _ := f.emu.Contacts(f.gmail); len(all) != 4 {
		t.Fatalf("Google holds %d contacts, want all 4 kept", len(all))
	}

	// Later runs change nothing; a full listing neither.
	f.emu.ExpireSyncTokens()
	f.emu.ResetRequests()
	f.mustSync()
	if n := len(f.live()); n != 2 {
		t.Fatalf("after a full listing the CRM has %d contacts", n)
	}
	if w := f.writes(); w != 0 {
		t.Errorf("%d writes: %v", w, f.emu.RequestCounts())
	}
}

// When the synchronized one of Google contacts sharing an email goes, the one
// that waited as a duplicate takes its place, although it did not change.
func TestGoogleDuplicateTakesOver(t *testing.T) {
	for _, deleted := range []bool{false, true} {
		f := newFixture(t, "sqlite")
		first := f.googleContact(person("Ann", "Lee", "ann@example.org"))
		f.emu.Advance(time.Second)
		second := f.googleContact(person("Annie", "Lee", "ann@example.org"))
		f.mustSync()
		ann := crmByEmail(f.live(), "ann@example.org")
		if ann == nil || f.linkName(ann.ID) != first.ResourceName {
			t.Fatalf("Ann not linked to the older Google contact")
		}
		if deleted {
			// Deleted in Google: Ann goes to the trash; Annie is imported.
			if err := f.emu.DeleteContact(f.gmail, first.ResourceName); err != nil {
				t.Fatal(err)
			}
		} else if err := f.emu.ModifyGroupMembers(f.gmail, f.groupResource(), nil, []string{first.ResourceName}); err != nil {
			t.Fatal(err)
		}
		f.mustSync()
		live := f.live()
		if len(live) != 1 || f.linkName(live[0].ID) != second.ResourceName {
			t.Fatalf("deleted %v: CRM has %d contacts; want one, linked to the waiting Google contact", deleted, len(live))
		}
		if deleted != (live[0].ID != ann.ID) {
			t.Errorf("deleted %v: the waiting Google contact took contact %d (Ann is %d)", deleted, live[0].ID, ann.ID)
		}
		members := f.groupMembers()
		if len(members) != 1 || contactsync.PersonView(members[0]).FirstName != f.find(live[0].ID).FirstName {
			t.Errorf("deleted %v: group and CRM disagree", deleted)
		}
	}
}
