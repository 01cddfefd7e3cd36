package vcard

import (
	"strings"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
)

// The field map of DESIGN.md §3, in vCard terms. Each managed field lives in
// one line of the card, its slot; reading (ViewOf) and writing (Apply) use the
// same slots, so that writing a field replaces exactly the line it was read
// from and leaves every other line alone.
//
//	first/last name      N (given; family), FN kept in step
//	home phone           TEL;TYPE=home
//	personal mobile      TEL;TYPE=cell (else the first TEL without a type)
//	personal email       EMAIL;TYPE=home (else the first EMAIL that is not work)
//	personal address     ADR;TYPE=home (else the first ADR that is not work)
//	work phone           TEL;TYPE=work
//	work mobile          TEL;TYPE=work,cell
//	work email           EMAIL;TYPE=work
//	company, title       ORG (first component), TITLE

// slots finds the line of each managed field; absent fields have no entry.
func slots(c *Card) map[string]*Line {
	s := map[string]*Line{}
	put := func(field string, l *Line) {
		if _, ok := s[field]; !ok {
			s[field] = l
		}
	}
	var untypedTel []*Line
	for _, l := range c.Lines {
		if blank(l) && l.Name != "N" && l.Name != "FN" {
			continue // an empty line holds no field: the next one of its kind does
		}
		switch l.Name {
		case "N":
			put("n", l)
		case "FN":
			put("fn", l)
		case "TEL":
			switch telKind(l) {
			case contactsync.FieldHomePhone, contactsync.FieldMobilePhone, contactsync.FieldWorkPhone, contactsync.FieldWorkMobile:
				put(telKind(l), l)
			case "":
				untypedTel = append(untypedTel, l)
			}
		case "EMAIL":
			switch {
			case l.HasType("work"):
				put(contactsync.FieldWorkEmail, l)
			case l.HasType("home"):
				s[contactsync.FieldPersonalEmail] = l // home beats an earlier untyped one
			default:
				put(contactsync.FieldPersonalEmail, l)
			}
		case "ADR":
			switch {
			case l.HasType("work"):
			case l.HasType("home"):
				s[contactsync.FieldAddress] = l
			default:
				put(contactsync.FieldAddress, l)
			}
		case "ORG":
			put(contactsync.FieldCompany, l)
		case "TITLE":
			put(contactsync.FieldTitle, l)
		}
	}
	// Many writers leave the type out: an untyped number stands for the mobile.
	if len(untypedTel) > 0 {
		put(contactsync.FieldMobilePhone, untypedTel[0])
	}
	return s
}

// telKind classifies a TEL line by its types; "-" is a number the map does not
// manage (fax, pager), "" one without a type.
func telKind(l *Line) string {
	work, cell, home, other := false, false, false, false
	for _, t := range l.Types() {
		switch t {
		case "work":
			work = true
		case "cell", "mobile", "iphone":
			cell = true
		case "home":
			home = true
		case "voice", "pref", "text", "msg", "internet":
		default:
			other = true
		}
	}
	switch {
	case work && cell:
		return contactsync.FieldWorkMobile
	case work:
		return contactsync.FieldWorkPhone
	case cell:
		return contactsync.FieldMobilePhone
	case home:
		return contactsync.FieldHomePhone
	case other:
		return "-"
	}
	return ""
}

// ViewOf returns the phone view of a card. A card without N takes its FN as
// the first name, so that a name is never lost (the CRM always writes N, so
// an FN made of an email or a company is not read back as a name).
func ViewOf(c *Card) contactsync.View {
	s := slots(c)
	var v contactsync.View
	if l := s["n"]; l != nil {
		comp := l.Components()
		v.LastName, v.FirstName = strings.TrimSpace(at(comp, 0)), strings.TrimSpace(at(comp, 1))
	}
	if s["n"] == nil {
		if l := s["fn"]; l != nil {
			v.FirstName = strings.TrimSpace(l.Text())
		}
	}
	str := func(field string) string {
		if l := s[field]; l != nil {
			return strings.TrimSpace(l.Text())
		}
		return ""
	}
	tel := func(field string) string {
		t := str(field)
		t = strings.TrimPrefix(strings.TrimPrefix(t, "tel:"), "TEL:") // vCard 4.0 VALUE=uri
		if i := strings.Index(t, ";ext="); i >= 0 {
			t = t[:i] + " x" + t[i+5:]
		}
		return t
	}
	v.HomePhone, v.MobilePhone = tel(contactsync.FieldHomePhone), tel(contactsync.FieldMobilePhone)
	v.WorkPhone, v.WorkMobile = tel(contactsync.FieldWorkPhone), tel(contactsync.FieldWorkMobile)
	v.PersonalEmail, v.WorkEmail = str(contactsync.FieldPersonalEmail), str(contactsync.FieldWorkEmail)
	if l := s[contactsync.FieldAddress]; l != nil {
		comp := l.Components()
		for i := range comp {
			comp[i] = strings.TrimSpace(comp[i])
		}
		v.Address = crm.Address{Extended: at(comp, 1), Street: at(comp, 2), City: at(comp, 3),
			Region: at(comp, 4), PostalCode: at(comp, 5), Country: at(comp, 6)}
		if po := at(comp, 0); po != "" && v.Address.Street == "" {
			v.Address.Street = po
		}
	}
	if l := s[contactsync.FieldCompany]; l != nil {
		v.Company = strings.TrimSpace(at(l.Components(), 0))
	}
	v.Title = str(contactsync.FieldTitle)
	return v
}

