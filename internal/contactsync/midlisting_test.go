package contactsync_test

import (
	"context"
	"testing"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
	"simplecrm/internal/google"
	"simplecrm/internal/googleemu"
)

// smallPages is the real People API client with pages of 3 people, whose
// sync token expires once an incremental listing has delivered its first
// page: the next page is answered with Google's expired-token error (the
// emulator's own, from a fresh request with the same token).
type smallPages struct {
	contactsync.Google
	svc     *people.Service
	emu     *googleemu.Server
	expired bool
	pages   int // incremental pages delivered before the expiry
}

func (s *smallPages) ListConnections(ctx context.Context, syncToken, pageToken string) (*people.ListConnectionsResponse, error) {
	if syncToken != "" && pageToken != "" && !s.expired {
		s.expired = true
		s.emu.ExpireSyncTokens()
		pageToken = ""
	}
	call := s.svc.People.Connections.List("people/me").Context(ctx).PersonFields(google.PersonFields).
		PageSize(3).RequestSyncToken(true).Sources("READ_SOURCE_TYPE_CONTACT")
	if syncToken != "" {
		call = call.SyncToken(syncToken)
	}
	if pageToken != "" {
		call = call.PageToken(pageToken)
	}
	resp, err := call.Do()
	if err == nil && syncToken != "" && !s.expired {
		s.pages++
	}
	return resp, err
}

// TestSyncTokenExpiresMidListing: Google's token expires between two pages
// of an incremental listing (people-api.md §15 item 2). The pages already
// applied stay applied (applying a page again changes nothing); the full
// listing that follows merges. Nothing is lost, nothing is duplicated.
func TestSyncTokenExpiresMidListing(t *testing.T) {
	f := newFixture(t, "sqlite")
	var crmIDs []int64
	for i := range 4 {
		crmIDs = append(crmIDs, f.crmContact(crm.Contact{FirstName: "CRM", LastName: itoa(int64(i)),
			PersonalEmail: "c" + itoa(int64(i)) + "@example.org"}).ID)
		f.googleContact(person("Google", itoa(int64(i)), "g"+itoa(int64(i))+"@example.org"))
	}
	f.mustSync()

	// Ten Google changes (three pages of three and one more): edits, new
	// contacts, a deletion; and a CRM edit.
	for _, p := range f.groupMembers() {
		p.Names[0].GivenName += " (edited in Google)"
		if _, err := f.emu.UpdateContact(f.gmail, p, "names"); err != nil {
			t.Fatal(err)
		}
	}
	goneID := crmByEmail(f.live(), "g3@example.org").ID
	gone := byEmail(f.groupMembers(), "g3@example.org")
	if err := f.emu.DeleteContact(f.gmail, gone.ResourceName); err != nil {
		t.Fatal(err)
	}
	f.googleContact(person("New", "Google", "new-google@example.org"))
	c := f.find(crmIDs[0])
	c.LastName = "Edited in CRM"
	if err := f.svc.Contacts.UpdateContact(f.ctx, c); err != nil {
		t.Fatal(err)
	}

	full, err := f.svc.GoogleAccounts.FindGoogleAccount(f.ctx, f.org.ID, f.acct.ID)
	if err != nil {
		t.Fatal(err)
	}
	cfg := google.Config{ClientID: "test", ClientSecret: "test", TokenURL: f.emu.URL + "/token", APIURL: f.emu.APIURL()}
	svc, err := cfg.People(f.ctx, full.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	var g *smallPages
	run := f.runWith(func(c contactsync.Google) contactsync.Google {
		g = &smallPages{Google: c, svc: svc, emu: f.emu}
		return g
	})
	if !g.expired || g.pages != 1 {
		t.Fatalf("expired %v after %d incremental pages: the token did not expire mid-listing", g.expired, g.pages)
	}
	if run.Status != crm.RunSucceeded || run.Counts.CRMCreated != 1 || run.Counts.CRMDeleted != 1 {
		t.Fatalf("run %s %q counts %+v: want 1 created and 1 trashed in the CRM", run.Status, run.Error, run.Counts)
	}
	assertConverged(t, f, 8)
	for _, c := range f.live() {
		if c.FirstName == "Google" {
			t.Errorf("%s lost its Google edit: %q", c.PersonalEmail, c.FirstName)
		}
	}
	if p := byEmail(f.groupMembers(), "c0@example.org"); p == nil || p.Names[0].FamilyName != "Edited in CRM" {
		t.Errorf("the CRM edit did not reach Google: %+v", p)
	}
	if f.find(goneID).DeletedAt == nil {
		t.Error("the contact deleted in Google is not in the CRM trash")
	}

	f.assertNoWrites()
}
