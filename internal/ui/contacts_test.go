package ui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"simplecrm/internal/crm"
)

// contactForm is a full new-contact form, every field filled.
func contactForm() url.Values {
	return url.Values{
		"first_name": {"Ann"}, "last_name": {"Lee"},
		"personal_email": {"ann@home.example"}, "mobile_phone": {"+33 6 12 34 56 78"}, "home_phone": {"01 23 45 67 89"},
		"address.street": {"1 Main St"}, "address.extended": {"Flat 2"}, "address.postal_code": {"75001"},
		"address.city": {"Paris"}, "address.region": {"IDF"}, "address.country": {"France"},
		"note":                       {"Met at the fair.\nLikes tea."},
		"employment_rows":            {"1"},
		"employments.0.company_name": {"Globex"}, "employments.0.function": {"Buyer"},
		"employments.0.work_email": {"ann@globex.example"}, "employments.0.work_phone": {"+1 555 0100"},
		"employments.0.work_mobile": {"+1 555 0101"}, "primary": {"0"},
	}
}

func TestCreateContactWithNewCompany(t *testing.T) {
	e := newEnv(t)
	c := e.login(e.member)
	c.get("/contacts/new").want(200, `id="contact-form"`, `name="employments.0.company_name"`, `list="company-names"`)
	p := c.post("/contacts", contactForm()).want(200, "Contact created.", "Ann Lee", "Globex", "Buyer",
		"ann@globex.example", "Paris", "Flat 2", "Met at the fair.", "Primary", e.member.Email, `href="tel:&#43;33612345678"`)
	got, err := e.svc.Contacts.FindContact(t.Context(), e.org.ID, p.id())
	if err != nil {
		t.Fatal(err)
	}
	if got.OwnerID != e.member.ID || got.Address.Country != "France" || len(got.Employments) != 1 || !got.Employments[0].Primary {
		t.Errorf("stored %+v", got)
	}
	// The company was created by its name and lists the contact.
	c.get(fmt.Sprintf("/companies/%d", got.Employments[0].CompanyID)).want(200, "Globex", "Ann Lee", "Employees (1)")
}

func TestContactFormKeepsEverythingTyped(t *testing.T) {
	e := newEnv(t)
	c := e.login(e.member)
	form := contactForm()
	form.Set("personal_email", "ann at home")
	form.Set("employments.0.work_mobile", "call me")
	form.Set("employment_rows", "2")
	form.Set("employments.1.company_name", "Initech")
	form.Set("employments.1.function", "Advisor")
	p := c.post("/contacts", form).want(http.StatusUnprocessableEntity, "Please correct the highlighted fields.",
		`id="error-summary"`, `href="#personal_email"`, "Personal email: Enter an email address",
		`href="#employments-0-work_mobile"`, "Company 1: business mobile")
	for name, v := range form {
		if name == "employment_rows" || name == "primary" {
			continue
		}
		if got := p.value(name); got != v[0] {
			t.Errorf("input %s = %q, want %q", name, got, v[0])
		}
	}
	if !strings.Contains(p.Body, `aria-invalid="true" aria-describedby="personal_email-error"`) {
		t.Error("personal_email not marked invalid")
	}
	if n, _, _ := e.svc.Contacts.ListContacts(t.Context(), e.org.ID, crm.ContactFilter{}); len(n) != 0 {
		t.Errorf("%d contacts stored", len(n))
	}
}

func TestEmploymentErrorLandsOnItsRow(t *testing.T) {
	e := newEnv(t)
	u := e.member
	co := mustCompany(t, e.svc, u, "Umbrella")
	ct := mustContact(t, e.svc, u, &crm.Contact{FirstName: "Bo", Employments: []crm.Employment{
		{CompanyName: "Globex"}, {CompanyID: co.ID}}})
	c := e.login(u)
	edit := c.get(fmt.Sprintf("/contacts/%d/edit", ct.ID)).want(200)
	form := url.Values{"first_name": {"Bo"}, "version": {edit.value("version")}, "employment_rows": {"3"},
		"employments.0.company_name": {"Globex"}, "employments.0.remove": {"1"},
		"employments.1.company_name": {"Umbrella"}, "employments.1.work_email": {"nope"}}
	// Row 0 is dropped before saving, so the store reports employments.0;
	// the form shows it on row 1, where it was typed.
	p := c.post(fmt.Sprintf("/contacts/%d", ct.ID), form).want(http.StatusUnprocessableEntity, `aria-describedby="employments-1-work_email-error"`)
	if p.value("employments.1.work_email") != "nope" || !strings.Contains(p.Body, `name="employments.0.remove" value="1" id="employments-0-remove" checked`) {
		t.Error("typed values lost")
	}
}

