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

func person(first, last, email string) *people.Person {
	p := &people.Person{Names: []*people.Name{{GivenName: first, FamilyName: last}}}
	if email != "" {
		p.EmailAddresses = []*people.EmailAddress{{Value: email, Type: "home"}}
	}
	return p
}

func TestInitialSyncBothWays(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		zoe := f.crmContact(crm.Contact{FirstName: "Zoé", LastName: "Durand", PersonalEmail: "zoe@example.org",
			HomePhone: "04 72 00 00 01", MobilePhone: "+33 6 12 34 56 78",
			Address: crm.Address{Street: "1 rue X", PostalCode: "69003", City: "Lyon", Country: "France"},
			Employments: []crm.Employment{{CompanyName: "Blue Bakery", Function: "Baker", WorkPhone: "04 72 00 00 02",
				WorkMobile: "+33 7 00 00 00 03", WorkEmail: "zoe@bluebakery.example"}}})
		shared := f.crmContact(crm.Contact{FirstName: "Sam", LastName: "Lee", PersonalEmail: "sam@example.org"})
		f.googleContact(person("Max", "Mustermann", "max@example.de"))
		f.googleContact(&people.Person{Names: []*people.Name{{GivenName: "Samuel", FamilyName: "Lee"}},
			EmailAddresses: []*people.EmailAddress{{Value: "SAM@example.org", Type: "other"}}})
		outside, err := f.emu.CreateContact(f.gmail, person("Out", "Side", "out@example.org"))
		if err != nil {
			t.Fatal(err)
		}

		run := f.mustSync()
		if run.Counts.GoogleCreated != 1 || run.Counts.CRMCreated != 1 {
			t.Errorf("counts = %+v, want 1 created on each side", run.Counts)
		}
		members := f.groupMembers()
		if len(members) != 3 {
			t.Fatalf("group has %d members, want 3 (Zoé, Max, Sam linked by email)", len(members))
		}
		g := byEmail(members, "zoe@example.org")
		v := contactsync.PersonView(g)
		want := contactsync.ContactView(zoe)
		if v.FirstName != want.FirstName || v.LastName != want.LastName || v.Address != want.Address ||
			v.Company != "Blue Bakery" || v.Title != "Baker" || v.WorkEmail != want.WorkEmail ||
			v.HomePhone != want.HomePhone || v.MobilePhone != want.MobilePhone || v.WorkPhone != want.WorkPhone || v.WorkMobile != want.WorkMobile {
			t.Errorf("Google view of Zoé = %+v\nwant %+v", v, want)
		}
		live := f.live()
		if len(live) != 3 {
			t.Fatalf("CRM has %d contacts, want 3 (no duplicate, outsider ignored)", len(live))
		}
		if max := crmByEmail(live, "max@example.de"); max == nil || max.OwnerID != f.user.ID || max.LastName != "Mustermann" {
			t.Errorf("Max in the CRM = %+v", max)
		}
		if got := f.find(shared.ID); got.FirstName != "Sam" && got.FirstName != "Samuel" {
			t.Errorf("Sam = %+v", got)
		}
		if p, _ := f.emu.Contact(f.gmail, outside.ResourceName); p == nil || len(p.Memberships) != 1 {
			t.Errorf("contact outside the group was touched: %+v", p)
		}
	})
}

func TestNoOpSyncMakesNoWrites(t *testing.T) {
	f := newFixture(t, "sqlite")
	for i := 0; i < 30; i++ {
		f.crmContact(crm.Contact{FirstName: "CRM", LastName: itoa(int64(i)), PersonalEmail: "c" + itoa(int64(i)) + "@example.org",
			MobilePhone: "06 12 34 56 " + itoa(int64(10+i))})
		f.googleContact(person("Google", itoa(int64(i)), "g"+itoa(int64(i))+"@example.org"))
	}
	f.mustSync()
	f.emu.ResetRequests()
	run := f.mustSync()
	if w := f.writes(); w != 0 {
		t.Fatalf("second sync made %d write calls: %v", w, f.emu.RequestCounts())
	}
	if c := f.calls(); c > 2 {
		t.Fatalf("no-op sync made %d calls, want at most 2: %v", c, f.emu.RequestCounts())
	}
	if run.Counts != (crm.SyncCounts{}) {
		t.Fatalf("no-op counts = %+v", run.Counts)
	}
}

