package ui

import (
	"net/http"

	"simplecrm/internal/crm"
)

// The contact page's "Make primary" and "Remove" buttons change one employment
// without opening the whole form. They carry the version the page showed, so a
// click on a stale page does not undo someone else's edit.

func (h *handler) makePrimary(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	return h.changeEmployment(w, r, u, "Primary company changed.", func(c *crm.Contact, i int) {
		for j := range c.Employments {
			c.Employments[j].Primary = j == i
		}
	})
}

func (h *handler) removeEmployment(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	return h.changeEmployment(w, r, u, "Company removed from this contact.", func(c *crm.Contact, i int) {
		c.Employments = append(c.Employments[:i], c.Employments[i+1:]...)
	})
}

// changeEmployment applies change to the employment {eid} of contact {id} and
// saves the contact, then returns to the contact page with msg.
func (h *handler) changeEmployment(w http.ResponseWriter, r *http.Request, u *crm.User, msg string, change func(*crm.Contact, int)) error {
	c, err := h.findContact(r, u)
	if err != nil {
		return err
	}
	eid, err := pathID(r, "eid")
	if err != nil {
		return err
	}
	vals, err := parseForm(r)
	if err != nil {
		return err
	}
	i := -1
	for j, e := range c.Employments {
		if e.ID == eid {
			i = j
		}
	}
	if i < 0 {
		return crm.NotFound("employment")
	}
	if v := atoi64(vals.Get("version")); v != 0 {
		c.Version = v
	}
	change(c, i)
	err = h.svc.Contacts.UpdateContact(r.Context(), c)
	switch crm.ErrorCode(err) {
	case "":
		h.redirect(w, r, contactURL(c.ID), &flash{Message: msg})
	case crm.ECONFLICT:
		h.redirect(w, r, contactURL(c.ID), &flash{Error: true,
			Message: "Someone else changed this contact meanwhile. Here it is as it is now; please try again."})
	case crm.EINVALID:
		// Stored data that no longer validates (rules tightened since): the
		// edit form shows what to fix.
		h.redirect(w, r, contactURL(c.ID)+"/edit", &flash{Error: true, Message: crm.ErrorMessage(err)})
	default:
		return err
	}
	return nil
}
