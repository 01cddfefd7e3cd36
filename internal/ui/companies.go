package ui

import (
	"context"
	"net/http"
	"strconv"

	"simplecrm/internal/crm"
)

func (h *handler) listCompanies(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	q := r.URL.Query()
	f := crm.CompanyFilter{Query: q.Get("q"), Cursor: q.Get("cursor"), Limit: pageLimit(q)}
	companies, next, err := h.svc.Companies.ListCompanies(r.Context(), u.OrgID, f)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "companies", view{"Companies": companies, "Query": f.Query, "Pager": pageLinks(r, next)})
	return nil
}

// showCompany shows the company and a page of its employees.
func (h *handler) showCompany(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	c, err := h.findCompany(r, u)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	employees, next, err := h.svc.Contacts.ListContacts(r.Context(), u.OrgID,
		crm.ContactFilter{CompanyID: c.ID, Cursor: q.Get("cursor"), Limit: pageLimit(q)})
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "company", view{"Company": c, "Employees": employees, "Pager": pageLinks(r, next), "Nav": "companies"})
	return nil
}

func (h *handler) newCompany(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	h.render(w, r, http.StatusOK, "company_form", view{"Form": newForm(nil), "Nav": "companies"})
	return nil
}

func (h *handler) createCompany(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	return h.saveCompany(w, r, u, &crm.Company{OrgID: u.OrgID}, h.svc.Companies.CreateCompany, "Company created.")
}

func (h *handler) editCompany(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	c, err := h.findCompany(r, u)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "company_form", view{"Company": c, "Form": newForm(bind(nil, companyFields(c))), "Nav": "companies"})
	return nil
}

func (h *handler) updateCompany(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	c, err := h.findCompany(r, u)
	if err != nil {
		return err
	}
	return h.saveCompany(w, r, u, c, h.svc.Companies.UpdateCompany, "Company saved.")
}

// saveCompany reads the company form into c and stores it with save, or
// re-renders the form with what was typed and what is wrong.
func (h *handler) saveCompany(w http.ResponseWriter, r *http.Request, u *crm.User, c *crm.Company,
	save func(ctx context.Context, c *crm.Company) error, msg string) error {
	vals, err := parseForm(r)
	if err != nil {
		return err
	}
	stored := *c
	bind(vals, companyFields(c))
	err = save(r.Context(), c)
	if err == nil {
		h.redirect(w, r, companyURL(c.ID), &flash{Message: msg})
		return nil
	}
	f := newForm(vals)
	if err := f.setError(err, nil); err != nil {
		return err
	}
	if crm.ErrorCode(err) == crm.ECONFLICT && len(f.Errors) == 0 {
		f.Errors["name"] = "Another company already has this name."
	}
	var page *crm.Company
	if stored.ID != 0 {
		page = &stored
	}
	h.render(w, r, http.StatusUnprocessableEntity, "company_form", view{"Company": page, "Form": f, "Nav": "companies"})
	return nil
}

func (h *handler) deleteCompany(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	c, err := h.findCompany(r, u)
	if err != nil {
		return err
	}
	if err := h.svc.Companies.DeleteCompany(r.Context(), u.OrgID, c.ID); err != nil {
		return err
	}
	h.redirect(w, r, "/companies", &flash{Message: "Company " + c.Name + " deleted. Its contacts were kept."})
	return nil
}

func (h *handler) findCompany(r *http.Request, u *crm.User) (*crm.Company, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return h.svc.Companies.FindCompany(r.Context(), u.OrgID, id)
}

func companyURL(id int64) string { return "/companies/" + strconv.FormatInt(id, 10) }