func TestBusinessFieldsLandInNoteBlock(t *testing.T) {
	f := newFixture(t, "sqlite")
	f.googleContact(&people.Person{Names: []*people.Name{{GivenName: "Ada", FamilyName: "King"}},
		EmailAddresses: []*people.EmailAddress{{Value: "ada@example.org", Type: "home"}, {Value: "ada@engines.example", Type: "work"}},
		PhoneNumbers:   []*people.PhoneNumber{{Value: "01 23 45 67 89", Type: "work"}},
		Organizations:  []*people.Organization{{Name: "Analytical Engines", Title: "Programmer"}}})
	f.mustSync()
	ada := crmByEmail(f.live(), "ada@example.org")
	for _, want := range []string{"Company: Analytical Engines", "Title: Programmer", "Work phone: 01 23 45 67 89", "Work email: ada@engines.example"} {
		if !strings.Contains(ada.Note, want) {
			t.Errorf("note lacks %q:\n%s", want, ada.Note)
		}
	}
	if len(ada.Employments) != 0 {
		t.Errorf("business fields became employments: %+v", ada.Employments)
	}
	// The user writes in the note; syncs keep the block single and their text intact.
	ada.Note = "Met at the fair.\n\n" + ada.Note
	ada.Version = 0
	if err := f.svc.Contacts.UpdateContact(f.ctx, ada); err != nil {
		t.Fatal(err)
	}
	f.mustSync()
	f.mustSync()
	got := f.find(ada.ID)
	if strings.Count(got.Note, "Company: Analytical Engines") != 1 || !strings.HasPrefix(got.Note, "Met at the fair.") {
		t.Fatalf("note after syncs:\n%s", got.Note)
	}
	// Once the CRM employment says the same, the block empties.
	got.Employments = []crm.Employment{{CompanyName: "Analytical Engines", Function: "Programmer", WorkPhone: "01 23 45 67 89", WorkEmail: "ada@engines.example"}}
	got.Version = 0
	if err := f.svc.Contacts.UpdateContact(f.ctx, got); err != nil {
		t.Fatal(err)
	}
	f.mustSync()
	if n := f.find(ada.ID).Note; n != "Met at the fair." {
		t.Fatalf("note once business fields agree = %q", n)
	}
}

func TestIncrementalEditsBothWaysAndConflicts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		c := f.crmContact(crm.Contact{FirstName: "Ann", LastName: "Lee", PersonalEmail: "ann@example.org", MobilePhone: "06 00 00 00 01"})
		other := f.crmContact(crm.Contact{FirstName: "Bob", LastName: "Ray", PersonalEmail: "bob@example.org"})
		f.mustSync()
		g := byEmail(f.groupMembers(), "ann@example.org")

		// Disjoint edits: first name in the CRM, mobile in Google; and a
		// same-field conflict on Bob's last name, Google modified last.
		c = f.find(c.ID)
		c.FirstName, c.Version = "Anne", 0
		if err := f.svc.Contacts.UpdateContact(f.ctx, c); err != nil {
			t.Fatal(err)
		}
		b := f.find(other.ID)
		b.LastName, b.Version = "Raymond", 0
		if err := f.svc.Contacts.UpdateContact(f.ctx, b); err != nil {
			t.Fatal(err)
		}
		f.emu.Advance(time.Minute) // Google's edits happen after the CRM's
		g.PhoneNumbers = []*people.PhoneNumber{{Value: "06 99 99 99 99", Type: "mobile"}}
		if _, err := f.emu.UpdateContact(f.gmail, g, "phoneNumbers"); err != nil {
			t.Fatal(err)
		}
		gb := byEmail(f.groupMembers(), "bob@example.org")
		gb.Names[0].FamilyName = "Rey"
		if _, err := f.emu.UpdateContact(f.gmail, gb, "names"); err != nil {
			t.Fatal(err)
		}

		run := f.mustSync()
		if got := f.find(c.ID); got.FirstName != "Anne" || got.MobilePhone != "06 99 99 99 99" {
			t.Errorf("Ann in the CRM = %q %q", got.FirstName, got.MobilePhone)
		}
		gv := contactsync.PersonView(byEmail(f.groupMembers(), "ann@example.org"))
		if gv.FirstName != "Anne" || gv.MobilePhone != "06 99 99 99 99" {
			t.Errorf("Ann in Google = %+v", gv)
		}
		if got := f.find(other.ID).LastName; got != "Rey" {
			t.Errorf("conflict: CRM last name = %q, want Google's (modified last) Rey", got)
		}
		if run.Counts.Conflicts != 1 {
			t.Errorf("conflicts = %d, want 1", run.Counts.Conflicts)
		}
		events, _ := f.svc.SyncRuns.ListSyncEvents(f.ctx, run.ID, 100)
		if !hasEvent(events, crm.EventConflict, other.ID) {
			t.Errorf("no conflict event for Bob: %+v", events)
		}
		want := `Last name changed on both sides (CRM "Raymond", Google "Rey"): kept the Google value, modified last.`
		for _, e := range events {
			if e.Kind == crm.EventConflict && e.Message != want {
				t.Errorf("conflict message %q, want %q", e.Message, want)
			}
		}
	})
}

