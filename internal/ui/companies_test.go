package ui_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"simplecrm/internal/crm"
)

func TestCompanyCRUD(t *testing.T) {
	e := newEnv(t)
	c := e.login(e.member)
	c.get("/companies/new").want(200, `id="company-form"`)

	form := url.Values{"name": {"Globex"}, "phone": {"+1 555 0100"}, "website": {"globex.example"},
		"address": {"1 Globex Way\nSpringfield"}, "note": {"Big client"}}
	p := c.post("/companies", form).want(200, "Company created.", "Globex", `href="https://globex.example"`, "Springfield", "Big client", "Employees (0)")
	id := p.id()

	// A bad phone and a duplicate name keep what was typed.
	mustCompany(t, e.svc, e.member, "Initech")
	bad := url.Values{"name": {"Initech"}, "phone": {"call"}, "website": {"x.example"}, "note": {"typed"}}
	p = c.post(fmt.Sprintf("/companies/%d", id), bad).want(http.StatusUnprocessableEntity, `id="phone-error"`)
	for name, v := range bad {
		if got := p.value(name); got != v[0] {
			t.Errorf("%s = %q, want %q", name, got, v[0])
		}
	}
	bad.Set("phone", "")
	c.post(fmt.Sprintf("/companies/%d", id), bad).want(http.StatusUnprocessableEntity, "Another company already has this name.")
	c.post("/companies", url.Values{"name": {" "}}).want(http.StatusUnprocessableEntity, "Enter the company&#39;s name.")

	edit := c.get(fmt.Sprintf("/companies/%d/edit", id)).want(200)
	if edit.value("name") != "Globex" || edit.value("address") != "1 Globex Way\nSpringfield" {
		t.Errorf("edit form: name %q address %q", edit.value("name"), edit.value("address"))
	}
	form.Set("name", "Globex Corp")
	c.post(fmt.Sprintf("/companies/%d", id), form).want(200, "Company saved.", "Globex Corp")

	// Employees show on the company page and in the list's count.
	ct := mustContact(t, e.svc, e.member, &crm.Contact{FirstName: "Ann", LastName: "Lee", Employments: []crm.Employment{{CompanyID: id, Function: "CEO"}}})
	mustContact(t, e.svc, e.member, &crm.Contact{FirstName: "Not", LastName: "Employee"})
	c.get(fmt.Sprintf("/companies/%d", id)).want(200, "Ann Lee", "CEO", "Employees (1)").lacks("Not Employee")
	c.get("/companies").want(200, "Globex Corp", "1 contact", "Initech", "0 contacts", `id="new-company"`)
	c.get("/companies?q=glob").want(200, "Globex Corp").lacks("Initech")

	// Deleting keeps the contacts, without the employment.
	c.post(fmt.Sprintf("/companies/%d/delete", id), nil).want(200, "deleted. Its contacts were kept.").lacks("Globex Corp</span>")
	c.get(fmt.Sprintf("/companies/%d", id)).want(404)
	c.get(fmt.Sprintf("/contacts/%d", ct.ID)).want(200, "Ann Lee", "No company yet.")
}

func TestCompanyPagination(t *testing.T) {
	e := newEnv(t)
	for i := range 5 {
		mustCompany(t, e.svc, e.member, fmt.Sprintf("Company %02d", i))
	}
	c := e.login(e.member)
	p := c.get("/companies?limit=2").want(200, "Company 00", "Company 01").lacks("Company 02")
	p = c.get(nextHref(t, p)).want(200, "Company 02", "Company 03").lacks("Company 01")
	c.get(nextHref(t, p)).want(200, "Company 04").lacks(`id="next-page"`)
}