func TestEditContact(t *testing.T) {
	e := newEnv(t)
	ct := mustContact(t, e.svc, e.member, &crm.Contact{FirstName: "Ann", LastName: "Lee", Note: "old",
		Employments: []crm.Employment{{CompanyName: "Globex", Function: "Buyer"}}})
	c := e.login(e.admin)
	edit := c.get(fmt.Sprintf("/contacts/%d/edit", ct.ID)).want(200)
	form := url.Values{}
	for _, name := range []string{"first_name", "last_name", "note", "version", "employment_rows", "owner_id",
		"employments.0.company_name", "employments.0.function", "primary"} {
		form.Set(name, edit.value(name))
	}
	if form.Get("employments.0.company_name") != "Globex" || form.Get("employment_rows") != "2" || form.Get("owner_id") != fmt.Sprint(e.member.ID) {
		t.Fatalf("edit form filled with %v", form)
	}
	form.Set("last_name", "Lee-Smith")
	form.Set("employments.0.function", "Head buyer")
	form.Set("employments.1.company_name", "Initech") // the empty row adds a company
	form.Set("owner_id", fmt.Sprint(e.admin.ID))
	c.post(fmt.Sprintf("/contacts/%d", ct.ID), form).want(200, "Contact saved.", "Ann Lee-Smith", "Head buyer", "Initech", e.admin.Email)

	// An owner from another organization is refused on the owner input.
	other := mustUser(t, e.svc, mustOrg(t, e.svc, "Other"), "x@other.example", crm.RoleAdmin)
	edit = c.get(fmt.Sprintf("/contacts/%d/edit", ct.ID))
	form.Set("version", edit.value("version"))
	form.Set("owner_id", fmt.Sprint(other.ID))
	c.post(fmt.Sprintf("/contacts/%d", ct.ID), form).want(http.StatusUnprocessableEntity, `id="owner_id-error"`, "Lee-Smith")
}

func TestAddRowButton(t *testing.T) {
	e := newEnv(t)
	c := e.login(e.member)
	form := contactForm()
	form.Set("add_row", "1")
	p := c.post("/contacts", form).want(200, `id="employment-row-1"`, `name="employments.1.company_name"`)
	if p.value("first_name") != "Ann" || p.value("employments.0.company_name") != "Globex" {
		t.Error("typed values lost")
	}
	if n, _, _ := e.svc.Contacts.ListContacts(t.Context(), e.org.ID, crm.ContactFilter{}); len(n) != 0 {
		t.Error("add_row saved the contact")
	}
}

func TestEditConflict(t *testing.T) {
	e := newEnv(t)
	ct := mustContact(t, e.svc, e.member, &crm.Contact{FirstName: "Ann", LastName: "Lee"})
	c := e.login(e.member)
	edit := c.get(fmt.Sprintf("/contacts/%d/edit", ct.ID))

	// Someone else saves first.
	other, _ := e.svc.Contacts.FindContact(t.Context(), e.org.ID, ct.ID)
	other.LastName = "Lee-Jones"
	if err := e.svc.Contacts.UpdateContact(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"first_name": {"Annie"}, "last_name": {"Lee"}, "mobile_phone": {"0612"},
		"version": {edit.value("version")}, "employment_rows": {"1"}}
	p := c.post(fmt.Sprintf("/contacts/%d", ct.ID), form).want(http.StatusUnprocessableEntity,
		"Someone else changed this contact", "Saved meanwhile by someone else: <strong>Lee-Jones</strong>")
	if p.value("first_name") != "Annie" || p.value("mobile_phone") != "0612" || p.value("last_name") != "Lee" {
		t.Error("typed values lost")
	}
	// Saving again is a deliberate overwrite with the new version.
	form.Set("version", p.value("version"))
	c.post(fmt.Sprintf("/contacts/%d", ct.ID), form).want(200, "Contact saved.", "Annie Lee")
}

