package contactsync_test

import (
	"strings"
	"testing"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
	"simplecrm/internal/google"
)

// The account's group changed in Google (renamed, deleted) or in the CRM
// settings between two runs (docs/sync.md, "What is synchronized"). Google
// is changed over HTTP through the People API, as a phone would.

// peopleService is a People API client of the fixture's account.
func (f *fixture) peopleService() *people.Service {
	f.t.Helper()
	cfg := google.Config{ClientID: "test", ClientSecret: "test", AuthURL: f.emu.URL + "/o/oauth2/v2/auth",
		TokenURL: f.emu.URL + "/token", RevokeURL: f.emu.URL + "/revoke", APIURL: f.emu.APIURL()}
	svc, err := cfg.People(f.ctx, f.acct.RefreshToken)
	if err != nil {
		f.t.Fatal(err)
	}
	return svc
}

// groupNamed returns the account's user group called name in Google.
func (f *fixture) groupNamed(name string) *people.ContactGroup {
	f.t.Helper()
	groups, err := f.emu.Groups(f.gmail)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, g := range groups {
		if g.Name == name && g.GroupType == "USER_CONTACT_GROUP" {
			return g
		}
	}
	return nil
}

// membersOf returns the Google contacts in group rn.
func (f *fixture) membersOf(rn string) []*people.Person {
	f.t.Helper()
	all, err := f.emu.Contacts(f.gmail)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []*people.Person
	for _, p := range all {
		for _, m := range p.Memberships {
			if m.ContactGroupMembership != nil && m.ContactGroupMembership.ContactGroupResourceName == rn {
				out = append(out, p)
			}
		}
	}
	return out
}

func (f *fixture) renameGroup(rn, name string) {
	f.t.Helper()
	_, err := f.peopleService().ContactGroups.Update(rn, &people.UpdateContactGroupRequest{
		ContactGroup: &people.ContactGroup{Name: name}}).Context(f.ctx).Do()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) links() []*contactsync.Link {
	f.t.Helper()
	ls, err := f.db.ListLinks(f.ctx, f.acct.ID, 0, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	return ls
}

func (f *fixture) groupSetting() string {
	f.t.Helper()
	a, err := f.svc.GoogleAccounts.FindGoogleAccount(f.ctx, f.org.ID, f.acct.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return a.GroupName
}

func groupEvents(t *testing.T, f *fixture, run *crm.SyncRun) []string {
	t.Helper()
	events, err := f.svc.SyncRuns.ListSyncEvents(f.ctx, run.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range events {
		if e.Kind == crm.EventGroup {
			out = append(out, e.Message)
		}
	}
	return out
}

// groupRenameSetup syncs two CRM contacts and one Google contact, then
// renames the SimpleCRM group to Clients in Google.
func groupRenameSetup(t *testing.T, engine string) (*fixture, *people.ContactGroup) {
	f := newFixture(t, engine)
	f.crmContact(crm.Contact{FirstName: "Ann", LastName: "Crm", PersonalEmail: "ann@example.org"})
	f.crmContact(crm.Contact{FirstName: "Bob", LastName: "Crm", PersonalEmail: "bob@example.org"})
	f.googleContact(person("Cid", "Google", "cid@example.org"))
	f.mustSync()
	if n := len(f.links()); n != 3 {
		t.Fatalf("%d links after the first sync, want 3", n)
	}
	g := f.groupNamed("SimpleCRM")
	f.renameGroup(g.ResourceName, "Clients")
	return f, g
}

// A person renames the group in Google (the label on their phone): the next
// run keeps syncing it, with every link, and the setting takes the new name.
func TestGroupRenamedInGoogleIsFollowed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f, g := groupRenameSetup(t, engine)
		f.crmContact(crm.Contact{FirstName: "Dan", LastName: "Crm", PersonalEmail: "dan@example.org"})
		f.emu.ResetRequests()
		run := f.mustSync()

		if n := f.emu.Calls("contactGroups.create"); n != 0 {
			t.Errorf("%d groups created; want the renamed group followed", n)
		}
		if f.groupNamed("SimpleCRM") != nil {
			t.Error("a new SimpleCRM group exists")
		}
		if n := len(f.links()); n != 4 {
			t.Errorf("%d links, want 4 (the 3 kept and Dan's)", n)
		}
		var ids []int64
		for _, c := range f.live() {
			ids = append(ids, c.ID)
		}
		if xs, _ := f.db.Exclusions(f.ctx, f.acct.ID, ids, nil); len(xs) != 0 || len(ids) != 4 {
			t.Errorf("exclusions recorded: %+v", xs)
		}
		if run.Counts.CRMDeleted != 0 || run.Counts.GoogleDeleted != 0 || len(f.live()) != 4 {
			t.Errorf("counts %+v, %d live CRM contacts", run.Counts, len(f.live()))
		}
		members := f.membersOf(g.ResourceName)
		for _, e := range []string{"ann@example.org", "bob@example.org", "cid@example.org", "dan@example.org"} {
			if byEmail(members, e) == nil {
				t.Errorf("%s not in the renamed group", e)
			}
		}
		if s := f.groupSetting(); s != "Clients" {
			t.Errorf("group name setting = %q, want Clients", s)
		}
		if st, _ := f.db.LoadState(f.ctx, f.acct.ID); st.GroupResource != g.ResourceName || st.GroupName != "Clients" {
			t.Errorf("state %+v", st)
		}
		ev := groupEvents(t, f, run)
		if len(ev) != 1 || !strings.Contains(ev[0], `renamed from "SimpleCRM" to "Clients"; Sync Mobile follows it`) {
			t.Errorf("group events %q", ev)
		}

		// The next run reads the group directly and has nothing to do.
		f.emu.ResetRequests()
		run = f.mustSync()
		if n := f.emu.Calls("contactGroups.list") + f.emu.Calls("contactGroups.create"); n != 0 {
			t.Errorf("later run listed or created groups (%d calls)", n)
		}
		if w := f.writes(); w != 0 {
			t.Errorf("no-op run wrote %d times", w)
		}
		if ev := groupEvents(t, f, run); len(ev) != 0 {
			t.Errorf("rename reported again: %q", ev)
		}
	})
}

