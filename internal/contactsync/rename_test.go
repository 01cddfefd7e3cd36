package contactsync_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
	"simplecrm/internal/googleemu"
)

// Google renames contacts (profile linking, people-api.md §3, §4). Whether it
// still answers under the old name is not documented: every test runs both
// ways (googleemu.Options.RenamedNotFound).
func forEachRenameMode(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, notFound := range []bool{false, true} {
		name := "old name resolves"
		if notFound {
			name = "old name not found"
		}
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, "sqlite")
			f.emu.Configure(func(o *googleemu.Options) { o.RenamedNotFound = notFound })
			fn(t, f)
		})
	}
}

// linkName returns the resource name contact id is linked to, "" if none.
func (f *fixture) linkName(id int64) string {
	f.t.Helper()
	ls, err := f.db.LinksByContact(f.ctx, f.acct.ID, []int64{id})
	if err != nil {
		f.t.Fatal(err)
	}
	if len(ls) == 0 {
		return ""
	}
	return ls[0].ResourceName
}

func (f *fixture) rename(email string) (oldName, newName string) {
	f.t.Helper()
	g := byEmail(f.groupMembers(), email)
	if g == nil {
		f.t.Fatalf("%s not in the group", email)
	}
	newName, err := f.emu.RenamePerson(f.gmail, g.ResourceName)
	if err != nil {
		f.t.Fatal(err)
	}
	return g.ResourceName, newName
}

func (f *fixture) edit(id int64, fn func(c *crm.Contact)) {
	f.t.Helper()
	c := f.find(id)
	fn(c)
	c.Version = 0
	if err := f.svc.Contacts.UpdateContact(f.ctx, c); err != nil {
		f.t.Fatal(err)
	}
}

// A CRM edit of a contact renamed in Google, while the rename is still hidden
// from incremental listings (propagation delay): push reads the person by its
// old name. It used to crash the run (nil contact in reconcile).
func TestRenameThenCRMEdit(t *testing.T) {
	forEachRenameMode(t, func(t *testing.T, f *fixture) {
		f.emu.Configure(func(o *googleemu.Options) { o.SyncPropagationDelay = time.Minute })
		ann := f.crmContact(crm.Contact{FirstName: "Ann", LastName: "Lee", PersonalEmail: "ann@example.org"})
		f.mustSync()
		_, renamed := f.rename("ann@example.org")
		f.edit(ann.ID, func(c *crm.Contact) { c.FirstName = "Anne" })
		f.mustSync()
		f.emu.Advance(2 * time.Minute)
		f.mustSync()

		if got := f.linkName(ann.ID); got != renamed {
			t.Errorf("link = %q, want the new name %q", got, renamed)
		}
		p, err := f.emu.Contact(f.gmail, renamed)
		if err != nil || p.Names[0].GivenName != "Anne" {
			t.Fatalf("Google contact after the CRM edit: %+v, %v", p, err)
		}
		assertConverged(t, f, 1)
		f.assertNoWrites()
	})
}

// A full listing (the sync token expired) shows renamed contacts under their
// new name only, with no previousResourceNames: they are neither deletions
// nor new contacts (nor second copies of the CRM's own creates).
func TestRenameThenFullListing(t *testing.T) {
	forEachRenameMode(t, func(t *testing.T, f *fixture) {
		ours := f.crmContact(crm.Contact{FirstName: "Ours", PersonalEmail: "ours@example.org"})
		f.googleContact(person("Theirs", "G", "theirs@example.org"))
		f.mustSync()
		theirs := crmByEmail(f.live(), "theirs@example.org")
		_, oursNew := f.rename("ours@example.org")
		_, theirsNew := f.rename("theirs@example.org")
		f.emu.ExpireSyncTokens()
		run := f.mustSync()

		if run.Counts.CRMDeleted != 0 || run.Counts.GoogleDeleted != 0 || run.Counts.CRMCreated != 0 || run.Counts.GoogleCreated != 0 {
			t.Errorf("a rename counted as a deletion or a creation: %+v", run.Counts)
		}
		for id, want := range map[int64]string{ours.ID: oursNew, theirs.ID: theirsNew} {
			if c := f.find(id); c.DeletedAt != nil {
				t.Errorf("contact %d trashed after a rename", id)
			}
			if got := f.linkName(id); got != want {
				t.Errorf("contact %d linked to %q, want %q", id, got, want)
			}
		}
		assertConverged(t, f, 2)
		f.assertNoWrites()
	})
}

