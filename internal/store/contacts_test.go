package store_test

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"simplecrm/internal/crm"
)

func fullContact(e *env) *crm.Contact {
	return &crm.Contact{
		OrgID: e.org.ID, OwnerID: e.user.ID,
		FirstName: " Ann ", LastName: "Smith", HomePhone: "+33 1 23 45 67 89", MobilePhone: "06 12 34 56 78",
		PersonalEmail: "ann.smith@example.com",
		Address:       crm.Address{Street: "1 rue de la Paix", Extended: "Bât. B", PostalCode: "75002", City: "Paris", Region: "IDF", Country: "France"},
		Note:          "Met at the fair.\n\n",
		Employments: []crm.Employment{
			{CompanyName: "Globex", Function: "CEO", WorkPhone: "01 00 00 00 01", WorkMobile: "07 00 00 00 01", WorkEmail: "ann@globex.com"},
			{CompanyName: "Initech", Function: "Advisor", Primary: true},
		},
	}
}

func TestContactCRUD(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := mustContact(t, e.db, fullContact(e))
		if c.ID == 0 || c.Version == 0 || c.CreatedAt.IsZero() || !c.CreatedAt.Equal(c.UpdatedAt) || c.DeletedAt != nil {
			t.Fatalf("created contact not filled: %+v", c)
		}
		if c.FirstName != "Ann" || c.Note != "Met at the fair." || c.OwnerEmail != "ann@example.com" {
			t.Fatalf("not normalized: %q %q %q", c.FirstName, c.Note, c.OwnerEmail)
		}
		got := mustFind(t, e.db, e.org.ID, c.ID)
		if !reflect.DeepEqual(got, c) {
			t.Fatalf("found\n%+v\nwant\n%+v", got, c)
		}
		if p := got.Primary(); p == nil || p.CompanyName != "Initech" {
			t.Fatalf("primary = %+v, want Initech", p)
		}

		// Update every field and swap the primary employment.
		got.LastName, got.PersonalEmail, got.Address.City = "Jones", "", "Lyon"
		got.Employments[0].Primary, got.Employments[1].Primary = true, false
		got.Employments[0].Function = "Chair"
		before := got.Version
		if err := e.db.UpdateContact(ctx, got); err != nil {
			t.Fatalf("UpdateContact: %v", err)
		}
		if got.Version <= before || !got.UpdatedAt.After(c.UpdatedAt) && !got.UpdatedAt.Equal(c.UpdatedAt) {
			t.Fatalf("version %d after %d, updated %v", got.Version, before, got.UpdatedAt)
		}
		again := mustFind(t, e.db, e.org.ID, c.ID)
		if !reflect.DeepEqual(again, got) {
			t.Fatalf("after update\n%+v\nwant\n%+v", again, got)
		}
		if again.Employments[0].ID != c.Employments[0].ID || again.Primary().CompanyName != "Globex" {
			t.Fatalf("employment ids or primary changed: %+v", again.Employments)
		}

		// Saving unchanged keeps the version: nothing for the sync to do.
		same := mustFind(t, e.db, e.org.ID, c.ID)
		if err := e.db.UpdateContact(ctx, same); err != nil || same.Version != again.Version {
			t.Fatalf("unchanged update: version %d→%d, %v", again.Version, same.Version, err)
		}

		// A stale version is a conflict.
		stale := mustFind(t, e.db, e.org.ID, c.ID)
		stale.Version = c.Version
		stale.FirstName = "Annie"
		wantCode(t, e.db.UpdateContact(ctx, stale), crm.ECONFLICT)

		// Removing employments.
		again.Employments = again.Employments[1:]
		if err := e.db.UpdateContact(ctx, again); err != nil {
			t.Fatal(err)
		}
		if f := mustFind(t, e.db, e.org.ID, c.ID); len(f.Employments) != 1 || !f.Employments[0].Primary || f.Employments[0].CompanyName != "Initech" {
			t.Fatalf("after removing Globex: %+v", f.Employments)
		}
	})
}

