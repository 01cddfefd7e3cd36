package contactsync

import (
	"reflect"
	"testing"
	"time"

	"simplecrm/internal/crm"
)

func TestMerge(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	earlier, later := t0, t0.Add(time.Minute)
	base := View{FirstName: "Ann", LastName: "Lee", MobilePhone: "+33 6 12 34 56 78", PersonalEmail: "ann@example.com",
		Company: "Acme", Title: "CEO"}
	with := func(v View, f func(*View)) View { f(&v); return v }
	p := Phones{Region: "FR"}
	tests := []struct {
		name                string
		crm, google         View
		baseCRM, baseGoogle View
		crmTime, googleTime time.Time
		wantCRM, wantGoogle View
		wantConflicts       []string
	}{
		{
			name: "nothing changed", crm: base, google: base, baseCRM: base, baseGoogle: base,
			wantCRM: base, wantGoogle: base,
		},
		{
			name: "CRM edit goes to Google",
			crm:  with(base, func(v *View) { v.FirstName = "Anne" }), google: base, baseCRM: base, baseGoogle: base,
			wantCRM: with(base, func(v *View) { v.FirstName = "Anne" }), wantGoogle: with(base, func(v *View) { v.FirstName = "Anne" }),
		},
		{
			name: "Google edit comes to the CRM even when the CRM was touched later",
			crm:  base, google: with(base, func(v *View) { v.LastName = "Li" }), baseCRM: base, baseGoogle: base,
			crmTime: later, googleTime: earlier,
			wantCRM: with(base, func(v *View) { v.LastName = "Li" }), wantGoogle: with(base, func(v *View) { v.LastName = "Li" }),
		},
		{
			name:    "disjoint edits both kept",
			crm:     with(base, func(v *View) { v.FirstName = "Anne" }),
			google:  with(base, func(v *View) { v.HomePhone = "01 23 45 67 89" }),
			baseCRM: base, baseGoogle: base, crmTime: later, googleTime: earlier,
			wantCRM:    with(base, func(v *View) { v.FirstName = "Anne"; v.HomePhone = "01 23 45 67 89" }),
			wantGoogle: with(base, func(v *View) { v.FirstName = "Anne"; v.HomePhone = "01 23 45 67 89" }),
		},
		{
			name:    "same field both sides: Google modified last wins",
			crm:     with(base, func(v *View) { v.FirstName = "Anne" }),
			google:  with(base, func(v *View) { v.FirstName = "Annie" }),
			baseCRM: base, baseGoogle: base, crmTime: earlier, googleTime: later,
			wantCRM:       with(base, func(v *View) { v.FirstName = "Annie" }),
			wantGoogle:    with(base, func(v *View) { v.FirstName = "Annie" }),
			wantConflicts: []string{FieldFirstName},
		},
		{
			name:    "same field both sides: CRM modified last wins",
			crm:     with(base, func(v *View) { v.FirstName = "Anne" }),
			google:  with(base, func(v *View) { v.FirstName = "Annie" }),
			baseCRM: base, baseGoogle: base, crmTime: later, googleTime: earlier,
			wantCRM:       with(base, func(v *View) { v.FirstName = "Anne" }),
			wantGoogle:    with(base, func(v *View) { v.FirstName = "Anne" }),
			wantConflicts: []string{FieldFirstName},
		},
		{
			name:   "phone formatting is not a change",
			crm:    base,
			google: with(base, func(v *View) { v.MobilePhone = "06 12 34 56 78" }), baseCRM: base, baseGoogle: base,
			wantCRM: base, wantGoogle: with(base, func(v *View) { v.MobilePhone = "06 12 34 56 78" }),
		},
		{
			name:   "email case is not a change",
			crm:    base,
			google: with(base, func(v *View) { v.PersonalEmail = "Ann@Example.com" }), baseCRM: base, baseGoogle: base,
			wantCRM: base, wantGoogle: with(base, func(v *View) { v.PersonalEmail = "Ann@Example.com" }),
		},
		{
			name: "deletion on Google clears the CRM field",
			crm:  base, google: with(base, func(v *View) { v.MobilePhone = "" }), baseCRM: base, baseGoogle: base,
			wantCRM: with(base, func(v *View) { v.MobilePhone = "" }), wantGoogle: with(base, func(v *View) { v.MobilePhone = "" }),
		},
		{
			name:    "new link: empty on one side takes the other, differing values go to the last writer",
			crm:     View{FirstName: "Ann", LastName: "Lee", PersonalEmail: "ann@example.com", Company: "Acme"},
			google:  View{FirstName: "Annie", PersonalEmail: "ann@example.com", MobilePhone: "+33612345678"},
			crmTime: later, googleTime: earlier,
			wantCRM:       View{FirstName: "Ann", LastName: "Lee", PersonalEmail: "ann@example.com", MobilePhone: "+33612345678", Company: "Acme"},
			wantGoogle:    View{FirstName: "Ann", LastName: "Lee", PersonalEmail: "ann@example.com", MobilePhone: "+33612345678", Company: "Acme"},
			wantConflicts: []string{FieldFirstName},
		},
		{
			name: "business field edited in Google stays there, the CRM keeps its own",
			crm:  base, google: with(base, func(v *View) { v.Title = "Founder" }), baseCRM: base, baseGoogle: base,
			wantCRM: base, wantGoogle: with(base, func(v *View) { v.Title = "Founder" }),
		},
		{
			name:    "business field edited in the CRM overwrites Google",
			crm:     with(base, func(v *View) { v.Company = "Acme Corp" }),
			google:  with(base, func(v *View) { v.Title = "Founder" }),
			baseCRM: base, baseGoogle: base,
			wantCRM:    with(base, func(v *View) { v.Company = "Acme Corp" }),
			wantGoogle: with(base, func(v *View) { v.Company = "Acme Corp"; v.Title = "Founder" }),
		},
		{
			name:    "business field kept in Google is not pushed back on the next sync",
			crm:     base,
			google:  with(base, func(v *View) { v.Title = "Founder" }),
			baseCRM: base, baseGoogle: with(base, func(v *View) { v.Title = "Founder" }),
			wantCRM: base, wantGoogle: with(base, func(v *View) { v.Title = "Founder" }),
		},
		{
			name:    "business field changed on both sides: last writer",
			crm:     with(base, func(v *View) { v.Title = "President" }),
			google:  with(base, func(v *View) { v.Title = "Founder" }),
			baseCRM: base, baseGoogle: base, crmTime: later, googleTime: earlier,
			wantCRM:       with(base, func(v *View) { v.Title = "President" }),
			wantGoogle:    with(base, func(v *View) { v.Title = "President" }),
			wantConflicts: []string{FieldTitle},
		},
		{
			name:    "address merges as a whole",
			crm:     with(base, func(v *View) { v.Address = crm.Address{City: "Lyon"} }),
			google:  base,
			baseCRM: base, baseGoogle: base,
			wantCRM:    with(base, func(v *View) { v.Address = crm.Address{City: "Lyon"} }),
			wantGoogle: with(base, func(v *View) { v.Address = crm.Address{City: "Lyon"} }),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := p.Merge(MergeInput{CRM: tc.crm, Google: tc.google, BaseCRM: tc.baseCRM, BaseGoogle: tc.baseGoogle,
				CRMTime: tc.crmTime, GoogleTime: tc.googleTime})
			if got.CRM != tc.wantCRM {
				t.Errorf("CRM\n got %+v\nwant %+v", got.CRM, tc.wantCRM)
			}
			if got.Google != tc.wantGoogle {
				t.Errorf("Google\n got %+v\nwant %+v", got.Google, tc.wantGoogle)
			}
			var fields []string
			for _, c := range got.Conflicts {
				fields = append(fields, c.Field)
			}
			if !reflect.DeepEqual(fields, tc.wantConflicts) {
				t.Errorf("conflicts = %v, want %v", fields, tc.wantConflicts)
			}
		})
	}
}

