package contactsync_test

import (
	"strings"
	"testing"

	"simplecrm/internal/crm"
	"simplecrm/internal/googleemu"
)

// A group made with the legacy Contacts API may be missing from
// contactGroups.list (people-api.md §15 item 15): creating it again is a 409.
// The engine finds it through its members' memberships, then remembers it
// and reads it directly on later runs.
func TestGroupMissingFromList(t *testing.T) {
	f := newFixture(t, "sqlite")
	legacy, err := f.emu.EnsureGroup(f.gmail, "SimpleCRM")
	if err != nil {
		t.Fatal(err)
	}
	f.googleContact(person("Old", "Member", "old@example.org"))
	f.emu.Configure(func(o *googleemu.Options) { o.UnlistedGroups = []string{"SimpleCRM"} })
	f.crmContact(crm.Contact{FirstName: "Ann", PersonalEmail: "ann@example.org"})
	f.mustSync()
	if st, err := f.db.LoadState(f.ctx, f.acct.ID); err != nil || st.GroupResource != legacy.ResourceName {
		t.Fatalf("remembered group = %q, %v; want %s", st.GroupResource, err, legacy.ResourceName)
	}
	assertConverged(t, f, 2)
	if groups, _ := f.emu.Groups(f.gmail); len(groups) != 3 {
		t.Fatalf("%d groups: want myContacts, starred and the legacy group only", len(groups))
	}

	f.emu.ResetRequests()
	f.mustSync()
	if n := f.emu.Calls("contactGroups.list") + f.emu.Calls("contactGroups.create"); n != 0 {
		t.Errorf("later run listed or created groups (%d calls) instead of reading the remembered one", n)
	}
	if w := f.writes(); w != 0 {
		t.Errorf("no-op run wrote %d times", w)
	}
}

// A legacy group nobody belongs to cannot be found: the run says what to do
// and creates nothing.
func TestGroupMissingFromListAndEmpty(t *testing.T) {
	f := newFixture(t, "sqlite")
	if _, err := f.emu.EnsureGroup(f.gmail, "SimpleCRM"); err != nil {
		t.Fatal(err)
	}
	f.emu.Configure(func(o *googleemu.Options) { o.UnlistedGroups = []string{"SimpleCRM"} })
	f.crmContact(crm.Contact{FirstName: "Ann", PersonalEmail: "ann@example.org"})
	run := f.sync()
	if run.Status != crm.RunFailed || !strings.Contains(run.Error, "Rename that group") {
		t.Fatalf("run %s: %q", run.Status, run.Error)
	}
	if all, _ := f.emu.Contacts(f.gmail); len(all) != 0 {
		t.Fatalf("%d Google contacts created without a group", len(all))
	}
}
