package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"simplecrm/internal/crm"
)

// contactJSON is a contact on the wire, read and written alike so that a
// client may send back what it got; id, timestamps and deleted_at are ignored
// on input.
type contactJSON struct {
	ID            int64            `json:"id"`
	FirstName     string           `json:"first_name"`
	LastName      string           `json:"last_name"`
	HomePhone     string           `json:"home_phone"`
	MobilePhone   string           `json:"mobile_phone"`
	PersonalEmail string           `json:"personal_email"`
	Address       addressJSON      `json:"address"`
	Note          string           `json:"note"`
	OwnerEmail    string           `json:"owner_email"`
	Employments   []employmentJSON `json:"employments"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
	DeletedAt     *time.Time       `json:"deleted_at"`
}

type addressJSON struct {
	Street     string `json:"street"`
	Extended   string `json:"extended"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
	Region     string `json:"region"`
	Country    string `json:"country"`
}

// employmentJSON names its company by company_id or, on input, by
// company_name alone (found by exact name or created). When both are given,
// company_id wins, as in crm.Employment.
type employmentJSON struct {
	CompanyID   int64  `json:"company_id"`
	CompanyName string `json:"company_name"`
	Function    string `json:"function"`
	WorkPhone   string `json:"work_phone"`
	WorkMobile  string `json:"work_mobile"`
	WorkEmail   string `json:"work_email"`
	Primary     bool   `json:"primary"`
}

func (h *handler) contactRoutes() {
	h.handle("GET "+Prefix+"/contacts", h.listContacts)
	h.handle("POST "+Prefix+"/contacts", h.createContact)
	h.handle("GET "+Prefix+"/contacts/{id}", h.getContact)
	h.handle("PATCH "+Prefix+"/contacts/{id}", h.patchContact)
	h.handle("DELETE "+Prefix+"/contacts/{id}", h.trashContact)
	h.handle("POST "+Prefix+"/contacts/{id}/restore", h.restoreContact)
}

func (h *handler) listContacts(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	q, limit, cursor, err := listParams(r)
	if err != nil {
		return err
	}
	f := crm.ContactFilter{Query: q, Limit: limit, Cursor: cursor}
	v := r.URL.Query()
	if s := v.Get("trashed"); s != "" {
		if f.Trashed, err = strconv.ParseBool(s); err != nil {
			return crm.Errorf(codeBadRequest, "trashed must be true or false, not %q.", s)
		}
	}
	if s := v.Get("company_id"); s != "" {
		if f.CompanyID, err = positiveID("company_id", s); err != nil {
			return err
		}
	}
	if s := v.Get("owner_email"); s != "" {
		owner, err := h.findColleague(r.Context(), u, s)
		if err != nil {
			return err
		}
		if owner == nil {
			return crm.Errorf(codeBadRequest, "owner_email: no user %q in your organization.", s)
		}
		f.OwnerID = owner.ID
	}
	items, next, err := h.svc.Contacts.ListContacts(r.Context(), u.OrgID, f)
	if err != nil {
		return listError(err)
	}
	writeJSON(w, http.StatusOK, newPage(items, next, contactOut))
	return nil
}

func (h *handler) createContact(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	var in contactJSON
	if err := decodeBody(w, r, &in); err != nil {
		return err
	}
	c := in.contact()
	c.OrgID, c.OwnerID = u.OrgID, u.ID
	if err := h.prepareContact(r.Context(), u, c, in.OwnerEmail, ""); err != nil {
		return err
	}
	if err := h.svc.Contacts.CreateContact(r.Context(), c); err != nil {
		return err
	}
	return h.respondContact(w, r, u, c.ID, http.StatusCreated)
}

func (h *handler) getContact(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return h.respondContact(w, r, u, id, http.StatusOK)
}

func (h *handler) patchContact(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	cur, err := h.svc.Contacts.FindContact(r.Context(), u.OrgID, id)
	if err != nil {
		return err
	}
	curJSON, in := contactOut(cur), contactJSON{}
	if err := decodePatch(w, r, &curJSON, &in); err != nil {
		return err
	}
	c := in.contact()
	c.ID, c.OrgID, c.OwnerID, c.CreatedAt, c.DeletedAt = cur.ID, cur.OrgID, cur.OwnerID, cur.CreatedAt, cur.DeletedAt
	// The version read above makes the store refuse the update (409) if
	// someone changed the contact between our read and our write, instead of
	// silently losing their change under the merged patch.
	c.Version = cur.Version
	if err := h.prepareContact(r.Context(), u, c, in.OwnerEmail, cur.OwnerEmail); err != nil {
		return err
	}
	if err := h.svc.Contacts.UpdateContact(r.Context(), c); err != nil {
		return err
	}
	return h.respondContact(w, r, u, id, http.StatusOK)
}

