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

	// Google's canonicalForm (E.164) of the four phones above, when the view
	// is of a Google contact and Google could parse the number
	// (people-api.md §10). Empty on CRM views. It lets "06 12 34 56 78" in
	// Google equal "+33612345678" in the CRM without a default region.
	HomePhoneE164, MobilePhoneE164, WorkPhoneE164, WorkMobileE164 string
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
// region for national numbers, or Google's canonicalForm), else by their
// digits, so that formatting is never a change.
type Phones struct {
	Region string // ISO 3166 code for numbers without +, e.g. "FR"; "" = only + numbers parse
}

// Same reports whether a and b are the same number.
func (p Phones) Same(a, b string) bool { return p.sameNumber(a, "", b, "") }

// sameNumber compares a and b given their E.164 forms when known (Google's
// canonicalForm). A national number that does not parse on its own is read
// in the country of the other number when that one is international: with
// no default region, "06 12 34 56 78" still equals "+33 6 12 34 56 78".
func (p Phones) sameNumber(a, aE164, b, bE164 string) bool {
	if a == b {
		return true
	}
	ea, eb := p.e164Or(a, aE164), p.e164Or(b, bE164)
	switch {
	case ea != "" && eb != "":
		return ea == eb
	case ea != "":
		return inRegionOf(b, ea) == ea
	case eb != "":
		return inRegionOf(a, eb) == eb
	}
	return digitsOf(a) == digitsOf(b) && digitsOf(a) != ""
}

func (p Phones) e164Or(s, known string) string {
	if known != "" {
		return known
	}
	e, _ := p.E164(s)
	return e
}

// inRegionOf returns the E.164 form of the national number s read in the
// country of the E.164 number ref, or "".
func inRegionOf(s, ref string) string {
	n, err := phonenumbers.Parse(ref, "")
	if err != nil {
		return ""
	}
	region := phonenumbers.GetRegionCodeForNumber(n)
	if region == "" || region == "ZZ" {
		return ""
	}
	e, _ := Phones{Region: region}.E164(s)
	return e
}

// E164 returns the number in E.164 form when it parses as a possible number
// whose E.164 form reads back as itself. Some do not: the library drops a
// national prefix written after the country code ("+49 0 201 000" gives
// "+490201000", which reads back as "+49201000"), so such a form is no
// stable key to compare by; the number is then compared as written.
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
	e := phonenumbers.Format(n, phonenumbers.E164)
	if e != s {
		back, err := phonenumbers.Parse(e, "")
		if err != nil || phonenumbers.Format(back, phonenumbers.E164) != e {
			return "", false
		}
	}
	return e, true
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
		return (x == "" && y == "") || (x != "" && y != "" && p.sameNumber(x, *a.e164(field), y, *b.e164(field)))
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
// Text returns the value of a text field (every field but FieldAddress).
func (v View) Text(field string) string { return *v.str(field) }

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
	if e := v.e164(field); e != nil && *v.str(field) != val.(string) {
		*e = "" // Google's canonical form was of the value replaced
	}
	*v.str(field) = val.(string)
}

// e164 returns the canonical form slot of a phone field, nil for others.
func (v *View) e164(field string) *string {
	switch field {
	case FieldHomePhone:
		return &v.HomePhoneE164
	case FieldMobilePhone:
		return &v.MobilePhoneE164
	case FieldWorkPhone:
		return &v.WorkPhoneE164
	case FieldWorkMobile:
		return &v.WorkMobileE164
	}
	return nil
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