func TestContactValidation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		otherCo := mustCompany(t, e.db, e.other.ID, "Their Co")
		tests := []struct {
			name  string
			edit  func(c *crm.Contact)
			field string
		}{
			{"no name", func(c *crm.Contact) { c.FirstName, c.LastName, c.PersonalEmail = "", "", "" }, "last_name"},
			{"bad email", func(c *crm.Contact) { c.PersonalEmail = "ann@" }, "personal_email"},
			{"long name", func(c *crm.Contact) { c.FirstName = strings.Repeat("a", crm.MaxNameLen+1) }, "first_name"},
			{"bad phone", func(c *crm.Contact) { c.MobilePhone = "call me" }, "mobile_phone"},
			{"long city", func(c *crm.Contact) { c.Address.City = strings.Repeat("x", 201) }, "address.city"},
			{"NUL", func(c *crm.Contact) { c.Note = "a\x00b" }, "note"},
			{"bad UTF-8", func(c *crm.Contact) { c.LastName = "\xff" }, "last_name"},
			{"bad work email", func(c *crm.Contact) { c.Employments[0].WorkEmail = "x" }, "employments.0.work_email"},
			{"no company", func(c *crm.Contact) { c.Employments[1].CompanyName = "" }, "employments.1.company_id"},
			{"two primaries", func(c *crm.Contact) { c.Employments[0].Primary, c.Employments[1].Primary = true, true }, "employments.1.primary"},
			{"same company twice", func(c *crm.Contact) { c.Employments[1].CompanyName = "Globex" }, "employments.1.company_name"},
			{"unknown company id", func(c *crm.Contact) { c.Employments[1].CompanyID = 999999 }, "employments.1.company_id"},
			{"company of another org", func(c *crm.Contact) { c.Employments[0].CompanyID = otherCo.ID }, "employments.0.company_id"},
			{"owner of another org", func(c *crm.Contact) { c.OwnerID = e.ouser.ID }, "owner_email"},
		}
		existing := mustContact(t, e.db, fullContact(e))
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := fullContact(e)
				tt.edit(c)
				wantField(t, e.db.CreateContact(ctx, c), tt.field)
				u := mustFind(t, e.db, e.org.ID, existing.ID)
				u.Employments = fullContact(e).Employments
				tt.edit(u)
				wantField(t, e.db.UpdateContact(ctx, u), tt.field)
			})
		}
		// Nothing of the failed writes was stored.
		list, _, err := e.db.ListContacts(ctx, e.org.ID, crm.ContactFilter{})
		if err != nil || len(list) != 1 {
			t.Fatalf("contacts after failed writes: %v, %v", names(list), err)
		}
		cos, _, _ := e.db.ListCompanies(ctx, e.org.ID, crm.CompanyFilter{})
		if len(cos) != 2 {
			t.Fatalf("companies after failed writes: %d, want 2", len(cos))
		}
	})
}

func TestOrgIsolation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := mustContact(t, e.db, fullContact(e))
		co := mustCompany(t, e.db, e.org.ID, "Mine")
		o := e.other.ID
		checks := []struct {
			name string
			err  error
		}{
			{"FindContact", func() error { _, err := e.db.FindContact(ctx, o, c.ID); return err }()},
			{"UpdateContact", func() error {
				x := fullContact(e)
				x.ID, x.OrgID, x.OwnerID = c.ID, o, 0
				return e.db.UpdateContact(ctx, x)
			}()},
			{"TrashContact", e.db.TrashContact(ctx, o, c.ID)},
			{"RestoreContact", e.db.RestoreContact(ctx, o, c.ID)},
			{"FindCompany", func() error { _, err := e.db.FindCompany(ctx, o, co.ID); return err }()},
			{"UpdateCompany", e.db.UpdateCompany(ctx, &crm.Company{ID: co.ID, OrgID: o, Name: "Stolen"})},
			{"DeleteCompany", e.db.DeleteCompany(ctx, o, co.ID)},
			{"ListContacts by company", func() error {
				_, _, err := e.db.ListContacts(ctx, o, crm.ContactFilter{CompanyID: co.ID})
				return err
			}()},
			{"ListContacts by owner", func() error {
				_, _, err := e.db.ListContacts(ctx, o, crm.ContactFilter{OwnerID: e.user.ID})
				return err
			}()},
			{"FindUser", func() error { _, err := e.db.FindUser(ctx, o, e.user.ID); return err }()},
			{"UpdateUser", e.db.UpdateUser(ctx, &crm.User{ID: e.user.ID, OrgID: o, Role: crm.RoleMember})},
			{"RevokeAPIToken", e.db.RevokeAPIToken(ctx, e.ouser.ID, mustToken(t, e).ID)},
			{"FindContact unknown id", func() error { _, err := e.db.FindContact(ctx, e.org.ID, 987654); return err }()},
		}
		for _, ch := range checks {
			if crm.ErrorCode(ch.err) != crm.ENOTFOUND {
				t.Errorf("%s with another organization's id: %v, want %s", ch.name, ch.err, crm.ENOTFOUND)
			}
		}
		// Nothing leaked or changed.
		if got := mustFind(t, e.db, e.org.ID, c.ID); got.DeletedAt != nil || got.LastName != "Smith" || got.Version != c.Version {
			t.Fatalf("contact changed through another organization: %+v", got)
		}
		if got, _ := e.db.FindCompany(ctx, e.org.ID, co.ID); got == nil || got.Name != "Mine" {
			t.Fatalf("company changed through another organization: %+v", got)
		}
		if list, _, _ := e.db.ListContacts(ctx, o, crm.ContactFilter{}); len(list) != 0 {
			t.Fatalf("other organization lists %v", names(list))
		}
		if list, _, _ := e.db.ListCompanies(ctx, o, crm.CompanyFilter{}); len(list) != 0 {
			t.Fatalf("other organization lists %d companies", len(list))
		}
	})
}