func TestEmploymentButtons(t *testing.T) {
	e := newEnv(t)
	ct := mustContact(t, e.svc, e.member, &crm.Contact{FirstName: "Ann", Employments: []crm.Employment{
		{CompanyName: "Globex", Primary: true}, {CompanyName: "Initech"}}})
	globex, initech := ct.Employments[0], ct.Employments[1]
	c := e.login(e.member)
	show := c.get(fmt.Sprintf("/contacts/%d", ct.ID)).want(200, fmt.Sprintf(`id="make-primary-%d"`, initech.ID))

	c.post(fmt.Sprintf("/contacts/%d/employments/%d/primary", ct.ID, initech.ID), url.Values{"version": {show.value("version")}}).
		want(200, "Primary company changed.")
	got, _ := e.svc.Contacts.FindContact(t.Context(), e.org.ID, ct.ID)
	if p := got.Primary(); p == nil || p.CompanyName != "Initech" {
		t.Fatalf("primary is %+v", p)
	}
	// The page the click came from is stale now: refused, nothing changed.
	c.post(fmt.Sprintf("/contacts/%d/employments/%d/delete", ct.ID, globex.ID), url.Values{"version": {show.value("version")}}).
		want(200, "Someone else changed this contact meanwhile")
	show = c.get(fmt.Sprintf("/contacts/%d", ct.ID))
	c.post(fmt.Sprintf("/contacts/%d/employments/%d/delete", ct.ID, globex.ID), url.Values{"version": {show.value("version")}}).
		want(200, "Company removed from this contact.").lacks(">Globex<")
	got, _ = e.svc.Contacts.FindContact(t.Context(), e.org.ID, ct.ID)
	if len(got.Employments) != 1 || got.Employments[0].CompanyName != "Initech" || !got.Employments[0].Primary {
		t.Errorf("employments %+v", got.Employments)
	}
	c.post(fmt.Sprintf("/contacts/%d/employments/%d/delete", ct.ID, globex.ID), nil).want(404)
}

func TestTrashAndRestore(t *testing.T) {
	e := newEnv(t)
	ct := mustContact(t, e.svc, e.member, &crm.Contact{FirstName: "Ann", LastName: "Trashme"})
	c := e.login(e.member)
	p := c.post(fmt.Sprintf("/contacts/%d/trash", ct.ID), nil).want(200, "Contact moved to trash.", `id="undo"`,
		fmt.Sprintf(`action="/contacts/%d/restore"`, ct.ID))
	if p.URL.Path != "/contacts" {
		t.Errorf("after trash: %s", p.URL)
	}
	c.get("/contacts").lacks("Trashme")
	c.get("/trash").want(200, "Ann Trashme", "deleted for good 30 days", fmt.Sprintf(`id="restore-%d"`, ct.ID))
	c.get(fmt.Sprintf("/contacts/%d", ct.ID)).want(200, `id="trashed-banner"`, `id="restore"`).lacks(`id="edit-contact"`, `id="trash-contact"`)

	// "Undo" in the flash restores it.
	c.post(fmt.Sprintf("/contacts/%d/restore", ct.ID), nil).want(200, "Contact restored.", `id="trash-contact"`)
	c.get("/contacts").want(200, "Ann Trashme")
	c.get("/trash").lacks("Trashme")
}

func TestSearchAndPagination(t *testing.T) {
	e := newEnv(t)
	for i := range 7 {
		mustContact(t, e.svc, e.member, &crm.Contact{FirstName: "Person", LastName: fmt.Sprintf("Number%02d", i)})
	}
	mustContact(t, e.svc, e.member, &crm.Contact{FirstName: "Zed", LastName: "Other", Employments: []crm.Employment{{CompanyName: "Hooli"}}})
	c := e.login(e.member)

	p1 := c.get("/contacts?limit=3").want(200, "Number00", "Number02", `id="next-page"`, `id="sync-mobile"`, `id="new-contact"`, `id="trash-link"`).
		lacks("Number03", `id="prev-page"`)
	p2 := c.get(nextHref(t, p1)).want(200, "Number03", "Number05", `id="prev-page"`).lacks("Number02", "Number06")
	p3 := c.get(nextHref(t, p2)).want(200, "Number06", "Zed Other").lacks(`id="next-page"`)
	back := c.get(prevHref(t, p3)).want(200, "Number03", "Number05")
	c.get(prevHref(t, back)).want(200, "Number00").lacks(`id="prev-page"`)

	c.get("/contacts?q=hoo").want(200, "Zed Other", "matching “hoo”").lacks("Number0")
	c.get("/contacts?q=number04").want(200, "Number04").lacks("Number03", "Zed")
}

var hrefRe = func(id string) string { return `id="` + id + `" href="` }

func nextHref(t *testing.T, p *page) string { return href(t, p, "next-page") }
func prevHref(t *testing.T, p *page) string { return href(t, p, "prev-page") }

func href(t *testing.T, p *page, id string) string {
	t.Helper()
	i := strings.Index(p.Body, hrefRe(id))
	if i < 0 {
		t.Fatalf("no link %s", id)
	}
	s := p.Body[i+len(hrefRe(id)):]
	return strings.ReplaceAll(s[:strings.Index(s, `"`)], "&amp;", "&")
}
