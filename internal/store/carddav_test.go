package store_test

import (
	"testing"

	"simplecrm/internal/carddav"
	"simplecrm/internal/crm"
)

// SaveContactCard is a PUT's one transaction: the contact and its card are
// written together, and a refused contact leaves neither.
func TestSaveContactCard(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		u := mustUser(t, e.db, e.org.ID, "cardowner@example.com", "")
		newCard := func(href, uid string) *carddav.StoredCard {
			return &carddav.StoredCard{OrgID: e.org.ID, UserID: u.ID, Href: href, UID: uid, Data: []byte("x"), Hash: "h"}
		}
		c := &crm.Contact{OrgID: e.org.ID, OwnerID: u.ID, FirstName: "Zoe"}
		k := newCard("a.vcf", "uid-a")
		if err := e.db.SaveContactCard(ctx, c, k); err != nil {
			t.Fatal(err)
		}
		if c.ID == 0 || k.ContactID != c.ID || k.ContactVersion != c.Version || k.Version != c.Version || k.Base.FirstName != "Zoe" {
			t.Fatalf("created contact %+v card %+v", c, k)
		}
		// Unchanged contact: its version stays, the card gets a new one.
		version := c.Version
		k2 := newCard("a.vcf", "uid-a")
		if err := e.db.SaveContactCard(ctx, c, k2); err != nil {
			t.Fatal(err)
		}
		if c.Version != version || k2.Version <= version || k2.ContactVersion != version {
			t.Fatalf("unchanged contact %d, card %+v", c.Version, k2)
		}
		got, err := e.db.Card(ctx, u.ID, "a.vcf", "")
		if err != nil || got == nil || got.Version != k2.Version || got.Base.FirstName != "Zoe" {
			t.Fatalf("stored card %+v %v", got, err)
		}
		// A refused contact writes no card.
		bad := &crm.Contact{OrgID: e.org.ID, OwnerID: u.ID, FirstName: "Bad", PersonalEmail: "not an email"}
		wantField(t, e.db.SaveContactCard(ctx, bad, newCard("b.vcf", "uid-b")), "personal_email")
		if got, err := e.db.Card(ctx, u.ID, "", "uid-b"); err != nil || got != nil {
			t.Fatalf("card of a refused contact: %+v %v", got, err)
		}
	})
}
