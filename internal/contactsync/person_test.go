package contactsync

import (
	"encoding/json"
	"reflect"
	"testing"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/crm"
)

const samplePerson = `{
  "resourceName": "people/c1", "etag": "%E1",
  "names": [{"givenName": "Ann", "familyName": "Lee", "middleName": "Q"}],
  "phoneNumbers": [
    {"value": "+33 6 12 34 56 78", "type": "mobile", "canonicalForm": "+33612345678"},
    {"value": "01 11 11 11 11", "type": "main"},
    {"value": "01 22 22 22 22", "type": "work"},
    {"value": "09 99 99 99 99", "type": "mobile", "metadata": {"source": {"type": "PROFILE"}}}
  ],
  "emailAddresses": [
    {"value": "ann@acme.example", "type": "work"},
    {"value": "ann@example.org", "type": "other"}
  ],
  "addresses": [{"type": "home", "streetAddress": "1 rue X", "city": "Lyon", "countryCode": "FR", "formattedValue": "1 rue X, Lyon"},
                {"type": "work", "city": "Paris"}],
  "organizations": [{"name": "Acme", "title": "CEO", "department": "Board"}],
  "biographies": [{"value": "their own note"}],
  "userDefined": [{"key": "tier", "value": "gold"}],
  "memberships": [{"contactGroupMembership": {"contactGroupResourceName": "contactGroups/abc"}}]
}`

func mustPerson(t testing.TB, js string) *people.Person {
	t.Helper()
	var p people.Person
	if err := json.Unmarshal([]byte(js), &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

func TestPersonView(t *testing.T) {
	got := PersonView(mustPerson(t, samplePerson))
	want := View{FirstName: "Ann", LastName: "Lee", MobilePhone: "+33 6 12 34 56 78", MobilePhoneE164: "+33612345678", WorkPhone: "01 22 22 22 22",
		PersonalEmail: "ann@example.org", WorkEmail: "ann@acme.example",
		Address: crm.Address{Street: "1 rue X", City: "Lyon"}, Company: "Acme", Title: "CEO"}
	if got != want {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func TestApplyViewKeepsUnmanagedData(t *testing.T) {
	ph := Phones{Region: "FR"}
	tests := []struct {
		name     string
		edit     func(v *View)
		wantMask []string
		check    func(t *testing.T, p *people.Person)
	}{
		{"no change, no mask", func(v *View) {}, nil, nil},
		{"reformatted phone is no change", func(v *View) { v.MobilePhone = "06 12 34 56 78" }, nil, nil},
		{"first name", func(v *View) { v.FirstName = "Anne" }, []string{"names"}, func(t *testing.T, p *people.Person) {
			if p.Names[0].MiddleName != "Q" || p.Names[0].GivenName != "Anne" {
				t.Errorf("names = %+v", p.Names[0])
			}
		}},
		{"home phone added, others kept", func(v *View) { v.HomePhone = "04 00 00 00 00" }, []string{"phoneNumbers"}, func(t *testing.T, p *people.Person) {
			if len(p.PhoneNumbers) != 5 || p.PhoneNumbers[1].Type != "main" || p.PhoneNumbers[4].Type != "home" {
				t.Errorf("phones = %v", jsonOf(p.PhoneNumbers))
			}
		}},
		{"mobile removed, profile mobile untouched", func(v *View) { v.MobilePhone = "" }, []string{"phoneNumbers"}, func(t *testing.T, p *people.Person) {
			if len(p.PhoneNumbers) != 3 || p.PhoneNumbers[2].Value != "09 99 99 99 99" {
				t.Errorf("phones = %v", jsonOf(p.PhoneNumbers))
			}
		}},
		{"personal email written into the entry it came from", func(v *View) { v.PersonalEmail = "ann@new.example" }, []string{"emailAddresses"}, func(t *testing.T, p *people.Person) {
			if len(p.EmailAddresses) != 2 || p.EmailAddresses[1].Value != "ann@new.example" || p.EmailAddresses[1].Type != "other" {
				t.Errorf("emails = %v", jsonOf(p.EmailAddresses))
			}
		}},
		{"address replaced, work address kept", func(v *View) { v.Address = crm.Address{City: "Nantes"} }, []string{"addresses"}, func(t *testing.T, p *people.Person) {
			if len(p.Addresses) != 2 || p.Addresses[0].City != "Nantes" || p.Addresses[0].StreetAddress != "" || p.Addresses[1].City != "Paris" {
				t.Errorf("addresses = %v", jsonOf(p.Addresses))
			}
		}},
		{"title keeps department", func(v *View) { v.Title = "Founder" }, []string{"organizations"}, func(t *testing.T, p *people.Person) {
			if p.Organizations[0].Department != "Board" || p.Organizations[0].Title != "Founder" {
				t.Errorf("organizations = %v", jsonOf(p.Organizations))
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustPerson(t, samplePerson)
			v := PersonView(p)
			tc.edit(&v)
			mask := ph.ApplyView(p, v)
			if !reflect.DeepEqual(mask, tc.wantMask) {
				t.Fatalf("mask = %v, want %v", mask, tc.wantMask)
			}
			if got := PersonView(p); !viewEq(ph, got, v) {
				t.Fatalf("after apply view = %+v, want %+v", got, v)
			}
			if len(p.Biographies) != 1 || len(p.UserDefined) != 1 || len(p.Memberships) != 1 {
				t.Fatal("unmanaged fields lost")
			}
			if tc.check != nil {
				tc.check(t, p)
			}
		})
	}
}

func TestApplyViewOnEmptyPerson(t *testing.T) {
	v := View{FirstName: "Zoé", MobilePhone: "+33 6 00 00 00 01", PersonalEmail: "z@example.org", WorkEmail: "z@acme.example",
		Address: crm.Address{City: "Lyon"}, Company: "Acme", Title: "CTO", WorkMobile: "+33 7 00 00 00 02"}
	p := &people.Person{}
	mask := Phones{}.ApplyView(p, v)
	if !reflect.DeepEqual(mask, []string{"names", "phoneNumbers", "emailAddresses", "addresses", "organizations"}) {
		t.Fatalf("mask = %v", mask)
	}
	if got := PersonView(p); got != v {
		t.Fatalf("got %+v", got)
	}
}

func viewEq(ph Phones, a, b View) bool {
	for _, f := range append(append([]string{}, TwoWayFields...), BusinessFields...) {
		if !ph.fieldEq(f, a, b) {
			return false
		}
	}
	return true
}

func jsonOf(v any) string { b, _ := json.Marshal(v); return string(b) }

// Any person Google may send maps to a view without panicking, and writing
// that view back changes nothing.
func FuzzPersonView(f *testing.F) {
	f.Add([]byte(samplePerson))
	f.Add([]byte(`{"names":[{"metadata":{"source":{"type":"PROFILE"}},"givenName":"x"}],"emailAddresses":[{"value":"a@b","type":"WORK"},{"value":""}]}`))
	f.Add([]byte(`{"phoneNumbers":[null,{"type":"home"}],"addresses":[{"type":"home"}],"organizations":[{}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p people.Person
		if json.Unmarshal(data, &p) != nil {
			return
		}
		v := PersonView(&p)
		if mask := (Phones{Region: "FR"}).ApplyView(&p, v); len(mask) != 0 {
			t.Fatalf("writing back the person's own view changed %v", mask)
		}
	})
}