// The group is renamed in Google and a new group takes the old name: the
// renamed group is still followed (its members are the synchronized set),
// and the event says how to switch to the other one.
func TestGroupRenamedInGoogleAndOldNameTaken(t *testing.T) {
	f, g := groupRenameSetup(t, "sqlite")
	if _, err := f.emu.SeedGroup(f.gmail, "SimpleCRM", person("Eve", "Other", "eve@example.org")); err != nil {
		t.Fatal(err)
	}
	run := f.mustSync()
	if st, _ := f.db.LoadState(f.ctx, f.acct.ID); st.GroupResource != g.ResourceName {
		t.Errorf("syncing %s, want the renamed group %s", st.GroupResource, g.ResourceName)
	}
	if n := len(f.links()); n != 3 || crmByEmail(f.live(), "eve@example.org") != nil {
		t.Errorf("%d links, Eve imported: %v", n, crmByEmail(f.live(), "eve@example.org") != nil)
	}
	ev := groupEvents(t, f, run)
	if len(ev) != 1 || !strings.Contains(ev[0], `Another group is now called "SimpleCRM"`) {
		t.Errorf("group events %q", ev)
	}
	if s := f.groupSetting(); s != "Clients" {
		t.Errorf("group name setting = %q", s)
	}

	// Setting the name back to SimpleCRM in the CRM is obeyed: the other
	// group is synchronized from now on.
	a, _ := f.svc.GoogleAccounts.FindGoogleAccount(f.ctx, f.org.ID, f.acct.ID)
	a.GroupName = "SimpleCRM"
	if err := f.svc.GoogleAccounts.UpdateGoogleAccountSettings(f.ctx, a); err != nil {
		t.Fatal(err)
	}
	f.mustSync()
	if st, _ := f.db.LoadState(f.ctx, f.acct.ID); st.GroupResource != f.groupNamed("SimpleCRM").ResourceName {
		t.Errorf("syncing %s, want the SimpleCRM group", st.GroupResource)
	}
	if crmByEmail(f.live(), "eve@example.org") == nil {
		t.Error("Eve, member of the SimpleCRM group, not imported")
	}
}