// Apply writes the given fields of v into the card: the line of each field is
// replaced in place (its group and parameters kept), added when missing, and
// removed when the value is empty. Lines of other fields are not touched.
func Apply(c *Card, v contactsync.View, fields []string) {
	s := slots(c)
	v4 := c.Version() == "4.0"
	for _, f := range fields {
		switch f {
		case contactsync.FieldFirstName, contactsync.FieldLastName:
			applyName(c, s, v)
		case contactsync.FieldAddress:
			a := v.Address
			val := ""
			if !a.IsZero() {
				val = JoinStructured("", a.Extended, a.Street, a.City, a.Region, a.PostalCode, a.Country)
			}
			setSlot(c, s[f], "ADR", val, typeParam(v4, "home"))
		case contactsync.FieldCompany:
			val := ""
			if v.Company != "" {
				val = EscapeText(v.Company)
				if l := s[f]; l != nil { // keep the departments after the name
					comp := l.Components()
					comp[0] = v.Company
					val = JoinStructured(comp...)
				}
			}
			setSlot(c, s[f], "ORG", val)
		case contactsync.FieldTitle:
			setSlot(c, s[f], "TITLE", EscapeText(v.Title))
		default:
			name, types := slotShape(f, v4)
			setSlot(c, s[f], name, EscapeText(v.Text(f)), typeParam(v4, types...))
		}
	}
}

// New returns a card holding the view: VERSION 3.0, PRODID, UID, FN, N and
// the field map's lines.
func New(uid string, v contactsync.View) *Card {
	c := &Card{Lines: []*Line{
		NewLine("VERSION", "3.0"),
		NewLine("PRODID", EscapeText("-//Simple CRM//EN")),
		NewLine("UID", EscapeText(uid)),
	}}
	all := append(append([]string{}, contactsync.TwoWayFields...), contactsync.BusinessFields...)
	Apply(c, v, all)
	return c
}

// DisplayName is the FN the CRM writes for a view.
func DisplayName(v contactsync.View) string {
	n := strings.TrimSpace(v.FirstName + " " + v.LastName)
	switch {
	case n != "":
		return n
	case v.PersonalEmail != "":
		return v.PersonalEmail
	case v.Company != "":
		return v.Company
	}
	return v.WorkEmail
}

func applyName(c *Card, s map[string]*Line, v contactsync.View) {
	n := JoinStructured(v.LastName, v.FirstName, "", "", "")
	if l := s["n"]; l != nil {
		comp := l.Components()
		for len(comp) < 5 {
			comp = append(comp, "")
		}
		comp[0], comp[1] = v.LastName, v.FirstName // keep middle names, prefixes, suffixes
		n = JoinStructured(comp...)
		l.SetValue(n)
	} else {
		c.Add(NewLine("N", n))
		s["n"] = c.Lines[len(c.Lines)-1]
	}
	fn := EscapeText(DisplayName(v))
	if l := s["fn"]; l != nil {
		if fn != "" {
			l.SetValue(fn)
		}
	} else {
		c.Add(NewLine("FN", fn))
		s["fn"] = c.Lines[len(c.Lines)-1]
	}
}

func setSlot(c *Card, l *Line, name, val string, params ...Param) {
	switch {
	case l != nil && val == "":
		c.Remove(l)
	case l != nil:
		l.SetValue(val)
	case val != "":
		var ps []Param
		for _, p := range params {
			if len(p.Values) > 0 {
				ps = append(ps, p)
			}
		}
		c.Add(NewLine(name, val, ps...))
	}
}

func slotShape(field string, v4 bool) (string, []string) {
	switch field {
	case contactsync.FieldHomePhone:
		return "TEL", []string{"home", "voice"}
	case contactsync.FieldMobilePhone:
		return "TEL", []string{"cell"}
	case contactsync.FieldWorkPhone:
		return "TEL", []string{"work", "voice"}
	case contactsync.FieldWorkMobile:
		return "TEL", []string{"work", "cell"}
	case contactsync.FieldPersonalEmail:
		if v4 {
			return "EMAIL", []string{"home"}
		}
		return "EMAIL", []string{"internet", "home"}
	case contactsync.FieldWorkEmail:
		if v4 {
			return "EMAIL", []string{"work"}
		}
		return "EMAIL", []string{"internet", "work"}
	}
	panic("vcard: no slot for " + field)
}

// typeParam writes TYPE=a,b: upper case for 3.0 (what most 3.0 writers do),
// lower case for 4.0 (RFC 6350's registry).
func typeParam(v4 bool, types ...string) Param {
	if len(types) == 0 {
		return Param{}
	}
	vals := make([]string, len(types))
	for i, t := range types {
		vals[i] = t
		if !v4 {
			vals[i] = strings.ToUpper(t)
		}
	}
	return Param{Name: "TYPE", Values: vals}
}

func blank(l *Line) bool {
	return strings.Trim(l.Value, " \t;") == ""
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}