// After a merge both sides agree on every two-way field, whatever the input.
func FuzzMergeConverges(f *testing.F) {
	f.Add("Ann", "Anne", "", "+33 6 12 34 56 78", "06 12 34 56 78", "0612", true)
	f.Add("", "x", "y", "", "1", "2", false)
	f.Fuzz(func(t *testing.T, a, b, c, pa, pb, pc string, googleLast bool) {
		t0 := time.Unix(0, 0)
		t1 := t0
		if googleLast {
			t1 = t0.Add(time.Second)
		}
		p := Phones{Region: "FR"}
		res := p.Merge(MergeInput{
			CRM: View{FirstName: a, MobilePhone: pa}, Google: View{FirstName: b, MobilePhone: pb},
			BaseCRM: View{FirstName: c, MobilePhone: pc}, BaseGoogle: View{FirstName: c, MobilePhone: pc},
			CRMTime: t0, GoogleTime: t1,
		})
		for _, fld := range TwoWayFields {
			if !p.fieldEq(fld, res.CRM, res.Google) {
				t.Fatalf("%s differs after merge: %+v vs %+v", fld, res.CRM, res.Google)
			}
		}
	})
}

func TestPhonesSame(t *testing.T) {
	p := Phones{Region: "FR"}
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"+33 6 12 34 56 78", "06 12 34 56 78", true},
		{"+33612345678", "+33 (0)6 12-34-56-78", true},
		{"06 12 34 56 78", "06 12 34 56 79", false},
		{"1234", "12 34", true}, // unparseable: digits
		{"+1 415 555 0100", "+1 (415) 555-0100", true},
		{"", "", true},
		{"", "1", false},
	} {
		if got := p.Same(tc.a, tc.b); got != tc.want {
			t.Errorf("Same(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestPhonesSameWithoutRegion is production's default (no
// SIMPLECRM_PHONE_REGION): a national number is read in the country of the
// international number it is compared with, and Google's canonicalForm
// stands for the number it was computed from.
func TestPhonesSameWithoutRegion(t *testing.T) {
	var p Phones
	for _, tc := range []struct {
		a, aE164, b, bE164 string
		want               bool
	}{
		{"06 12 34 56 78", "", "+33 6 12 34 56 78", "", true},
		{"+33 6 12 34 56 78", "", "06 12 34 56 78", "", true},
		{"06 12 34 56 78", "+33612345678", "+33612345678", "", true},
		{"06 12 34 56 78", "+33612345678", "0612345678", "", true},
		{"06 12 34 56 78", "+33612345678", "+33 6 12 34 56 79", "", false},
		{"06 12 34 56 78", "", "06 12 34 56 79", "", false},
		{"07 00 00 00 01", "+447000000001", "07 00 00 00 01", "", true},
		{"1234", "", "12 34", "", true},
	} {
		if got := p.sameNumber(tc.a, tc.aE164, tc.b, tc.bE164); got != tc.want {
			t.Errorf("sameNumber(%q [%s], %q [%s]) = %v, want %v", tc.a, tc.aE164, tc.b, tc.bE164, got, tc.want)
		}
	}
	if !p.Same("06 12 34 56 78", "+33 6 12 34 56 78") {
		t.Error(`Phones{}.Same("06 12 34 56 78", "+33 6 12 34 56 78") = false`)
	}
}

func TestContactView(t *testing.T) {
	c := &crm.Contact{FirstName: "Ann", PersonalEmail: "Ann@Example.com", Employments: []crm.Employment{
		{CompanyName: "Old", Function: "Intern"},
		{CompanyName: "Acme", Function: "CEO", WorkEmail: "ann@acme.example", Primary: true},
	}}
	v := ContactView(c)
	if v.Company != "Acme" || v.Title != "CEO" || v.WorkEmail != "ann@acme.example" {
		t.Fatalf("view = %+v: not the primary employment", v)
	}
	if got := v.Emails(); !reflect.DeepEqual(got, []string{"ann@example.com", "ann@acme.example"}) {
		t.Fatalf("Emails = %v", got)
	}
}
