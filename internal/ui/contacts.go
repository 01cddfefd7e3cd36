package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"simplecrm/internal/crm"
)

func (h *handler) listContacts(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	return h.contactList(w, r, u, "contacts", crm.ContactFilter{})
}

func (h *handler) listTrash(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	return h.contactList(w, r, u, "trash", crm.ContactFilter{Trashed: true})
}

// contactList renders one page of contacts matching f and the request's ?q=.
func (h *handler) contactList(w http.ResponseWriter, r *http.Request, u *crm.User, page string, f crm.ContactFilter) error {
	q := r.URL.Query()
	f.Query, f.Cursor, f.Limit = q.Get("q"), q.Get("cursor"), pageLimit(q)
	contacts, next, err := h.svc.Contacts.ListContacts(r.Context(), u.OrgID, f)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, page, view{
		"Contacts": contacts, "Query": f.Query, "Pager": pageLinks(r, next),
		"Retention": int(crm.TrashRetention.Hours() / 24),
	})
	return nil
}

func (h *handler) showContact(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	c, err := h.findContact(r, u)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "contact", view{"Contact": c, "Nav": "contacts"})
	return nil
}

func (h *handler) newContact(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	vals := encodeContact(&crm.Contact{OwnerID: u.ID})
	return h.contactForm(w, r, u, http.StatusOK, nil, newForm(vals))
}

func (h *handler) createContact(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	vals, err := parseForm(r)
	if err != nil {
		return err
	}
	if vals.Has("add_row") {
		return h.contactForm(w, r, u, http.StatusOK, nil, withExtraRow(vals))
	}
	c := &crm.Contact{OrgID: u.OrgID, OwnerID: u.ID}
	rows := decodeContact(vals, c)
	c.Version = 0 // a new contact has nothing to conflict with
	f := newForm(vals)
	if code, err := h.saveContact(r, u, c, rows, f, h.svc.Contacts.CreateContact); err != nil {
		return err
	} else if code != "" {
		return h.contactForm(w, r, u, http.StatusUnprocessableEntity, nil, f)
	}
	h.redirect(w, r, contactURL(c.ID), &flash{Message: "Contact created."})
	return nil
}

func (h *handler) editContact(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	c, err := h.findContact(r, u)
	if err != nil {
		return err
	}
	return h.contactForm(w, r, u, http.StatusOK, c, newForm(encodeContact(c)))
}

func (h *handler) updateContact(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	old, err := h.findContact(r, u)
	if err != nil {
		return err
	}
	vals, err := parseForm(r)
	if err != nil {
		return err
	}
	if vals.Has("add_row") {
		return h.contactForm(w, r, u, http.StatusOK, old, withExtraRow(vals))
	}
	c := &crm.Contact{ID: old.ID, OrgID: u.OrgID, OwnerID: old.OwnerID}
	rows := decodeContact(vals, c)
	if c.Version == 0 {
		c.Version = old.Version
	}
	f := newForm(vals)
	code, err := h.saveContact(r, u, c, rows, f, h.svc.Contacts.UpdateContact)
	if err != nil {
		return err
	}
	if code == crm.ECONFLICT && len(f.Errors) == 0 {
		// ECONFLICT without fields: the stored version moved meanwhile.
		if err := h.showConflict(r, u, old.ID, f); err != nil {
			return err
		}
	}
	if code != "" {
		return h.contactForm(w, r, u, http.StatusUnprocessableEntity, old, f)
	}
	h.redirect(w, r, contactURL(c.ID), &flash{Message: "Contact saved."})
	return nil
}

// saveContact checks the chosen owner and stores c with save. A problem the
// user can fix is recorded on f (employment errors renamed back to the form's
// rows) and its code returned; anything else is returned as err.
func (h *handler) saveContact(r *http.Request, u *crm.User, c *crm.Contact, rows []int, f *form,
	save func(context.Context, *crm.Contact) error) (code string, err error) {
	if owner := atoi64(f.Get("owner_id")); owner != 0 {
		ok, err := h.inOrg(r, u, owner)
		if err != nil {
			return "", err
		}
		if !ok {
			f.Errors["owner_id"] = "Choose an owner from the list."
			f.Message = "Please correct the highlighted fields."
			return crm.EINVALID, nil
		}
		c.OwnerID = owner
	}
	err = save(r.Context(), c)
	if err == nil {
		return "", nil
	}
	if err := f.setError(err, func(k string) string { return renameRow(k, rows) }); err != nil {
		return "", err
	}
	return crm.ErrorCode(err), nil
}

// showConflict explains an edit conflict: the typed values stay, the values
// saved meanwhile appear under the fields that differ, and the form takes the
// new version so that saving again deliberately keeps the user's values.
func (h *handler) showConflict(r *http.Request, u *crm.User, id int64, f *form) error {
	cur, err := h.svc.Contacts.FindContact(r.Context(), u.OrgID, id)
	if err != nil {
		return err
	}
	f.Current = map[string]string{}
	for k, v := range encodeContact(cur) {
		f.Current[k] = v[0]
	}
	delete(f.Current, "version")
	delete(f.Current, "employment_rows")
	f.Values.Set("version", strconv.FormatInt(cur.Version, 10))
	f.Message = "Someone else changed this contact while you were editing it. Your changes are kept below, " +
		"with what they saved shown under each field that differs. Save again to keep your version."
	return nil
}