func TestUnmanagedGoogleDataPreserved(t *testing.T) {
	f := newFixture(t, "sqlite")
	f.googleContact(&people.Person{
		Names:          []*people.Name{{GivenName: "Eve", FamilyName: "Stone", MiddleName: "Q"}},
		EmailAddresses: []*people.EmailAddress{{Value: "eve@example.org", Type: "home"}, {Value: "eve@other.example", Type: "other"}},
		PhoneNumbers:   []*people.PhoneNumber{{Value: "01 11 11 11 11", Type: "main"}},
		Biographies:    []*people.Biography{{Value: "Google-side note"}},
		UserDefined:    []*people.UserDefined{{Key: "tier", Value: "gold"}},
	})
	other, err := f.emu.EnsureGroup(f.gmail, "Friends")
	if err != nil {
		t.Fatal(err)
	}
	g := byEmail(f.groupMembers(), "eve@example.org")
	if err := f.emu.ModifyGroupMembers(f.gmail, other.ResourceName, []string{g.ResourceName}, nil); err != nil {
		t.Fatal(err)
	}
	f.mustSync()
	eve := crmByEmail(f.live(), "eve@example.org")
	eve.FirstName, eve.MobilePhone, eve.Version = "Evelyn", "06 55 55 55 55", 0
	if err := f.svc.Contacts.UpdateContact(f.ctx, eve); err != nil {
		t.Fatal(err)
	}
	f.mustSync()
	p, err := f.emu.Contact(f.gmail, g.ResourceName)
	if err != nil {
		t.Fatal(err)
	}
	if p.Names[0].GivenName != "Evelyn" || p.Names[0].MiddleName != "Q" {
		t.Errorf("names = %+v", p.Names[0])
	}
	if len(p.EmailAddresses) != 2 || len(p.PhoneNumbers) != 2 || len(p.Biographies) != 1 || len(p.UserDefined) != 1 {
		t.Errorf("unmanaged data lost: emails %d phones %d bios %d custom %d", len(p.EmailAddresses), len(p.PhoneNumbers), len(p.Biographies), len(p.UserDefined))
	}
	groups := 0
	for _, m := range p.Memberships {
		if m.ContactGroupMembership != nil && m.ContactGroupMembership.ContactGroupResourceName == other.ResourceName {
			groups++
		}
	}
	if groups != 1 {
		t.Errorf("membership of the other group lost: %+v", p.Memberships)
	}
}

func TestDeletionsBothWays(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		ours := f.crmContact(crm.Contact{FirstName: "Made", LastName: "InCRM", PersonalEmail: "made@example.org"})
		f.googleContact(person("From", "Google", "from@example.org"))
		f.googleContact(person("Gone", "InGoogle", "gone@example.org"))
		f.googleContact(person("Left", "Group", "left@example.org"))
		f.mustSync()
		live := f.live()
		fromGoogle := crmByEmail(live, "from@example.org")
		gone := crmByEmail(live, "gone@example.org")
		left := crmByEmail(live, "left@example.org")

		// CRM trash: ours is deleted in Google, the Google-made one leaves the group.
		for _, id := range []int64{ours.ID, fromGoogle.ID} {
			if err := f.svc.Contacts.TrashContact(f.ctx, f.org.ID, id); err != nil {
				t.Fatal(err)
			}
		}
		members := f.groupMembers()
		if err := f.emu.DeleteContact(f.gmail, byEmail(members, "gone@example.org").ResourceName); err != nil {
			t.Fatal(err)
		}
		groups, _ := f.emu.Groups(f.gmail)
		var group string
		for _, g := range groups {
			if g.Name == "SimpleCRM" {
				group = g.ResourceName
			}
		}
		if err := f.emu.ModifyGroupMembers(f.gmail, group, nil, []string{byEmail(members, "left@example.org").ResourceName}); err != nil {
			t.Fatal(err)
		}
		f.mustSync()

		all, _ := f.emu.Contacts(f.gmail)
		if byEmail(all, "made@example.org") != nil {
			t.Error("contact created by the CRM and trashed there still exists in Google")
		}
		if p := byEmail(all, "from@example.org"); p == nil || byEmail(f.groupMembers(), "from@example.org") != nil {
			t.Error("Google-made contact trashed in the CRM: want it kept in Google but out of the group")
		}
		if f.find(gone.ID).DeletedAt == nil {
			t.Error("contact deleted in Google is not in the CRM trash")
		}
		if f.find(left.ID).DeletedAt != nil {
			t.Error("contact removed from the group was trashed; it should only be unlinked")
		}

		// Restoring brings them back on the next sync, without duplicates.
		for _, id := range []int64{ours.ID, fromGoogle.ID, gone.ID} {
			if err := f.svc.Contacts.RestoreContact(f.ctx, f.org.ID, id); err != nil {
				t.Fatal(err)
			}
		}
		f.mustSync()
		members = f.groupMembers()
		for _, e := range []string{"made@example.org", "from@example.org", "gone@example.org"} {
			if byEmail(members, e) == nil {
				t.Errorf("%s not back in the group after restore", e)
			}
		}
		all, _ = f.emu.Contacts(f.gmail)
		if countEmail(all, "from@example.org") != 1 {
			t.Errorf("from@example.org exists %d times in Google", countEmail(all, "from@example.org"))
		}
	})
}

