package contactsync_test

import (
	"testing"

	"simplecrm/internal/crm"
	"simplecrm/internal/googleemu"
)

// TestUnconfirmedVariants runs one convergence scenario under each way the
// reference leaves Google's behaviour open (people-api.md: UNCONFIRMED):
// initial sync, edits on both sides, a stale etag, an expired sync token,
// new contacts on both sides. Every variant must converge with no duplicate
// and nothing lost, then sync with no write.
func TestUnconfirmedVariants(t *testing.T) {
	for _, v := range []struct {
		name string
		set  func(o *googleemu.Options)
	}{
		{"defaults", func(o *googleemu.Options) {}},
		{"ExpiredSyncTokenHTTP410", func(o *googleemu.Options) { o.ExpiredSyncTokenHTTP410 = true }},
		{"ExpiredSyncTokenStatus=INVALID_ARGUMENT", func(o *googleemu.Options) { o.ExpiredSyncTokenStatus = "INVALID_ARGUMENT" }},
		{"StaleETagLegacyErrors", func(o *googleemu.Options) { o.StaleETagLegacyErrors = true }},
		{"RejectListETags", func(o *googleemu.Options) { o.RejectListETags = true }},
		{"BatchPartialSuccess", func(o *googleemu.Options) { o.BatchPartialSuccess = true }},
		{"CreateAlwaysJoinsMyContacts", func(o *googleemu.Options) { o.CreateAlwaysJoinsMyContacts = true }},
		{"ScopeErrorInfo", func(o *googleemu.Options) { o.ScopeErrorInfo = true }},
		{"SyncTokenAgeFromFullSync", func(o *googleemu.Options) { o.SyncTokenAgeFromFullSync = true }},
	} {
		t.Run(v.name, func(t *testing.T) {
			f := newFixture(t, "sqlite")
			f.emu.Configure(v.set)
			convergenceScenario(t, f)
		})
	}
}

func convergenceScenario(t *testing.T, f *fixture) {
	t.Helper()
	var crmIDs []int64
	for i := range 5 {
		crmIDs = append(crmIDs, f.crmContact(crm.Contact{FirstName: "CRM", LastName: itoa(int64(i)),
			PersonalEmail: "c" + itoa(int64(i)) + "@example.org", MobilePhone: "06 12 34 56 1" + itoa(int64(i))}).ID)
		f.googleContact(person("Google", itoa(int64(i)), "g"+itoa(int64(i))+"@example.org"))
	}
	f.mustSync()
	assertConverged(t, f, 10)

	// Edits on both sides, one Google contact edited again between our read
	// and our write (a stale etag), and an expired sync token.
	c := f.find(crmIDs[0])
	c.LastName = "Edited in CRM"
	if err := f.svc.Contacts.UpdateContact(f.ctx, c); err != nil {
		t.Fatal(err)
	}
	c = f.find(crmIDs[1])
	c.FirstName = "Both sides"
	if err := f.svc.Contacts.UpdateContact(f.ctx, c); err != nil {
		t.Fatal(err)
	}
	g := byEmail(f.groupMembers(), "g0@example.org")
	g.Names[0].FamilyName = "Edited in Google"
	if _, err := f.emu.UpdateContact(f.gmail, g, "names"); err != nil {
		t.Fatal(err)
	}
	f.crmContact(crm.Contact{FirstName: "New", LastName: "CRM", PersonalEmail: "new-crm@example.org"})
	f.googleContact(person("New", "Google", "new-google@example.org"))
	f.emu.AddFault(googleemu.Fault{Kind: googleemu.FaultStaleETag, Times: 1})
	f.emu.ExpireSyncTokens()
	f.mustSync()
	assertConverged(t, f, 12)
	members := f.groupMembers()
	if p := byEmail(members, "c0@example.org"); p == nil || p.Names[0].FamilyName != "Edited in CRM" {
		t.Errorf("CRM edit did not reach Google: %+v", p)
	}
	if c := crmByEmail(f.live(), "g0@example.org"); c == nil || c.LastName != "Edited in Google" {
		t.Errorf("Google edit did not reach the CRM: %+v", c)
	}
	if p := byEmail(members, "c1@example.org"); p == nil || p.Names[0].GivenName != "Both sides" {
		t.Errorf("CRM edit behind a stale etag did not reach Google: %+v", p)
	}

	f.emu.ClearFaults()
	f.assertNoWrites()
}