// contactForm renders the new/edit form. c is the stored contact when editing.
func (h *handler) contactForm(w http.ResponseWriter, r *http.Request, u *crm.User, status int, c *crm.Contact, f *form) error {
	users, err := h.svc.Users.ListUsers(r.Context(), u.OrgID)
	if err != nil {
		return err
	}
	companies, _, err := h.svc.Companies.ListCompanies(r.Context(), u.OrgID, crm.CompanyFilter{Limit: crm.MaxPageSize})
	if err != nil {
		return err
	}
	n := min(int(atoi64(f.Get("employment_rows"))), maxEmploymentRows)
	rows := make([]employmentRow, n)
	for i := range rows {
		p := "employments." + strconv.Itoa(i) + "."
		rows[i] = employmentRow{Index: i, Prefix: p, Primary: f.Get("primary") == strconv.Itoa(i),
			Remove: f.Get(p+"remove") != "", Stored: c != nil && i < len(c.Employments)}
	}
	h.render(w, r, status, "contact_form", view{
		"Contact": c, "Form": f, "Rows": rows, "Users": users, "Companies": companies,
		"Owner": f.Get("owner_id"), "Nav": "contacts",
	})
	return nil
}

// withExtraRow answers the "Add another company" button: the same form, as
// typed, with one more empty company block; nothing is saved yet.
func withExtraRow(vals url.Values) *form {
	n := min(int(atoi64(vals.Get("employment_rows")))+1, maxEmploymentRows)
	vals.Set("employment_rows", strconv.Itoa(n))
	return newForm(vals)
}

// employmentRow is one company block of the contact form.
type employmentRow struct {
	Index           int
	Prefix          string
	Primary, Remove bool
	Stored          bool // an existing employment, which can be removed
}

// maxEmploymentRows bounds the rows a form may post.
const maxEmploymentRows = 50

// encodeContact fills the contact form from a stored contact, with one empty
// company row at the end to add an employment.
func encodeContact(c *crm.Contact) url.Values {
	vals := bind(nil, contactFields(c))
	for i := range c.Employments {
		e := &c.Employments[i]
		for k, v := range bind(nil, employmentFields(e, strconv.Itoa(i))) {
			vals[k] = v
		}
		if e.Primary {
			vals.Set("primary", strconv.Itoa(i))
		}
	}
	vals.Set("employment_rows", strconv.Itoa(len(c.Employments)+1))
	vals.Set("owner_id", strconv.FormatInt(c.OwnerID, 10))
	vals.Set("version", strconv.FormatInt(c.Version, 10))
	return vals
}

// decodeContact reads the contact form into c. Rows marked for removal and
// rows left empty are dropped; the returned slice maps each kept employment to
// its form row, so errors about employments.K land on the right row.
func decodeContact(vals url.Values, c *crm.Contact) []int {
	bind(vals, contactFields(c))
	c.Version = atoi64(vals.Get("version"))
	var rows []int
	n := min(int(atoi64(vals.Get("employment_rows"))), maxEmploymentRows)
	for i := range n {
		var e crm.Employment
		idx := strconv.Itoa(i)
		bind(vals, employmentFields(&e, idx))
		if vals.Get("employments."+idx+".remove") != "" || e == (crm.Employment{}) {
			continue
		}
		e.Primary = vals.Get("primary") == idx
		c.Employments = append(c.Employments, e)
		rows = append(rows, i)
	}
	return rows
}

// renameRow maps a crm error key to the input it is about: an error about the
// K-th saved employment goes to the form row it came from, and the store's
// names for what the form chooses by other means go to that input.
func renameRow(key string, rows []int) string {
	switch {
	case key == "owner_email":
		return "owner_id"
	case strings.HasSuffix(key, ".company_id"):
		key = strings.TrimSuffix(key, "company_id") + "company_name"
	}
	m := rowIndex.FindStringSubmatch(key)
	if m == nil {
		return key
	}
	k, _ := strconv.Atoi(m[1])
	if k < 0 || k >= len(rows) {
		return key
	}
	return fmt.Sprintf("employments.%d.%s", rows[k], key[len(m[0]):])
}

func (h *handler) trashContact(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.svc.Contacts.TrashContact(r.Context(), u.OrgID, id); err != nil {
		return err
	}
	h.redirect(w, r, "/contacts", &flash{Message: "Contact moved to trash.", RestoreID: id})
	return nil
}

func (h *handler) restoreContact(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.svc.Contacts.RestoreContact(r.Context(), u.OrgID, id); err != nil {
		return err
	}
	h.redirect(w, r, contactURL(id), &flash{Message: "Contact restored."})
	return nil
}

func (h *handler) findContact(r *http.Request, u *crm.User) (*crm.Contact, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	return h.svc.Contacts.FindContact(r.Context(), u.OrgID, id)
}

// inOrg reports whether userID is a user of u's organization.
func (h *handler) inOrg(r *http.Request, u *crm.User, userID int64) (bool, error) {
	_, err := h.svc.Users.FindUser(r.Context(), u.OrgID, userID)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return false, nil
	}
	return err == nil, err
}

func contactURL(id int64) string { return "/contacts/" + strconv.FormatInt(id, 10) }
