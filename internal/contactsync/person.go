package contactsync

import (
	"strings"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/crm"
)

// Google entry types of the field map (people-api.md §10).
const (
	typeHome       = "home"
	typeMobile     = "mobile"
	typeWork       = "work"
	typeWorkMobile = "workMobile"
)

// PersonFields is the read mask the engine asks Google for.
const PersonFields = "names,emailAddresses,phoneNumbers,addresses,organizations,memberships,metadata,clientData"

// PersonView returns the phone view of a Google contact. Only entries of the
// CONTACT source count (a linked Google profile adds others); each managed
// type takes its first entry; a contact with no home email uses its first
// email that is not a work one as personal email.
func PersonView(p *people.Person) View {
	var v View
	if n := firstName(p); n != nil {
		v.FirstName, v.LastName = n.GivenName, n.FamilyName
	}
	if ph := phoneOfType(p, typeHome); ph != nil {
		v.HomePhone, v.HomePhoneE164 = ph.Value, ph.CanonicalForm
	}
	if ph := phoneOfType(p, typeMobile); ph != nil {
		v.MobilePhone, v.MobilePhoneE164 = ph.Value, ph.CanonicalForm
	}
	if ph := phoneOfType(p, typeWork); ph != nil {
		v.WorkPhone, v.WorkPhoneE164 = ph.Value, ph.CanonicalForm
	}
	if ph := phoneOfType(p, typeWorkMobile); ph != nil {
		v.WorkMobile, v.WorkMobileE164 = ph.Value, ph.CanonicalForm
	}
	if e := personalEmail(p); e != nil {
		v.PersonalEmail = e.Value
	}
	if e := emailOfType(p, typeWork); e != nil {
		v.WorkEmail = e.Value
	}
	if a := addressOfType(p, typeHome); a != nil {
		v.Address = crm.Address{Street: a.StreetAddress, Extended: a.ExtendedAddress, PostalCode: a.PostalCode,
			City: a.City, Region: a.Region, Country: a.Country}
	}
	if o := firstOrganization(p); o != nil {
		v.Company, v.Title = o.Name, o.Title
	}
	return v
}

// ApplyView writes the managed fields of v into p, keeping every other entry
// and attribute (other phones, emails and addresses, middle names,
// departments...), and returns the top-level fields it changed: the
// updatePersonFields mask of a read-modify-write update.
func (ph Phones) ApplyView(p *people.Person, v View) []string {
	cur := PersonView(p)
	var mask []string
	if cur.FirstName != v.FirstName || cur.LastName != v.LastName {
		n := firstName(p)
		if n == nil {
			n = &people.Name{}
			p.Names = append([]*people.Name{n}, p.Names...)
		}
		n.GivenName, n.FamilyName = v.FirstName, v.LastName
		n.UnstructuredName = "" // Google would keep showing the old full name
		if v.FirstName == "" && v.LastName == "" && n.MiddleName == "" && n.HonorificPrefix == "" && n.HonorificSuffix == "" {
			p.Names = removeItem(p.Names, n)
		}
		mask = append(mask, "names")
	}
	phonesChanged := false
	for _, f := range []struct{ typ, field string }{{typeHome, FieldHomePhone}, {typeMobile, FieldMobilePhone},
		{typeWork, FieldWorkPhone}, {typeWorkMobile, FieldWorkMobile}} {
		if ph.fieldEq(f.field, cur, v) {
			continue
		}
		want := v.Text(f.field)
		phonesChanged = true
		e := phoneOfType(p, f.typ)
		switch {
		case want == "":
			p.PhoneNumbers = removeItem(p.PhoneNumbers, e)
		case e == nil:
			p.PhoneNumbers = append(p.PhoneNumbers, &people.PhoneNumber{Type: f.typ, Value: want})
		default:
			e.Value, e.CanonicalForm = want, ""
		}
	}
	if phonesChanged {
		mask = append(mask, "phoneNumbers")
	}
	emailsChanged := false
	if EmailKey(cur.PersonalEmail) != EmailKey(v.PersonalEmail) {
		emailsChanged = true
		p.EmailAddresses = setEmail(p.EmailAddresses, personalEmail(p), typeHome, v.PersonalEmail)
	}
	if EmailKey(cur.WorkEmail) != EmailKey(v.WorkEmail) {
		emailsChanged = true
		p.EmailAddresses = setEmail(p.EmailAddresses, emailOfType(p, typeWork), typeWork, v.WorkEmail)
	}
	if emailsChanged {
		mask = append(mask, "emailAddresses")
	}
	if trimAddress(cur.Address) != trimAddress(v.Address) {
		a := addressOfType(p, typeHome)
		switch {
		case v.Address.IsZero():
			p.Addresses = removeItem(p.Addresses, a)
		case a == nil:
			a = &people.Address{Type: typeHome}
			p.Addresses = append(p.Addresses, a)
			fallthrough
		default:
			a.StreetAddress, a.ExtendedAddress, a.PostalCode = v.Address.Street, v.Address.Extended, v.Address.PostalCode
			a.City, a.Region, a.Country = v.Address.City, v.Address.Region, v.Address.Country
			a.FormattedValue, a.CountryCode = "", "" // recomputed by Google from the parts
		}
		mask = append(mask, "addresses")
	}
	if strings.TrimSpace(cur.Company) != strings.TrimSpace(v.Company) || strings.TrimSpace(cur.Title) != strings.TrimSpace(v.Title) {
		o := firstOrganization(p)
		if o == nil {
			o = &people.Organization{Type: typeWork}
			p.Organizations = append([]*people.Organization{o}, p.Organizations...)
		}
		o.Name, o.Title = v.Company, v.Title
		if v.Company == "" && v.Title == "" && o.Department == "" && o.JobDescription == "" {
			p.Organizations = removeItem(p.Organizations, o)
		}
		mask = append(mask, "organizations")
	}
	return mask
}

