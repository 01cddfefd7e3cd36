package contactsync_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
)

// crashingGoogle stops the run right after the n-th batch create reached
// Google, as a process killed before it could save the links would.
type crashingGoogle struct {
	contactsync.Google
	cancel  context.CancelFunc
	creates int
	crashAt int
}

func (g *crashingGoogle) BatchCreate(ctx context.Context, ps []*people.Person) ([]*people.Person, error) {
	out, err := g.Google.BatchCreate(ctx, ps)
	g.creates++
	if g.creates == g.crashAt {
		g.cancel()
		return nil, context.Canceled
	}
	return out, err
}

func TestCrashAfterCreateResumes(t *testing.T) {
	for _, crashAt := range []int{1, 2, 3} {
		t.Run(fmt.Sprint(crashAt), func(t *testing.T) {
			f := newFixture(t, "sqlite")
			for i := 0; i < 700; i++ {
				f.crmContact(crm.Contact{FirstName: "C", LastName: itoa(int64(i)), PersonalEmail: "c" + itoa(int64(i)) + "@example.org"})
			}
			for i := 0; i < 50; i++ {
				f.googleContact(person("G", itoa(int64(i)), "g"+itoa(int64(i))+"@example.org"))
			}
			full, _ := f.svc.GoogleAccounts.FindGoogleAccount(f.ctx, f.org.ID, f.acct.ID)
			run := &crm.SyncRun{OrgID: f.org.ID, AccountID: f.acct.ID, Trigger: "test"}
			if err := f.svc.SyncRuns.CreateSyncRun(f.ctx, run); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(f.ctx)
			g := &crashingGoogle{Google: f.googleClient(full), cancel: cancel, crashAt: crashAt}
			if err := f.engine.Run(ctx, g, full, run, nil); err == nil {
				t.Fatal("the crashed run reported no error")
			}
			f.mustSync()
			f.assertNoWrites()
			assertConverged(t, f, 750)
		})
	}
}

// A create that Google applies after the run that sent it died leaves a
// second Google contact for one CRM contact; the next sync deletes it rather
// than importing it as a new CRM contact.
func TestLateCreateIsNotImported(t *testing.T) {
	f := newFixture(t, "sqlite")
	c := f.crmContact(crm.Contact{FirstName: "Ann", LastName: "Lee", PersonalEmail: "ann@example.org"})
	f.mustSync()
	// The late copy: what a create sent before a crash makes.
	if _, err := f.emu.SeedGroup(f.gmail, "SimpleCRM", &people.Person{
		Names:          []*people.Name{{GivenName: "Ann", FamilyName: "Lee"}},
		EmailAddresses: []*people.EmailAddress{{Value: "ann@example.org", Type: "home"}},
		ClientData:     []*people.ClientData{{Key: contactsync.ClientDataKey, Value: itoa(c.ID)}},
	}); err != nil {
		t.Fatal(err)
	}
	run := f.mustSync()
	if run.Counts.CRMCreated != 0 {
		t.Fatalf("the late copy was imported: %+v", run.Counts)
	}
	assertConverged(t, f, 1)
}

// crashingStore cuts the run off after n store writes, at any point of a run:
// between an import and the next write, between pages of a listing, mid-batch.
type crashingStore struct {
	contactsync.Store
	cancel context.CancelFunc
	n      int
}

func (s *crashingStore) tick() {
	if s.n--; s.n == 0 {
		s.cancel()
	}
}

func (s *crashingStore) CreateLinkedContacts(ctx context.Context, cs []*crm.Contact, ls []*contactsync.Link) error {
	defer s.tick()
	return s.Store.CreateLinkedContacts(ctx, cs, ls)
}

func (s *crashingStore) SaveLinks(ctx context.Context, ls ...*contactsync.Link) error {
	defer s.tick()
	return s.Store.SaveLinks(ctx, ls...)
}

func (s *crashingStore) IndexPeople(ctx context.Context, id int64, ps []contactsync.IndexedPerson) error {
	defer s.tick()
	return s.Store.IndexPeople(ctx, id, ps)
}