func TestDuplicateEmailsReported(t *testing.T) {
	f := newFixture(t, "sqlite")
	first := f.crmContact(crm.Contact{FirstName: "First", PersonalEmail: "dup@example.org"})
	second := f.crmContact(crm.Contact{FirstName: "Second", Employments: []crm.Employment{{CompanyName: "X", WorkEmail: "DUP@example.org"}}})
	run := f.mustSync()
	members := f.groupMembers()
	if len(members) != 1 || contactsync.PersonView(members[0]).FirstName != "First" {
		t.Fatalf("group = %d members, want only the oldest contact", len(members))
	}
	events, _ := f.svc.SyncRuns.ListSyncEvents(f.ctx, run.ID, 100)
	if run.Counts.Duplicates != 1 || !hasEvent(events, crm.EventDuplicateEmail, second.ID) {
		t.Fatalf("duplicates = %d, events %+v", run.Counts.Duplicates, events)
	}
	_ = first
	f.mustSync()
	if n := len(f.groupMembers()); n != 1 {
		t.Fatalf("second sync: %d members", n)
	}
}

func TestFaultsConverge(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault googleemu.Fault
	}{
		{"429 burst", googleemu.Fault{Status: 429, Times: 3}},
		{"5xx burst", googleemu.Fault{Status: 503, Times: 3}},
		{"timeout after commit on create", googleemu.Fault{Method: "people.batchCreateContacts", Kind: googleemu.FaultTimeoutAfterCommit, Times: 1}},
		{"5xx on create", googleemu.Fault{Method: "people.batchCreateContacts", Status: 500, Times: 1}},
		{"stale etag on update", googleemu.Fault{Method: "people.batchUpdateContacts", Kind: googleemu.FaultStaleETag, Times: 1}},
		{"timeout after commit on update", googleemu.Fault{Method: "people.batchUpdateContacts", Kind: googleemu.FaultTimeoutAfterCommit, Times: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, "sqlite")
			for i := 0; i < 5; i++ {
				f.crmContact(crm.Contact{FirstName: "C", LastName: itoa(int64(i)), PersonalEmail: "c" + itoa(int64(i)) + "@example.org"})
				f.googleContact(person("G", itoa(int64(i)), "g"+itoa(int64(i))+"@example.org"))
			}
			f.mustSync()
			// Edits on both sides, new contacts, then the fault.
			for _, c := range f.live()[:2] {
				c.Note, c.LastName, c.Version = "edited", c.LastName+"x", 0
				if err := f.svc.Contacts.UpdateContact(f.ctx, c); err != nil {
					t.Fatal(err)
				}
			}
			f.crmContact(crm.Contact{FirstName: "New", LastName: "One", PersonalEmail: "new@example.org"})
			f.emu.AddFault(tc.fault)
			run := f.mustSync() // the run itself recovers
			if run.Counts.GoogleCreated != 1 {
				t.Errorf("the run reports %d created in Google, want the 1 it created", run.Counts.GoogleCreated)
			}
			f.emu.ClearFaults()
			f.assertNoWrites()
			assertConverged(t, f, 11)
		})
	}
}