// fromContact reports whether an entry belongs to the CONTACT source (entries
// without metadata are ours, being built).
func fromContact(m *people.FieldMetadata) bool {
	return m == nil || m.Source == nil || m.Source.Type == "" || m.Source.Type == "CONTACT"
}

func firstName(p *people.Person) *people.Name {
	for _, n := range p.Names {
		if n != nil && fromContact(n.Metadata) {
			return n
		}
	}
	return nil
}

func firstOrganization(p *people.Person) *people.Organization {
	for _, o := range p.Organizations {
		if o != nil && fromContact(o.Metadata) {
			return o
		}
	}
	return nil
}

func phoneOfType(p *people.Person, typ string) *people.PhoneNumber {
	for _, ph := range p.PhoneNumbers {
		if ph != nil && fromContact(ph.Metadata) && strings.EqualFold(ph.Type, typ) && ph.Value != "" {
			return ph
		}
	}
	return nil
}

func emailOfType(p *people.Person, typ string) *people.EmailAddress {
	for _, e := range p.EmailAddresses {
		if e != nil && fromContact(e.Metadata) && strings.EqualFold(e.Type, typ) && e.Value != "" {
			return e
		}
	}
	return nil
}

func personalEmail(p *people.Person) *people.EmailAddress {
	if e := emailOfType(p, typeHome); e != nil {
		return e
	}
	for _, e := range p.EmailAddresses {
		if e != nil && fromContact(e.Metadata) && !strings.EqualFold(e.Type, typeWork) && e.Value != "" {
			return e
		}
	}
	return nil
}

func addressOfType(p *people.Person, typ string) *people.Address {
	for _, a := range p.Addresses {
		if a != nil && fromContact(a.Metadata) && strings.EqualFold(a.Type, typ) {
			return a
		}
	}
	return nil
}

func setEmail(list []*people.EmailAddress, e *people.EmailAddress, typ, value string) []*people.EmailAddress {
	switch {
	case value == "":
		return removeItem(list, e)
	case e == nil:
		return append(list, &people.EmailAddress{Type: typ, Value: value})
	}
	e.Value = value
	return list
}

func removeItem[T any](list []*T, item *T) []*T {
	if item == nil {
		return list
	}
	out := list[:0:0]
	for _, x := range list {
		if x != item {
			out = append(out, x)
		}
	}
	return out
}