// Runs cut off at random store writes, again and again, during a first sync
// with multi-page listings, then let finish: no duplicate on either side.
func TestRunsCutOffAtRandomWrites(t *testing.T) {
	f := newFixture(t, "sqlite")
	for i := 0; i < 400; i++ {
		f.crmContact(crm.Contact{FirstName: "C", LastName: itoa(int64(i)), PersonalEmail: "c" + itoa(int64(i)) + "@example.org"})
	}
	var ps []*people.Person
	for i := 0; i < 2200; i++ {
		email := "g" + itoa(int64(i)) + "@example.org"
		if i < 100 {
			email = "c" + itoa(int64(i)) + "@example.org"
		}
		ps = append(ps, person("G", itoa(int64(i)), email))
	}
	if _, err := f.emu.SeedGroup(f.gmail, "SimpleCRM", ps...); err != nil {
		t.Fatal(err)
	}
	full, _ := f.svc.GoogleAccounts.FindGoogleAccount(f.ctx, f.org.ID, f.acct.ID)
	rnd := rand.New(rand.NewPCG(1, 2))
	for k := 0; k < 15; k++ {
		ctx, cancel := context.WithCancel(f.ctx)
		st := &crashingStore{Store: f.db, cancel: cancel, n: 1 + rnd.IntN(600)}
		eng := contactsync.New(st, contactsync.Options{}, nil)
		run := &crm.SyncRun{OrgID: f.org.ID, AccountID: f.acct.ID, Trigger: "test"}
		if err := f.svc.SyncRuns.CreateSyncRun(f.ctx, run); err != nil {
			t.Fatal(err)
		}
		eng.Run(ctx, f.googleClient(full), full, run, nil)
		cancel()
	}
	f.mustSync()
	f.assertNoWrites()
	live := f.live()
	seen := map[string]int{}
	for _, c := range live {
		seen[c.PersonalEmail]++
	}
	for e, n := range seen {
		if n > 1 {
			t.Errorf("CRM: %d contacts with %s", n, e)
		}
	}
	assertConverged(t, f, 2500)
}

// editingGoogle edits a contact in Google right after the first page of a
// full listing, as a person on a phone might while a sync runs.
type editingGoogle struct {
	contactsync.Google
	edit func()
	done bool
}

func (g *editingGoogle) ListConnections(ctx context.Context, syncToken, pageToken string) (*people.ListConnectionsResponse, error) {
	resp, err := g.Google.ListConnections(ctx, syncToken, pageToken)
	if !g.done && syncToken == "" && pageToken == "" {
		g.done = true
		g.edit()
	}
	return resp, err
}

// A contact edited while a full listing runs is left out of it; it must not
// be taken for deleted.
func TestEditDuringFullListingIsNotADeletion(t *testing.T) {
	f := newFixture(t, "sqlite")
	var ps []*people.Person
	for i := 0; i < 1200; i++ {
		ps = append(ps, person("G", itoa(int64(i)), "g"+itoa(int64(i))+"@example.org"))
	}
	created, err := f.emu.SeedGroup(f.gmail, "SimpleCRM", ps...)
	if err != nil {
		t.Fatal(err)
	}
	f.mustSync()
	f.emu.ExpireSyncTokens()
	late := created[1100] // on the second page
	run := f.runWith(func(g contactsync.Google) contactsync.Google {
		return &editingGoogle{Google: g, edit: func() {
			p, _ := f.emu.Contact(f.gmail, late.ResourceName)
			p.Names[0].GivenName = "Edited"
			if _, err := f.emu.UpdateContact(f.gmail, p, "names"); err != nil {
				t.Error(err)
			}
		}}
	})
	if run.Status != crm.RunSucceeded {
		t.Fatalf("run %s: %s", run.Status, run.Error)
	}
	if run.Counts.CRMDeleted != 0 {
		t.Fatalf("%d CRM contacts went to the trash for an edit made during the listing", run.Counts.CRMDeleted)
	}
	f.mustSync()
	if c := crmByEmail(f.live(), "g1100@example.org"); c == nil || c.FirstName != "Edited" {
		t.Fatalf("the contact edited during the listing: %+v", c)
	}
}

// A run cut off right after it created the CRM contact of a Google contact
// with no email: nothing can match the two later, so the contact and its link
// must be saved together or not at all, or the next run imports it again.
func TestImportCutOffIsNotDoubled(t *testing.T) {
	f := newFixture(t, "sqlite")
	noEmail := &people.Person{Names: []*people.Name{{GivenName: "Only", FamilyName: "Phone"}},
		PhoneNumbers: []*people.PhoneNumber{{Value: "+33 6 12 34 56 78", Type: "mobile"}}}
	if _, err := f.emu.SeedGroup(f.gmail, "SimpleCRM", noEmail); err != nil {
		t.Fatal(err)
	}
	full, _ := f.svc.GoogleAccounts.FindGoogleAccount(f.ctx, f.org.ID, f.acct.ID)
	ctx, cancel := context.WithCancel(f.ctx)
	defer cancel()
	st := &crashingStore{Store: f.db, cancel: cancel, n: 2} // the index, then the import
	run := &crm.SyncRun{OrgID: f.org.ID, AccountID: f.acct.ID, Trigger: "test"}
	if err := f.svc.SyncRuns.CreateSyncRun(f.ctx, run); err != nil {
		t.Fatal(err)
	}
	contactsync.New(st, contactsync.Options{}, nil).Run(ctx, f.googleClient(full), full, run, nil)
	f.mustSync()
	live, members := f.live(), f.groupMembers()
	if len(live) != 1 || len(members) != 1 {
		t.Fatalf("%d CRM contacts and %d group members for one Google contact imported by a cut-off run", len(live), len(members))
	}
	if live[0].MobilePhone == "" || live[0].FirstName != "Only" {
		t.Fatalf("imported contact: %+v", live[0])
	}
}
