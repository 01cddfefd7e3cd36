// Package contactsync is the Sync Mobile engine: it two-way synchronizes CRM
// contacts with the contacts of a Google account (DESIGN.md §3). This file
// defines the view both sides are compared in.
package contactsync

import (
	"strings"

	"github.com/nyaruka/phonenumbers"

	"simplecrm/internal/crm"
)

// View is what a phone shows of a contact: the managed fields of the field map,
// and nothing else. Both sides are turned into a View, merged as Views, and
// written back from a View.
type View struct {
	// Two-way fields.
	FirstName     string
	LastName      string
	HomePhone     string
	MobilePhone   string
	PersonalEmail string
	Address       crm.Address

	// Business fields: CRM → Google; Google's values come back into the Note block.
	WorkPhone  string
	WorkMobile string
	WorkEmail  string
	Company    string
	Title      string
}

// Field names, used in conflict events and the Note block.
const (
	FieldFirstName     = "first_name"
	FieldLastName      = "last_name"
	FieldHomePhone     = "home_phone"
	FieldMobilePhone   = "mobile_phone"
	FieldPersonalEmail = "personal_email"
	FieldAddress       = "address"
	FieldWorkPhone     = "work_phone"
	FieldWorkMobile    = "work_mobile"
	FieldWorkEmail     = "work_email"
	FieldCompany       = "company"
	FieldTitle         = "title"
)

// ContactView returns the phone view of a CRM contact: its own fields and
// those of its primary employment.
func ContactView(c *crm.Contact) View {
	v := View{
		FirstName:     c.FirstName,
		LastName:      c.LastName,
		HomePhone:     c.HomePhone,
		MobilePhone:   c.MobilePhone,
		PersonalEmail: c.PersonalEmail,
		Address:       c.Address,
	}
	if e := c.Primary(); e != nil {
		v.WorkPhone, v.WorkMobile, v.WorkEmail = e.WorkPhone, e.WorkMobile, e.WorkEmail
		v.Company, v.Title = e.CompanyName, e.Function
	}
	return v
}

// Emails returns the view's non-empty emails, lower-cased and trimmed, the form
// matching compares them in.
func (v View) Emails() []string {
	var out []string
	for _, e := range []string{v.PersonalEmail, v.WorkEmail} {
		if k := EmailKey(e); k != "" {
			out = append(out, k)
		}
	}
	return out
}

// EmailKey is the form emails are matched in: trimmed, case-insensitive.
func EmailKey(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// Phones compares phone numbers as E.164 when both parse (with the default
// region for national numbers), else by their digits, so that formatting is
// never a change.
type Phones struct {
	Region string // ISO 3166 code for numbers without +, e.g. "FR"; "" = only + numbers parse
}

// Same reports whether a and b are the same number.
func (p Phones) Same(a, b string) bool {
	if a == b {
		return true
	}
	ea, oka := p.E164(a)
	eb, okb := p.E164(b)
	if oka && okb {
		return ea == eb
	}
	return digitsOf(a) == digitsOf(b) && digitsOf(a) != ""
}

// E164 returns the number in E.164 form when it parses as a possible number.
func (p Phones) E164(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	region := p.Region
	if strings.HasPrefix(s, "+") {
		region = ""
	} else if region == "" {
		return "", false
	}
	n, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return "", false
	}
	return phonenumbers.Format(n, phonenumbers.E164), true
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// fieldEq compares one field of two views the way sync does: phones by number,
// emails case-insensitively, everything else exactly (after trimming).
func (p Phones) fieldEq(field string, a, b View) bool {
	switch field {
	case FieldHomePhone, FieldMobilePhone, FieldWorkPhone, FieldWorkMobile:
		x, y := a.get(field).(string), b.get(field).(string)
		return (x == "" && y == "") || (x != "" && y != "" && p.Same(x, y))
	case FieldPersonalEmail, FieldWorkEmail:
		return EmailKey(a.get(field).(string)) == EmailKey(b.get(field).(string))
	case FieldAddress:
		return trimAddress(a.Address) == trimAddress(b.Address)
	}
	return strings.TrimSpace(a.get(field).(string)) == strings.TrimSpace(b.get(field).(string))
}

func trimAddress(a crm.Address) crm.Address {
	for _, p := range []*string{&a.Street, &a.Extended, &a.PostalCode, &a.City, &a.Region, &a.Country} {
		*p = strings.TrimSpace(*p)
	}
	return a
}

// get and set address a field by name; Address is the one non-string field.
func (v *View) get(field string) any {
	if field == FieldAddress {
		return v.Address
	}
	return *v.str(field)
}

func (v *View) set(field string, val any) {
	if field == FieldAddress {
		v.Address = val.(crm.Address)
		return
	}
	*v.str(field) = val.(string)
}

func (v *View) str(field string) *string {
	switch field {
	case FieldFirstName:
		return &v.FirstName
	case FieldLastName:
		return &v.LastName
	case FieldHomePhone:
		return &v.HomePhone
	case FieldMobilePhone:
		return &v.MobilePhone
	case FieldPersonalEmail:
		return &v.PersonalEmail
	case FieldWorkPhone:
		return &v.WorkPhone
	case FieldWorkMobile:
		return &v.WorkMobile
	case FieldWorkEmail:
		return &v.WorkEmail
	case FieldCompany:
		return &v.Company
	case FieldTitle:
		return &v.Title
	}
	panic("contactsync: unknown field " + field)
}

// TwoWayFields and BusinessFields list the field map of DESIGN.md §3.
var (
	TwoWayFields   = []string{FieldFirstName, FieldLastName, FieldHomePhone, FieldMobilePhone, FieldPersonalEmail, FieldAddress}
	BusinessFields = []string{FieldCompany, FieldTitle, FieldWorkPhone, FieldWorkMobile, FieldWorkEmail}
)