func TestExpiredSyncTokenMerges(t *testing.T) {
	f := newFixture(t, "sqlite")
	c := f.crmContact(crm.Contact{FirstName: "Ann", PersonalEmail: "ann@example.org"})
	f.googleContact(person("Max", "M", "max@example.org"))
	f.mustSync()
	g := byEmail(f.groupMembers(), "max@example.org")
	g.Names[0].GivenName = "Maximilian"
	if _, err := f.emu.UpdateContact(f.gmail, g, "names"); err != nil {
		t.Fatal(err)
	}
	f.emu.ExpireSyncTokens()
	f.mustSync()
	if m := crmByEmail(f.live(), "max@example.org"); m == nil || m.FirstName != "Maximilian" {
		t.Fatalf("edit made before the token expired was lost: %+v", m)
	}
	assertConverged(t, f, 2)
	_ = c
}

func TestTwoGoogleAccountsForOneUser(t *testing.T) {
	f := newFixture(t, "sqlite")
	f.crmContact(crm.Contact{FirstName: "Ann", PersonalEmail: "ann@example.org"})
	second := f.connect(f.user, "ann.work@gmail.example")
	f.mustSync()
	if run := f.sync(second); run.Status != crm.RunSucceeded {
		t.Fatalf("second account: %s", run.Error)
	}
	for _, gmail := range []string{f.gmail, "ann.work@gmail.example"} {
		all, _ := f.emu.Contacts(gmail)
		if countEmail(all, "ann@example.org") != 1 {
			t.Errorf("%s holds Ann %d times", gmail, countEmail(all, "ann@example.org"))
		}
	}

	// An edit in account A's Google reaches the CRM with A's run, then
	// account B's Google with B's run.
	g := byEmail(f.groupMembers(), "ann@example.org")
	g.Names[0].FamilyName = "FromA"
	if _, err := f.emu.UpdateContact(f.gmail, g, "names"); err != nil {
		t.Fatal(err)
	}
	f.mustSync()
	if c := crmByEmail(f.live(), "ann@example.org"); c == nil || c.LastName != "FromA" {
		t.Fatalf("account A's edit did not reach the CRM: %+v", c)
	}
	if run := f.sync(second); run.Status != crm.RunSucceeded || run.Counts.GoogleUpdated != 1 {
		t.Fatalf("second account: %s %q %+v", run.Status, run.Error, run.Counts)
	}
	all, _ := f.emu.Contacts("ann.work@gmail.example")
	if p := byEmail(all, "ann@example.org"); p == nil || p.Names[0].FamilyName != "FromA" {
		t.Fatalf("account A's edit did not reach account B's Google: %+v", p)
	}
	f.emu.ResetRequests()
	f.mustSync()
	f.sync(second)
	if w := f.writes(); w != 0 {
		t.Errorf("after both accounts caught up, %d writes: %v", w, f.emu.RequestCounts())
	}
}

// assertConverged checks the oracle: every CRM contact is in the group once,
// each pair agrees on every two-way field, and no Google contact is doubled.
func assertConverged(t *testing.T, f *fixture, want int) {
	t.Helper()
	live := f.live()
	members := f.groupMembers()
	if len(live) != want || len(members) != want {
		t.Fatalf("CRM has %d contacts, the group %d members; want %d each", len(live), len(members), want)
	}
	all, _ := f.emu.Contacts(f.gmail)
	for _, c := range live {
		if n := countEmail(all, c.PersonalEmail); n != 1 {
			t.Errorf("%s exists %d times in Google", c.PersonalEmail, n)
		}
		g := byEmail(members, c.PersonalEmail)
		if g == nil {
			t.Errorf("%s not in the group", c.PersonalEmail)
			continue
		}
		gv, cv := contactsync.PersonView(g), contactsync.ContactView(c)
		if gv.FirstName != cv.FirstName || gv.LastName != cv.LastName {
			t.Errorf("%s: CRM %q %q, Google %q %q", c.PersonalEmail, cv.FirstName, cv.LastName, gv.FirstName, gv.LastName)
		}
	}
}

func countEmail(ps []*people.Person, email string) int {
	n := 0
	for _, p := range ps {
		for _, e := range p.EmailAddresses {
			if strings.EqualFold(e.Value, email) {
				n++
				break
			}
		}
	}
	return n
}

func hasEvent(events []*crm.SyncEvent, kind string, contactID int64) bool {
	for _, e := range events {
		if e.Kind == kind && e.ContactID == contactID {
			return true
		}
	}
	return false
}