func mustToken(t testing.TB, e *env) *crm.APIToken {
	t.Helper()
	tok, _, err := e.db.CreateAPIToken(ctx, e.user.ID, "ci")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTrashRestorePurge(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		a := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, LastName: "Adams", Employments: []crm.Employment{{CompanyName: "Co"}}})
		b := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, LastName: "Brown"})
		o := mustContact(t, e.db, &crm.Contact{OrgID: e.other.ID, LastName: "Other"})

		if err := e.db.TrashContact(ctx, e.org.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		ta := mustFind(t, e.db, e.org.ID, a.ID)
		if ta.DeletedAt == nil || ta.Version <= a.Version || ta.UpdatedAt.Before(a.UpdatedAt) {
			t.Fatalf("trashed: %+v", ta)
		}
		if err := e.db.TrashContact(ctx, e.org.ID, a.ID); err != nil || mustFind(t, e.db, e.org.ID, a.ID).Version != ta.Version {
			t.Fatalf("trashing twice: %v", err)
		}
		live, _, _ := e.db.ListContacts(ctx, e.org.ID, crm.ContactFilter{})
		trash, _, _ := e.db.ListContacts(ctx, e.org.ID, crm.ContactFilter{Trashed: true})
		if !reflect.DeepEqual(names(live), []string{"Brown"}) || !reflect.DeepEqual(names(trash), []string{"Adams"}) {
			t.Fatalf("live %v, trash %v", names(live), names(trash))
		}
		co, _, _ := e.db.ListCompanies(ctx, e.org.ID, crm.CompanyFilter{})
		if co[0].Employees != 0 {
			t.Fatalf("trashed contact counted as employee: %d", co[0].Employees)
		}

		if err := e.db.RestoreContact(ctx, e.org.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		ra := mustFind(t, e.db, e.org.ID, a.ID)
		if ra.DeletedAt != nil || ra.Version <= ta.Version {
			t.Fatalf("restored: %+v", ra)
		}
		wantCode(t, e.db.TrashContact(ctx, e.org.ID, 424242), crm.ENOTFOUND)

		// Purge: only contacts trashed before the cut-off, in every organization.
		for _, x := range []*crm.Contact{a, o} {
			if err := e.db.TrashContact(ctx, x.OrgID, x.ID); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := e.db.PurgeTrash(ctx, time.Now().Add(-time.Hour)); err != nil || n != 0 {
			t.Fatalf("purge of nothing old: %d, %v", n, err)
		}
		n, err := e.db.PurgeTrash(ctx, time.Now().Add(time.Minute))
		if err != nil || n != 2 {
			t.Fatalf("purge: %d, %v; want 2", n, err)
		}
		_, err = e.db.FindContact(ctx, e.org.ID, a.ID)
		wantCode(t, err, crm.ENOTFOUND)
		mustFind(t, e.db, e.org.ID, b.ID)
		if l, _, _ := e.db.ListContacts(ctx, e.org.ID, crm.ContactFilter{Query: "adams"}); len(l) != 0 {
			t.Fatalf("purged contact still found by search: %v", names(l))
		}
	})
}

