package ui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"simplecrm/internal/crm"
)

// Input names are the crm field keys (first_name, address.city,
// employments.0.work_email), so a crm validation error lands on the input the
// user typed into without any translation table.

// formField binds one input to the string it fills.
type formField struct {
	Name, Label, Type string
	Ptr               *string
}

func contactFields(c *crm.Contact) []formField {
	return []formField{
		{"first_name", "First name", "text", &c.FirstName},
		{"last_name", "Last name", "text", &c.LastName},
		{"personal_email", "Personal email", "email", &c.PersonalEmail},
		{"mobile_phone", "Personal mobile", "tel", &c.MobilePhone},
		{"home_phone", "Home phone", "tel", &c.HomePhone},
		{"address.street", "Street", "text", &c.Address.Street},
		{"address.extended", "Address line 2", "text", &c.Address.Extended},
		{"address.postal_code", "Postal code", "text", &c.Address.PostalCode},
		{"address.city", "City", "text", &c.Address.City},
		{"address.region", "Region", "text", &c.Address.Region},
		{"address.country", "Country", "text", &c.Address.Country},
		{"note", "Note", "textarea", &c.Note},
	}
}

// employmentFields binds row i of the contact form's employments.
func employmentFields(e *crm.Employment, i string) []formField {
	p := "employments." + i + "."
	return []formField{
		{p + "company_name", "Company", "text", &e.CompanyName},
		{p + "function", "Function", "text", &e.Function},
		{p + "work_email", "Work email", "email", &e.WorkEmail},
		{p + "work_phone", "Work phone", "tel", &e.WorkPhone},
		{p + "work_mobile", "Business mobile", "tel", &e.WorkMobile},
	}
}

func companyFields(c *crm.Company) []formField {
	return []formField{
		{"name", "Name", "text", &c.Name},
		{"phone", "Phone", "tel", &c.Phone},
		{"website", "Website", "text", &c.Website},
		{"address", "Address", "textarea", &c.Address},
		{"note", "Note", "textarea", &c.Note},
	}
}

// userFields serves the login, new-user and token forms.
func userFields(email, pw, name *string) []formField {
	return []formField{
		{"email", "Email", "email", email},
		{"password", "Password", "password", pw},
		{"name", "Name", "text", name},
	}
}

// fieldInfo holds the label and input type of every known input name, with
// employment rows under "employments.N.".
var fieldInfo = func() map[string]formField {
	var s string
	all := contactFields(new(crm.Contact))
	all = append(all, employmentFields(new(crm.Employment), "N")...)
	all = append(all, companyFields(new(crm.Company))...)
	all = append(all, userFields(&s, &s, &s)...)
	all = append(all, formField{"owner_id", "Owner", "select", nil}, formField{"role", "Role", "select", nil})
	m := map[string]formField{}
	for _, f := range all {
		if _, ok := m[f.Name]; !ok {
			m[f.Name] = f
		}
	}
	return m
}()

var rowIndex = regexp.MustCompile(`^employments\.(\d+)\.`)

func infoFor(name string) (formField, int) {
	row := -1
	if m := rowIndex.FindStringSubmatch(name); m != nil {
		row, _ = strconv.Atoi(m[1])
		name = "employments.N." + name[len(m[0]):]
	}
	return fieldInfo[name], row
}

// parseForm reads a POSTed form; an oversized body is reported as such.
func parseForm(r *http.Request) (url.Values, error) {
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, crm.Errorf(crm.EINVALID, "The form could not be read.")
	}
	return r.PostForm, nil
}

// bind copies form values into fields (decode) when vals is non-nil, and
// always returns the fields' values as url.Values (encode). One table per form
// thus serves both reading a POST and filling a form from stored data.
func bind(vals url.Values, fields []formField) url.Values {
	out := url.Values{}
	for _, f := range fields {
		if vals != nil {
			*f.Ptr = vals.Get(f.Name)
		}
		out.Set(f.Name, *f.Ptr)
	}
	return out
}

// form is what a form template re-renders: the values as the user typed them,
// the message of each faulty field, a summary, and after an edit conflict the
// values saved meanwhile by someone else.
type form struct {
	Values  url.Values
	Errors  map[string]string
	Message string
	Current map[string]string
}

func newForm(vals url.Values) *form {
	if vals == nil {
		vals = url.Values{}
	}
	return &form{Values: vals, Errors: map[string]string{}}
}

func (f *form) Get(name string) string { return f.Values.Get(name) }

// setError records err on the form: field messages on their inputs (renamed
// by rename, when employment rows were dropped before saving) and a summary.
// It returns err back if it is not something the user can fix.
func (f *form) setError(err error, rename func(string) string) error {
	switch crm.ErrorCode(err) {
	case crm.EINVALID, crm.ECONFLICT:
	default:
		return err
	}
	for k, msg := range crm.ErrorFields(err) {
		if rename != nil {
			k = rename(k)
		}
		f.Errors[k] = msg
	}
	f.Message = crm.ErrorMessage(err)
	return nil
}

// summaryItem is one line of the error summary, linking to its input.
type summaryItem struct{ ID, Text string }

// Summary lists the field errors in a stable order for the box at the top of
// the form, so a user on a phone sees every problem without scrolling.
func (f *form) Summary() []summaryItem {
	keys := make([]string, 0, len(f.Errors))
	for k := range f.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	items := make([]summaryItem, 0, len(keys))
	for _, k := range keys {
		info, row := infoFor(k)
		label := info.Label
		if label == "" {
			label = k
		}
		if row >= 0 {
			label = fmt.Sprintf("Company %d: %s", row+1, strings.ToLower(label))
		}
		items = append(items, summaryItem{ID: inputID(k), Text: label + ": " + f.Errors[k]})
	}
	return items
}

// fieldView is what the "field" partial renders for one input.
type fieldView struct {
	Name, ID, Label, Type, Value, Error, Current string
	List                                         string // id of a datalist of suggestions
	Required                                     bool
}

// fieldFor is the template function behind {{template "field" (field .Form "name")}}.
// Extra arguments: "required", or a label overriding the default.
func fieldFor(f *form, name string, extra ...string) fieldView {
	info, _ := infoFor(name)
	v := fieldView{Name: name, ID: inputID(name), Label: info.Label, Type: info.Type,
		Value: f.Get(name), Error: f.Errors[name]}
	if cur, ok := f.Current[name]; ok && cur != v.Value {
		v.Current = cur
		if cur == "" {
			v.Current = "(empty)"
		}
	}
	for _, x := range extra {
		if x == "required" {
			v.Required = true
		} else {
			v.Label = x
		}
	}
	if strings.HasSuffix(name, ".company_name") {
		// Suggest existing companies; a new name creates one.
		v.List = "company-names"
	}
	if v.Type == "" {
		v.Type = "text"
	}
	return v
}

// inputID turns an input name into an id usable in CSS selectors and URL
// fragments: address.city → address-city.
func inputID(name string) string { return strings.ReplaceAll(name, ".", "-") }

func atoi64(s string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n
}
