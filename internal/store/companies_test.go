package store_test

import (
	"reflect"
	"strings"
	"testing"

	"simplecrm/internal/crm"
)

func TestCompanyFindOrCreate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		a := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, LastName: "A", Employments: []crm.Employment{{CompanyName: "  Umbrella Corp "}}})
		b := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, LastName: "B", Employments: []crm.Employment{{CompanyName: "Umbrella Corp"}}})
		if a.Employments[0].CompanyID == 0 || a.Employments[0].CompanyID != b.Employments[0].CompanyID {
			t.Fatalf("same name gave companies %d and %d", a.Employments[0].CompanyID, b.Employments[0].CompanyID)
		}
		// Exact name only: another spelling is another company.
		c := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, LastName: "C", Employments: []crm.Employment{{CompanyName: "UMBRELLA CORP"}}})
		if c.Employments[0].CompanyID == a.Employments[0].CompanyID {
			t.Fatal("find by name is not exact")
		}
		// By id; the name is filled in.
		d := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, LastName: "D", Employments: []crm.Employment{{CompanyID: a.Employments[0].CompanyID}}})
		if d.Employments[0].CompanyName != "Umbrella Corp" {
			t.Fatalf("company name = %q", d.Employments[0].CompanyName)
		}
		// The same name in another organization is another company.
		o := mustContact(t, e.db, &crm.Contact{OrgID: e.other.ID, LastName: "O", Employments: []crm.Employment{{CompanyName: "Umbrella Corp"}}})
		if o.Employments[0].CompanyID == a.Employments[0].CompanyID {
			t.Fatal("company shared across organizations")
		}
		co, err := e.db.FindCompany(ctx, e.org.ID, a.Employments[0].CompanyID)
		if err != nil || co.Employees != 3 {
			t.Fatalf("employees = %v, %v; want 3", co, err)
		}
		// Company name conflicts.
		wantCode(t, e.db.CreateCompany(ctx, &crm.Company{OrgID: e.org.ID, Name: "Umbrella Corp"}), crm.ECONFLICT)
		x := mustCompany(t, e.db, e.org.ID, "Other Name")
		x.Name = "Umbrella Corp"
		wantCode(t, e.db.UpdateCompany(ctx, x), crm.ECONFLICT)
		if got, _ := e.db.FindCompany(ctx, e.org.ID, x.ID); got.Name != "Other Name" {
			t.Fatalf("failed rename stored: %q", got.Name)
		}
	})
}

func TestCompanyCRUD(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		c := &crm.Company{OrgID: e.org.ID, Name: " Wayne Enterprises ", Phone: "+1 555 0100", Website: "wayne.example",
			Address: "1007 Mountain Drive\nGotham", Note: "Bats."}
		if err := e.db.CreateCompany(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, err := e.db.FindCompany(ctx, e.org.ID, c.ID)
		if err != nil || !reflect.DeepEqual(got, c) || got.Name != "Wayne Enterprises" {
			t.Fatalf("found %+v, %v; want %+v", got, err, c)
		}
		got.Phone, got.Note = "", "Not bats."
		if err := e.db.UpdateCompany(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, _ := e.db.FindCompany(ctx, e.org.ID, c.ID)
		if !reflect.DeepEqual(again, got) {
			t.Fatalf("after update %+v, want %+v", again, got)
		}
		for _, tt := range []struct {
			c     crm.Company
			field string
		}{
			{crm.Company{Name: " "}, "name"},
			{crm.Company{Name: strings.Repeat("n", 201)}, "name"},
			{crm.Company{Name: "X", Phone: "abc"}, "phone"},
			{crm.Company{Name: "X", Website: "a b"}, "website"},
		} {
			tt.c.OrgID = e.org.ID
			wantField(t, e.db.CreateCompany(ctx, &tt.c), tt.field)
			tt.c.ID = c.ID
			wantField(t, e.db.UpdateCompany(ctx, &tt.c), tt.field)
		}
		wantCode(t, e.db.UpdateCompany(ctx, &crm.Company{OrgID: e.org.ID, ID: 99999, Name: "Nope"}), crm.ENOTFOUND)
		if err := e.db.DeleteCompany(ctx, e.org.ID, c.ID); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCompanyRenameBumpsEmployees(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		emp := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, LastName: "Emp", Employments: []crm.Employment{{CompanyName: "Old Name"}}})
		trashed := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, LastName: "Gone", Employments: []crm.Employment{{CompanyName: "Old Name"}}})
		bystander := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, LastName: "Bystander"})
		if err := e.db.TrashContact(ctx, e.org.ID, trashed.ID); err != nil {
			t.Fatal(err)
		}
		trashed = mustFind(t, e.db, e.org.ID, trashed.ID)
		co, _ := e.db.FindCompany(ctx, e.org.ID, emp.Employments[0].CompanyID)

		// A change not shown on phones leaves the employees alone.
		co.Note = "new note"
		if err := e.db.UpdateCompany(ctx, co); err != nil {
			t.Fatal(err)
		}
		if v := mustFind(t, e.db, e.org.ID, emp.ID).Version; v != emp.Version {
			t.Fatalf("note change bumped employee version %d→%d", emp.Version, v)
		}

		co.Name = "New Name"
		if err := e.db.UpdateCompany(ctx, co); err != nil {
			t.Fatal(err)
		}
		e1, t1, b1 := mustFind(t, e.db, e.org.ID, emp.ID), mustFind(t, e.db, e.org.ID, trashed.ID), mustFind(t, e.db, e.org.ID, bystander.ID)
		if e1.Version <= emp.Version || t1.Version <= trashed.Version || b1.Version != bystander.Version {
			t.Fatalf("versions after rename: employee %d→%d, trashed %d→%d, bystander %d→%d",
				emp.Version, e1.Version, trashed.Version, t1.Version, bystander.Version, b1.Version)
		}
		if e1.Employments[0].CompanyName != "New Name" || !e1.UpdatedAt.After(emp.UpdatedAt) {
			t.Fatalf("employee after rename: %+v", e1)
		}
		if l, _, _ := e.db.ListContacts(ctx, e.org.ID, crm.ContactFilter{Query: "new nam"}); !reflect.DeepEqual(names(l), []string{"Emp"}) {
			t.Fatalf("search by new company name: %v", names(l))
		}
		if l, _, _ := e.db.ListContacts(ctx, e.org.ID, crm.ContactFilter{Query: "old"}); len(l) != 0 {
			t.Fatalf("search by old company name: %v", names(l))
		}
	})
}