func TestPrimaryEmployment(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, LastName: "Lee", Employments: []crm.Employment{
			{CompanyName: "One"}, {CompanyName: "Two"}, {CompanyName: "Three"}}})
		if !c.Employments[0].Primary || c.Employments[1].Primary {
			t.Fatalf("first employment not made primary: %+v", c.Employments)
		}
		// Move the primary flag around, in every direction.
		for _, i := range []int{2, 1, 0, 2} {
			f := mustFind(t, e.db, e.org.ID, c.ID)
			for j := range f.Employments {
				f.Employments[j].Primary = j == i
			}
			if err := e.db.UpdateContact(ctx, f); err != nil {
				t.Fatalf("make %d primary: %v", i, err)
			}
			if p := mustFind(t, e.db, e.org.ID, c.ID).Primary(); p == nil || p.CompanyName != c.Employments[i].CompanyName {
				t.Fatalf("primary = %+v, want %s", p, c.Employments[i].CompanyName)
			}
		}
		// Deleting the primary's company makes the first remaining one primary.
		three := c.Employments[2].CompanyID
		before := mustFind(t, e.db, e.org.ID, c.ID)
		if err := e.db.DeleteCompany(ctx, e.org.ID, three); err != nil {
			t.Fatal(err)
		}
		after := mustFind(t, e.db, e.org.ID, c.ID)
		if len(after.Employments) != 2 || after.Primary() == nil || after.Primary().CompanyName != "One" || after.Version <= before.Version {
			t.Fatalf("after deleting the primary's company: %+v (version %d→%d)", after.Employments, before.Version, after.Version)
		}
		if l, _, _ := e.db.ListContacts(ctx, e.org.ID, crm.ContactFilter{Query: "three"}); len(l) != 0 {
			t.Fatalf("deleted company still in search text")
		}
		_, err := e.db.FindCompany(ctx, e.org.ID, three)
		wantCode(t, err, crm.ENOTFOUND)
		wantCode(t, e.db.DeleteCompany(ctx, e.org.ID, three), crm.ENOTFOUND)
	})
}

func TestVersionsIncrease(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, LastName: "V", Employments: []crm.Employment{{CompanyName: "VCo"}}})
		last := c.Version
		step := func(what string, fn func() error) {
			t.Helper()
			if err := fn(); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			v := mustFind(t, e.db, e.org.ID, c.ID).Version
			if v <= last {
				t.Fatalf("%s: version %d, not above %d", what, v, last)
			}
			last = v
		}
		step("edit field", func() error {
			x := mustFind(t, e.db, e.org.ID, c.ID)
			x.FirstName = "W"
			return e.db.UpdateContact(ctx, x)
		})
		step("edit employment", func() error {
			x := mustFind(t, e.db, e.org.ID, c.ID)
			x.Employments[0].WorkPhone = "123 456"
			return e.db.UpdateContact(ctx, x)
		})
		step("add employment", func() error {
			x := mustFind(t, e.db, e.org.ID, c.ID)
			x.Employments = append(x.Employments, crm.Employment{CompanyName: "Second"})
			return e.db.UpdateContact(ctx, x)
		})
		step("trash", func() error { return e.db.TrashContact(ctx, e.org.ID, c.ID) })
		step("restore", func() error { return e.db.RestoreContact(ctx, e.org.ID, c.ID) })
		step("rename company", func() error {
			co, _ := e.db.FindCompany(ctx, e.org.ID, c.Employments[0].CompanyID)
			co.Name = "VCo 2"
			return e.db.UpdateCompany(ctx, co)
		})
		step("delete company", func() error { return e.db.DeleteCompany(ctx, e.org.ID, c.Employments[0].CompanyID) })
	})
}

func TestConcurrentWriters(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		const writers, each = 8, 50
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					c := &crm.Contact{OrgID: e.org.ID, OwnerID: e.user.ID, FirstName: fmt.Sprint(i), LastName: fmt.Sprintf("Writer%d", w),
						Employments: []crm.Employment{{CompanyName: fmt.Sprintf("Shared %d", i%5)}}}
					if err := e.db.CreateContact(ctx, c); err != nil {
						errs <- err
						continue
					}
					// Reads alongside the writes.
					if _, _, err := e.db.ListContacts(ctx, e.org.ID, crm.ContactFilter{Query: "writer"}); err != nil {
						errs <- err
					}
					if i%10 == 0 {
						c.Note = "edited"
						if err := e.db.UpdateContact(ctx, c); err != nil {
							errs <- err
						}
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent write: %v", err)
		}
		seen := map[int64]bool{}
		versions := map[int64]bool{}
		cursor := ""
		for {
			page, next, err := e.db.ListContacts(ctx, e.org.ID, crm.ContactFilter{Limit: crm.MaxPageSize, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page {
				seen[c.ID] = true
				versions[c.Version] = true
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if len(seen) != writers*each || len(versions) != writers*each {
			t.Fatalf("%d contacts with %d distinct versions, want %d", len(seen), len(versions), writers*each)
		}
		cos, _, _ := e.db.ListCompanies(ctx, e.org.ID, crm.CompanyFilter{Query: "shared"})
		if len(cos) != 5 {
			t.Fatalf("find-or-create under concurrency made %d companies, want 5", len(cos))
		}
	})
}
