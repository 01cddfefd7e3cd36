package crm

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// Length limits, in characters.
const (
	MaxNameLen  = 200
	MaxEmailLen = 254
	MaxPhoneLen = 50
	MaxLineLen  = 500
	MaxNoteLen  = 20000
)

// Normalize trims surrounding spaces from every text field and, when the
// contact has employments but none is primary, makes the first one primary.
func (c *Contact) Normalize() {
	for _, p := range []*string{&c.FirstName, &c.LastName, &c.HomePhone, &c.MobilePhone, &c.PersonalEmail,
		&c.Address.Street, &c.Address.Extended, &c.Address.PostalCode, &c.Address.City, &c.Address.Region, &c.Address.Country} {
		*p = strings.TrimSpace(*p)
	}
	c.Note = strings.TrimRight(c.Note, " \t\r\n")
	primary := false
	for i := range c.Employments {
		e := &c.Employments[i]
		for _, p := range []*string{&e.CompanyName, &e.Function, &e.WorkPhone, &e.WorkMobile, &e.WorkEmail} {
			*p = strings.TrimSpace(*p)
		}
		if e.Primary {
			primary = true
		}
	}
	if !primary && len(c.Employments) > 0 {
		c.Employments[0].Primary = true
	}
}

// Validate checks a normalized contact. Field names in the error are the JSON
// names of the REST API (address.city, employments.0.work_email).
func (c *Contact) Validate() error {
	f := FieldErrors{}
	if c.FirstName == "" && c.LastName == "" && c.PersonalEmail == "" {
		f.Add("last_name", "Enter a first name, a last name or an email.")
	}
	checkLen(f, "first_name", c.FirstName, MaxNameLen)
	checkLen(f, "last_name", c.LastName, MaxNameLen)
	checkPhone(f, "home_phone", c.HomePhone)
	checkPhone(f, "mobile_phone", c.MobilePhone)
	checkEmail(f, "personal_email", c.PersonalEmail)
	checkLen(f, "address.street", c.Address.Street, MaxLineLen)
	checkLen(f, "address.extended", c.Address.Extended, MaxLineLen)
	checkLen(f, "address.postal_code", c.Address.PostalCode, MaxPhoneLen)
	checkLen(f, "address.city", c.Address.City, MaxNameLen)
	checkLen(f, "address.region", c.Address.Region, MaxNameLen)
	checkLen(f, "address.country", c.Address.Country, MaxNameLen)
	checkLen(f, "note", c.Note, MaxNoteLen)
	primaries := 0
	seen := map[string]bool{}
	for i, e := range c.Employments {
		p := fmt.Sprintf("employments.%d.", i)
		if e.CompanyID == 0 && e.CompanyName == "" {
			// Keyed by the id, what the store needs in the end; the web
			// UI shows it at its company input.
			f.Add(p+"company_id", "Choose a company.")
		}
		key := strings.ToLower(e.CompanyName)
		if e.CompanyID != 0 {
			key = fmt.Sprint(e.CompanyID)
		}
		if seen[key] {
			f.Add(p+"company_name", "This company is listed twice.")
		}
		seen[key] = true
		checkLen(f, p+"company_name", e.CompanyName, MaxNameLen)
		checkLen(f, p+"function", e.Function, MaxNameLen)
		checkPhone(f, p+"work_phone", e.WorkPhone)
		checkPhone(f, p+"work_mobile", e.WorkMobile)
		checkEmail(f, p+"work_email", e.WorkEmail)
		if e.Primary {
			primaries++
			if primaries > 1 {
				f.Add(p+"primary", "Only one employment can be primary.")
			}
		}
	}
	return f.Err()
}

// Normalize trims surrounding spaces from the company's fields.
func (c *Company) Normalize() {
	for _, p := range []*string{&c.Name, &c.Phone, &c.Website, &c.Address} {
		*p = strings.TrimSpace(*p)
	}
	c.Note = strings.TrimRight(c.Note, " \t\r\n")
}

// Validate checks a normalized company.
func (c *Company) Validate() error {
	f := FieldErrors{}
	if c.Name == "" {
		f.Add("name", "Enter the company's name.")
	}
	checkLen(f, "name", c.Name, MaxNameLen)
	checkPhone(f, "phone", c.Phone)
	checkLen(f, "website", c.Website, MaxLineLen)
	if strings.ContainsAny(c.Website, " \t\n<>\"") {
		f.Add("website", "Enter a web address such as example.com.")
	}
	checkLen(f, "address", c.Address, MaxLineLen*2)
	checkLen(f, "note", c.Note, MaxNoteLen)
	return f.Err()
}

// ValidEmail reports whether s is a bare email address such as ann@example.com.
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == "" && strings.Contains(s[strings.LastIndex(s, "@"):], ".")
}

func checkLen(f FieldErrors, field, v string, max int) {
	// Every text ends up in a database; PostgreSQL refuses NUL and invalid UTF-8.
	if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		f.Add(field, "Remove the invalid characters.")
		return
	}
	if utf8.RuneCountInString(v) > max {
		f.Add(field, fmt.Sprintf("Use at most %d characters.", max))
	}
}

func checkEmail(f FieldErrors, field, v string) {
	if v == "" {
		return
	}
	checkLen(f, field, v, MaxEmailLen)
	if !ValidEmail(v) {
		f.Add(field, "Enter an email address such as ann@example.com.")
	}
}

// checkPhone accepts what people type (digits, spaces, + - . ( ) /, an
// extension) and rejects letters and other punctuation.
func checkPhone(f FieldErrors, field, v string) {
	if v == "" {
		return
	}
	checkLen(f, field, v, MaxPhoneLen)
	digits := 0
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" +-.()/x#*", r):
		default:
			f.Add(field, "Enter a phone number with digits, spaces and + - . ( ) / only.")
			return
		}
	}
	if digits < 3 {
		f.Add(field, "Enter a phone number with at least 3 digits.")
	}
}
