package crm

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestContactValidate(t *testing.T) {
	long := strings.Repeat("x", MaxNameLen+1)
	tests := []struct {
		name  string
		c     Contact
		field string // "" = valid
	}{
		{"name only", Contact{LastName: "Lee"}, ""},
		{"email only", Contact{PersonalEmail: "ann@example.com"}, ""},
		{"nothing to call them by", Contact{HomePhone: "0123456789"}, "last_name"},
		{"bad email", Contact{LastName: "Lee", PersonalEmail: "ann@"}, "personal_email"},
		{"display name is not an email", Contact{LastName: "Lee", PersonalEmail: "Ann <ann@example.com>"}, "personal_email"},
		{"over-long first name", Contact{FirstName: long, LastName: "Lee"}, "first_name"},
		{"phone with letters", Contact{LastName: "Lee", MobilePhone: "call me"}, "mobile_phone"},
		{"phone too short", Contact{LastName: "Lee", HomePhone: "12"}, "home_phone"},
		{"phone as typed", Contact{LastName: "Lee", HomePhone: "+33 (0)1 23-45.67/89 x12"}, ""},
		{"NUL in a note", Contact{LastName: "Lee", Note: "a\x00b"}, "note"},
		{"invalid UTF-8", Contact{LastName: "Lee\xff"}, "last_name"},
		{"employment without company", Contact{LastName: "Lee", Employments: []Employment{{Function: "CEO"}}}, "employments.0.company_id"},
		{"bad work email", Contact{LastName: "Lee", Employments: []Employment{{CompanyName: "Acme", WorkEmail: "x"}}}, "employments.0.work_email"},
		{"same company twice", Contact{LastName: "Lee", Employments: []Employment{{CompanyName: "Acme"}, {CompanyName: "acme"}}}, "employments.1.company_name"},
		{"two primaries", Contact{LastName: "Lee", Employments: []Employment{{CompanyName: "A", Primary: true}, {CompanyName: "B", Primary: true}}}, "employments.1.primary"},
		{"long address line", Contact{LastName: "Lee", Address: Address{Street: strings.Repeat("s", MaxLineLen+1)}}, "address.street"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			c.Normalize()
			err := c.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("valid contact refused: %v", err)
				}
				return
			}
			if ErrorCode(err) != EINVALID || ErrorFields(err)[tc.field] == "" {
				t.Fatalf("err = %v, want a message on %s", err, tc.field)
			}
		})
	}
}

func TestContactNormalize(t *testing.T) {
	c := Contact{FirstName: "  Ann ", Note: "hello \n\n", Employments: []Employment{{CompanyName: " Acme "}, {CompanyName: "B"}}}
	c.Normalize()
	if c.FirstName != "Ann" || c.Note != "hello" || c.Employments[0].CompanyName != "Acme" {
		t.Fatalf("normalized = %+v", c)
	}
	if !c.Employments[0].Primary || c.Employments[1].Primary || c.Primary().CompanyName != "Acme" {
		t.Fatal("with no primary employment, the first should become primary")
	}
}

func TestCompanyValidate(t *testing.T) {
	for _, tc := range []struct {
		c     Company
		field string
	}{
		{Company{Name: "Acme", Website: "acme.example"}, ""},
		{Company{}, "name"},
		{Company{Name: "Acme", Website: "acme example"}, "website"},
		{Company{Name: "Acme", Phone: "abc"}, "phone"},
	} {
		c := tc.c
		c.Normalize()
		err := c.Validate()
		if (tc.field == "") != (err == nil) || (tc.field != "" && ErrorFields(err)[tc.field] == "") {
			t.Errorf("%+v: err = %v, want field %q", tc.c, err, tc.field)
		}
	}
}

func TestErrorHelpers(t *testing.T) {
	internal := fmt.Errorf("query: %w", errors.New("connection refused"))
	if ErrorCode(internal) != EINTERNAL || ErrorMessage(internal) != "Internal error." {
		t.Fatal("an internal error leaks its detail or code")
	}
	nf := fmt.Errorf("find: %w", NotFound("contact"))
	if ErrorCode(nf) != ENOTFOUND || ErrorMessage(nf) != "No contact with this id in your organization." {
		t.Fatalf("wrapped not found: %q %q", ErrorCode(nf), ErrorMessage(nf))
	}
	f := FieldErrors{}
	f.Add("a", "first")
	f.Add("a", "second")
	if f["a"] != "first" || (FieldErrors{}).Err() != nil {
		t.Fatal("FieldErrors keeps the first message per field; no fields is no error")
	}
	if ErrorCode(nil) != "" {
		t.Fatal("ErrorCode(nil) should be empty")
	}
}

// The phone message lists every character a phone number may hold, / too.
func TestPhoneMessage(t *testing.T) {
	err := (&Contact{LastName: "Lee", MobilePhone: "call me"}).Validate()
	if got := ErrorFields(err)["mobile_phone"]; got != "Enter a phone number with digits, spaces and + - . ( ) / only." {
		t.Errorf("message %q", got)
	}
	if err := (&Contact{LastName: "Lee", MobilePhone: "01/23 45 67"}).Validate(); err != nil {
		t.Errorf("a / is refused: %v", err)
	}
}
