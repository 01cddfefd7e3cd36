package contactsync_test

import (
	"testing"
	"time"

	"simplecrm/internal/crm"
	"simplecrm/internal/googleemu"
)

// Google shows writes to incremental listings only after a propagation delay
// (people-api.md §3, §15 item 3): our own writes come back in a later run,
// not the next one. Neither the run before the echo nor the run that meets it
// may write anything (DESIGN.md §3 "Echo and idempotence").
func TestEchoAfterPropagationDelayWritesNothing(t *testing.T) {
	f := newFixture(t, "sqlite")
	f.emu.Configure(func(o *googleemu.Options) { o.SyncPropagationDelay = 30 * time.Second })
	ann := f.crmContact(crm.Contact{FirstName: "Ann", LastName: "Lee", PersonalEmail: "ann@example.org",
		Employments: []crm.Employment{{CompanyName: "Blue Bakery", Function: "Baker"}}})
	f.googleContact(person("Max", "Moe", "max@example.org"))
	f.mustSync()
	f.emu.Advance(time.Minute)

	// Edits on both sides: the run writes them across (our writes to Google
	// are within the delay), and the runs after must write nothing.
	f.edit(ann.ID, func(c *crm.Contact) { c.MobilePhone = "06 12 34 56 78" })
	g := byEmail(f.groupMembers(), "max@example.org")
	g.Names[0].GivenName = "Maxime"
	if _, err := f.emu.UpdateContact(f.gmail, g, "names"); err != nil {
		t.Fatal(err)
	}
	f.emu.Advance(time.Minute) // Google's edit is past the delay, ours will not be
	if run := f.mustSync(); run.Counts.GoogleUpdated != 1 || run.Counts.CRMUpdated != 1 {
		t.Fatalf("edits not carried across: %+v", run.Counts)
	}
	for _, step := range []time.Duration{0, time.Minute} {
		f.emu.Advance(step) // the second time, our writes echo back
		f.assertNoWrites()
	}
	assertConverged(t, f, 2)
}

// Both sides change the same field; the CRM's change is the later one: the
// CRM's value wins on both sides and the run reports the conflict (DESIGN.md
// §3 "Conflicts"; merge_test.go covers the rule itself).
func TestConflictCRMModifiedLastWins(t *testing.T) {
	f := newFixture(t, "sqlite")
	ann := f.crmContact(crm.Contact{FirstName: "Ann", LastName: "Lee", PersonalEmail: "ann@example.org"})
	f.mustSync()
	g := byEmail(f.groupMembers(), "ann@example.org")
	f.emu.Advance(-time.Minute) // Google's edit is a minute older than the CRM's
	g.Names[0].FamilyName = "FromGoogle"
	if _, err := f.emu.UpdateContact(f.gmail, g, "names"); err != nil {
		t.Fatal(err)
	}
	f.edit(ann.ID, func(c *crm.Contact) { c.LastName = "FromCRM" })
	run := f.mustSync()

	if got := f.find(ann.ID).LastName; got != "FromCRM" {
		t.Errorf("CRM last name = %q, want the CRM's later value", got)
	}
	if p, _ := f.emu.Contact(f.gmail, g.ResourceName); p.Names[0].FamilyName != "FromCRM" {
		t.Errorf("Google last name = %q, want the CRM's later value", p.Names[0].FamilyName)
	}
	events, _ := f.svc.SyncRuns.ListSyncEvents(f.ctx, run.ID, 100)
	if run.Counts.Conflicts != 1 || !hasEvent(events, crm.EventConflict, ann.ID) {
		t.Errorf("conflicts = %d, events %+v", run.Counts.Conflicts, events)
	}
	f.assertNoWrites()
}
