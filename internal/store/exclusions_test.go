package store_test

import (
	"reflect"
	"testing"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
)

func TestExclusions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		mustKey(t, e.db, testKey)
		acc := mustAccount(t, e.db, e.org.ID, e.user.ID, "111")
		acc2 := mustAccount(t, e.db, e.org.ID, e.user.ID, "222")
		c1 := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, LastName: "One"})
		c2 := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, LastName: "Two"})

		x1 := contactsync.Exclusion{AccountID: acc.ID, ContactID: c1.ID, ResourceName: "people/c1", Side: contactsync.ExcludedInGoogle}
		x2 := contactsync.Exclusion{AccountID: acc.ID, ContactID: c2.ID, ResourceName: "people/c2", Side: contactsync.ExcludedInCRM}
		other := contactsync.Exclusion{AccountID: acc2.ID, ContactID: c1.ID, ResourceName: "people/c2", Side: contactsync.ExcludedInCRM}
		for _, x := range []contactsync.Exclusion{x1, x2, other} {
			if err := e.db.Exclude(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		// By contact, by Google contact, or both at once; each once.
		got, err := e.db.Exclusions(ctx, acc.ID, []int64{c1.ID}, []string{"people/c2", "people/c1"})
		if err != nil || !reflect.DeepEqual(got, []contactsync.Exclusion{x1, x2}) {
			t.Fatalf("Exclusions = %+v, %v", got, err)
		}
		// Exclude replaces the contact's exclusion.
		x1.Side, x1.ResourceName = contactsync.ExcludedTrashed, "people/c9"
		if err := e.db.Exclude(ctx, x1); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.db.Exclusions(ctx, acc.ID, []int64{c1.ID}, nil); !reflect.DeepEqual(got, []contactsync.Exclusion{x1}) {
			t.Fatalf("after replace: %+v", got)
		}
		if err := e.db.Unexclude(ctx, acc.ID, []int64{c1.ID, c2.ID, 999}); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.db.Exclusions(ctx, acc.ID, []int64{c1.ID, c2.ID}, nil); len(got) != 0 {
			t.Fatalf("after Unexclude: %+v", got)
		}
		if got, _ := e.db.Exclusions(ctx, acc2.ID, []int64{c1.ID}, nil); !reflect.DeepEqual(got, []contactsync.Exclusion{other}) {
			t.Fatalf("another account's exclusion went too: %+v", got)
		}
		bad := contactsync.Exclusion{AccountID: acc.ID, ContactID: 999, ResourceName: "people/c1", Side: contactsync.ExcludedInGoogle}
		if err := e.db.Exclude(ctx, bad); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Fatalf("exclusion of an unknown contact: %v", err)
		}
	})
}