// The group-name setting changed in the CRM: the run uses the setting's
// group (created when missing) instead of the remembered one; the former
// members leave sync as if removed from the group, and stay on both sides.
func TestGroupSettingChangedInCRM(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ann := f.crmContact(crm.Contact{FirstName: "Ann", LastName: "Crm", PersonalEmail: "ann@example.org"})
		f.googleContact(person("Cid", "Google", "cid@example.org"))
		f.mustSync()
		old := f.groupNamed("SimpleCRM")

		a, _ := f.svc.GoogleAccounts.FindGoogleAccount(f.ctx, f.org.ID, f.acct.ID)
		a.GroupName = "Clients"
		if err := f.svc.GoogleAccounts.UpdateGoogleAccountSettings(f.ctx, a); err != nil {
			t.Fatal(err)
		}
		run := f.mustSync()
		clients := f.groupNamed("Clients")
		if clients == nil {
			t.Fatal("no Clients group in Google")
		}
		if st, _ := f.db.LoadState(f.ctx, f.acct.ID); st.GroupResource != clients.ResourceName || st.GroupName != "Clients" {
			t.Errorf("state %+v, want the Clients group %s", st, clients.ResourceName)
		}
		if f.groupNamed("SimpleCRM") == nil || len(f.membersOf(old.ResourceName)) != 2 {
			t.Error("the old group or its members changed")
		}
		if s := f.groupSetting(); s != "Clients" {
			t.Errorf("group name setting = %q", s)
		}
		if n := len(f.links()); n != 0 {
			t.Errorf("%d links left to members of the old group", n)
		}
		if len(f.live()) != 2 || f.find(ann.ID).DeletedAt != nil {
			t.Error("CRM contacts trashed")
		}
		ev := groupEvents(t, f, run)
		if len(ev) != 1 || !strings.Contains(ev[0], `"Clients"`) || !strings.Contains(ev[0], `group name was changed from "SimpleCRM"`) {
			t.Errorf("group events %q", ev)
		}

		// A new CRM contact goes to the new group.
		f.crmContact(crm.Contact{FirstName: "Dan", LastName: "Crm", PersonalEmail: "dan@example.org"})
		f.mustSync()
		if m := f.membersOf(clients.ResourceName); len(m) != 1 || byEmail(m, "dan@example.org") == nil {
			t.Errorf("Clients members: %d", len(m))
		}
	})
}

// The group is deleted in Google (its contacts kept): nothing goes to the
// CRM trash; its members leave sync as if removed from the group, and the
// run makes a new group of the setting's name.
func TestGroupDeletedInGoogle(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ann := f.crmContact(crm.Contact{FirstName: "Ann", LastName: "Crm", PersonalEmail: "ann@example.org"})
		f.googleContact(person("Cid", "Google", "cid@example.org"))
		f.mustSync()
		old := f.groupNamed("SimpleCRM")
		if _, err := f.peopleService().ContactGroups.Delete(old.ResourceName).Context(f.ctx).Do(); err != nil {
			t.Fatal(err)
		}
		run := f.mustSync()

		if len(f.live()) != 2 || f.find(ann.ID).DeletedAt != nil || run.Counts.CRMDeleted != 0 {
			t.Errorf("CRM contacts trashed: %+v", run.Counts)
		}
		if all, _ := f.emu.Contacts(f.gmail); len(all) != 2 {
			t.Errorf("%d Google contacts, want both kept", len(all))
		}
		if n := len(f.links()); n != 0 {
			t.Errorf("%d links to contacts out of the group", n)
		}
		g := f.groupNamed("SimpleCRM")
		if g == nil || g.ResourceName == old.ResourceName {
			t.Fatal("no new SimpleCRM group")
		}
		if st, _ := f.db.LoadState(f.ctx, f.acct.ID); st.GroupResource != g.ResourceName {
			t.Errorf("state %+v", st)
		}
		ev := groupEvents(t, f, run)
		if len(ev) != 1 || !strings.Contains(ev[0], "deleted in Google") {
			t.Errorf("group events %q", ev)
		}

		// Adding a Google contact to the new group brings it back.
		cid := byEmail(f.membersOf("contactGroups/myContacts"), "cid@example.org")
		if err := f.emu.ModifyGroupMembers(f.gmail, g.ResourceName, []string{cid.ResourceName}, nil); err != nil {
			t.Fatal(err)
		}
		f.mustSync()
		if n := len(f.links()); n != 1 {
			t.Errorf("%d links after Cid joined the new group, want 1", n)
		}
	})
}

// A checkpoint saved before the group's name was remembered (GroupName
// empty; migration 0008 fills it in, an older binary running after it does
// not): the run reads it as the setting's name, so a rename is followed.
func TestGroupRenamedWithoutSeenName(t *testing.T) {
	f, g := groupRenameSetup(t, "sqlite")
	st, err := f.db.LoadState(f.ctx, f.acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	st.GroupName = ""
	if err := f.db.SaveState(f.ctx, f.acct.ID, st); err != nil {
		t.Fatal(err)
	}
	f.mustSync()
	if st, _ := f.db.LoadState(f.ctx, f.acct.ID); st.GroupResource != g.ResourceName || st.GroupName != "Clients" {
		t.Errorf("state %+v, want the renamed group followed", st)
	}
	if n := len(f.links()); n != 3 || f.groupSetting() != "Clients" {
		t.Errorf("%d links, setting %q", n, f.groupSetting())
	}
}