// An incremental listing carries previousResourceNames: the link follows at
// once, so a CRM trash in the same run deletes the renamed Google contact
// (not the old name, which Google may no longer know) and a later Google edit
// reaches the CRM.
func TestRenameSeenIncrementally(t *testing.T) {
	forEachRenameMode(t, func(t *testing.T, f *fixture) {
		ours := f.crmContact(crm.Contact{FirstName: "Ours", PersonalEmail: "ours@example.org"})
		f.googleContact(person("Theirs", "G", "theirs@example.org"))
		f.mustSync()
		theirs := crmByEmail(f.live(), "theirs@example.org")
		_, oursNew := f.rename("ours@example.org")
		_, theirsNew := f.rename("theirs@example.org")
		if err := f.svc.Contacts.TrashContact(f.ctx, f.org.ID, ours.ID); err != nil {
			t.Fatal(err)
		}
		f.mustSync()
		if got := f.linkName(theirs.ID); got != theirsNew {
			t.Errorf("link = %q, want %q", got, theirsNew)
		}
		if _, err := f.emu.Contact(f.gmail, oursNew); err == nil {
			t.Error("CRM contact trashed after a rename: its Google contact (created by the CRM) still exists")
		}
		p, _ := f.emu.Contact(f.gmail, theirsNew)
		p.Names[0].GivenName = "Their"
		if _, err := f.emu.UpdateContact(f.gmail, p, "names"); err != nil {
			t.Fatal(err)
		}
		f.mustSync()
		if got := f.find(theirs.ID); got.FirstName != "Their" || got.DeletedAt != nil {
			t.Errorf("Google edit after a rename: CRM has %q (trashed %v)", got.FirstName, got.DeletedAt != nil)
		}
		assertConverged(t, f, 1)
	})
}

// onePerPage serves each listing one person a page, so that a renamed
// contact's tombstone and its new name fall on different pages.
type onePerPage struct {
	contactsync.Google
	rest []*people.Person
	last *people.ListConnectionsResponse
}

func (g *onePerPage) ListConnections(ctx context.Context, syncToken, pageToken string) (*people.ListConnectionsResponse, error) {
	if pageToken != "split" {
		resp, err := g.Google.ListConnections(ctx, syncToken, pageToken)
		if err != nil || len(resp.Connections) == 0 {
			return resp, err
		}
		g.rest, g.last = resp.Connections, resp
	}
	out := *g.last
	out.Connections, g.rest = g.rest[:1], g.rest[1:]
	if len(g.rest) > 0 {
		out.NextPageToken, out.NextSyncToken = "split", ""
	}
	return &out, nil
}

// Google might also list a renamed contact's old name as deleted
// (UNCONFIRMED, googleemu.Options.RenameTombstone), on the rename's page or
// on the page before: the rename wins over the tombstone when Google answers
// under the old name, or when both are on one page; otherwise the tombstone
// trashes the contact and the renamed person, carrying the old name in
// previousResourceNames, restores it within the same run.
func TestRenameWithTombstone(t *testing.T) {
	for _, split := range []bool{false, true} {
		page := "same page"
		if split {
			page = "page before"
		}
		t.Run(page, func(t *testing.T) { testRenameWithTombstone(t, split) })
	}
}

func testRenameWithTombstone(t *testing.T, split bool) {
	forEachRenameMode(t, func(t *testing.T, f *fixture) {
		f.emu.Configure(func(o *googleemu.Options) { o.RenameTombstone = true })
		ann := f.crmContact(crm.Contact{FirstName: "Ann", PersonalEmail: "ann@example.org"})
		f.mustSync()
		_, renamed := f.rename("ann@example.org")
		run := f.runWith(func(g contactsync.Google) contactsync.Google {
			if split {
				return &onePerPage{Google: g}
			}
			return g
		})
		if run.Status != crm.RunSucceeded {
			t.Fatalf("run %s: %s", run.Status, run.Error)
		}
		if run.Counts.CRMDeleted != 0 || run.Counts.CRMCreated != 0 || f.find(ann.ID).DeletedAt != nil {
			t.Fatalf("split %v: the old name's tombstone trashed or re-imported the contact: %+v", split, run.Counts)
		}
		if got := f.linkName(ann.ID); got != renamed {
			t.Errorf("link = %q, want %q", got, renamed)
		}
		assertConverged(t, f, 1)
	})
}
