package api

import (
	"fmt"
	"net/http"
	"time"

	"simplecrm/internal/crm"
)

// companyJSON is a company on the wire. The same shape is read and written so
// that a client may send back what it got; read-only fields (id, employees,
// timestamps) are ignored on input.
type companyJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Phone     string    `json:"phone"`
	Website   string    `json:"website"`
	Address   string    `json:"address"`
	Note      string    `json:"note"`
	Employees int       `json:"employees"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func (h *handler) companyRoutes() {
	h.handle("GET "+Prefix+"/companies", h.listCompanies)
	h.handle("POST "+Prefix+"/companies", h.createCompany)
	h.handle("GET "+Prefix+"/companies/{id}", h.getCompany)
	h.handle("PATCH "+Prefix+"/companies/{id}", h.patchCompany)
	h.handle("DELETE "+Prefix+"/companies/{id}", h.deleteCompany)
}

func (h *handler) listCompanies(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	q, limit, cursor, err := listParams(r)
	if err != nil {
		return err
	}
	items, next, err := h.svc.Companies.ListCompanies(r.Context(), u.OrgID, crm.CompanyFilter{Query: q, Limit: limit, Cursor: cursor})
	if err != nil {
		return listError(err)
	}
	writeJSON(w, http.StatusOK, newPage(items, next, companyOut))
	return nil
}

func (h *handler) createCompany(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	var in companyJSON
	if err := decodeBody(w, r, &in); err != nil {
		return err
	}
	c := in.company()
	c.OrgID = u.OrgID
	if err := h.svc.Companies.CreateCompany(r.Context(), c); err != nil {
		return err
	}
	return h.respondCompany(w, r, u, c.ID, http.StatusCreated)
}

func (h *handler) getCompany(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return h.respondCompany(w, r, u, id, http.StatusOK)
}

func (h *handler) patchCompany(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	cur, err := h.svc.Companies.FindCompany(r.Context(), u.OrgID, id)
	if err != nil {
		return err
	}
	curJSON, in := companyOut(cur), companyJSON{}
	if err := decodePatch(w, r, &curJSON, &in); err != nil {
		return err
	}
	c := in.company()
	c.ID, c.OrgID, c.CreatedAt = cur.ID, cur.OrgID, cur.CreatedAt
	if err := h.svc.Companies.UpdateCompany(r.Context(), c); err != nil {
		return err
	}
	return h.respondCompany(w, r, u, id, http.StatusOK)
}

func (h *handler) deleteCompany(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.svc.Companies.DeleteCompany(r.Context(), u.OrgID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// respondCompany answers with the stored company, re-read so that the client
// sees exactly what a GET would show (normalized fields, employee count).
func (h *handler) respondCompany(w http.ResponseWriter, r *http.Request, u *crm.User, id int64, st int) error {
	c, err := h.svc.Companies.FindCompany(r.Context(), u.OrgID, id)
	if err != nil {
		return err
	}
	if st == http.StatusCreated {
		w.Header().Set("Location", fmt.Sprintf("%s/companies/%d", Prefix, id))
	}
	writeJSON(w, st, companyOut(c))
	return nil
}

func companyOut(c *crm.Company) companyJSON {
	return companyJSON{
		ID: c.ID, Name: c.Name, Phone: c.Phone, Website: c.Website, Address: c.Address, Note: c.Note,
		Employees: c.Employees, CreatedAt: utc(c.CreatedAt), UpdatedAt: utc(c.UpdatedAt),
	}
}

// company returns the writable fields of in as a domain company.
func (in *companyJSON) company() *crm.Company {
	return &crm.Company{Name: in.Name, Phone: in.Phone, Website: in.Website, Address: in.Address, Note: in.Note}
}