func (h *handler) trashContact(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.svc.Contacts.TrashContact(r.Context(), u.OrgID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *handler) restoreContact(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := h.svc.Contacts.RestoreContact(r.Context(), u.OrgID, id); err != nil {
		return err
	}
	return h.respondContact(w, r, u, id, http.StatusOK)
}

// prepareContact normalizes and validates c and resolves ownerEmail to its
// owner, reporting a bad owner together with the other field errors. An
// empty ownerEmail, or the current owner's (curEmail), keeps c.OwnerID.
func (h *handler) prepareContact(ctx context.Context, u *crm.User, c *crm.Contact, ownerEmail, curEmail string) error {
	c.Normalize()
	fields := crm.FieldErrors{}
	for i, e := range c.Employments {
		if e.CompanyID == 0 && e.CompanyName == "" {
			// Said in the API's words; Validate's "Choose a company." speaks to the web UI.
			fields.Add(fmt.Sprintf("employments.%d.company_id", i), "Give company_id or company_name.")
		}
	}
	for k, v := range crm.ErrorFields(c.Validate()) {
		fields.Add(k, v)
	}
	ownerEmail = strings.TrimSpace(ownerEmail)
	if ownerEmail != "" && !strings.EqualFold(ownerEmail, curEmail) {
		owner, err := h.findColleague(ctx, u, ownerEmail)
		switch {
		case err != nil:
			return err
		case owner == nil:
			fields.Add("owner_email", "No user with this email in your organization.")
		default:
			c.OwnerID = owner.ID
		}
	}
	return fields.Err()
}

// findColleague returns the user of u's organization with that email, or nil:
// a user of another organization is as unknown as no user at all.
func (h *handler) findColleague(ctx context.Context, u *crm.User, email string) (*crm.User, error) {
	other, err := h.svc.Users.FindUserByEmail(ctx, email)
	switch {
	case crm.ErrorCode(err) == crm.ENOTFOUND:
		return nil, nil
	case err != nil:
		return nil, err
	case other.OrgID != u.OrgID:
		return nil, nil
	}
	return other, nil
}

// respondContact answers with the stored contact, re-read so that the client
// sees what a GET would show (owner email, company names of employments).
func (h *handler) respondContact(w http.ResponseWriter, r *http.Request, u *crm.User, id int64, st int) error {
	c, err := h.svc.Contacts.FindContact(r.Context(), u.OrgID, id)
	if err != nil {
		return err
	}
	if st == http.StatusCreated {
		w.Header().Set("Location", fmt.Sprintf("%s/contacts/%d", Prefix, id))
	}
	writeJSON(w, st, contactOut(c))
	return nil
}

func contactOut(c *crm.Contact) contactJSON {
	a := c.Address
	out := contactJSON{
		ID: c.ID, FirstName: c.FirstName, LastName: c.LastName, HomePhone: c.HomePhone,
		MobilePhone: c.MobilePhone, PersonalEmail: c.PersonalEmail, Note: c.Note, OwnerEmail: c.OwnerEmail,
		Address: addressJSON{Street: a.Street, Extended: a.Extended, PostalCode: a.PostalCode,
			City: a.City, Region: a.Region, Country: a.Country},
		Employments: make([]employmentJSON, 0, len(c.Employments)),
		CreatedAt:   utc(c.CreatedAt), UpdatedAt: utc(c.UpdatedAt), DeletedAt: utcPtr(c.DeletedAt),
	}
	for _, e := range c.Employments {
		out.Employments = append(out.Employments, employmentJSON{
			CompanyID: e.CompanyID, CompanyName: e.CompanyName, Function: e.Function,
			WorkPhone: e.WorkPhone, WorkMobile: e.WorkMobile, WorkEmail: e.WorkEmail, Primary: e.Primary,
		})
	}
	return out
}

// contact returns the writable fields of in as a domain contact.
func (in *contactJSON) contact() *crm.Contact {
	a := in.Address
	c := &crm.Contact{
		FirstName: in.FirstName, LastName: in.LastName, HomePhone: in.HomePhone, MobilePhone: in.MobilePhone,
		PersonalEmail: in.PersonalEmail, Note: in.Note,
		Address: crm.Address{Street: a.Street, Extended: a.Extended, PostalCode: a.PostalCode,
			City: a.City, Region: a.Region, Country: a.Country},
	}
	for _, e := range in.Employments {
		c.Employments = append(c.Employments, crm.Employment{
			CompanyID: e.CompanyID, CompanyName: e.CompanyName, Function: e.Function,
			WorkPhone: e.WorkPhone, WorkMobile: e.WorkMobile, WorkEmail: e.WorkEmail, Primary: e.Primary,
		})
	}
	return c
}
