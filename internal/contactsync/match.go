package contactsync

import (
	"context"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/crm"
)

// Matching the unlinked group members of a listed page with CRM contacts.

// pageContacts holds the CRM contacts a page of people may need, read in a
// few queries instead of several per person.
type pageContacts struct {
	byID    map[int64]*crm.Contact    // linked contacts and clientData ids
	byEmail map[string][]*crm.Contact // live contacts of the scope, oldest first
	taken   map[int64]bool            // contacts already linked in this account
	linked  map[int64]*Link           // the links of candidates, as they were before the page
	// excluded holds the exclusions of the page's unlinked group members.
	excluded map[string]Exclusion
	relinked []int64          // contacts linked again by this page: no longer excluded
	imports  []*people.Person // new group members to import
}

// candidates returns the prefetched contacts an unlinked person may stand
// for: the one whose id it carries, then those sharing one of its emails.
func (m *pageContacts) candidates(p *people.Person) []*crm.Contact {
	var out []*crm.Contact
	seen := map[int64]bool{}
	add := func(c *crm.Contact) {
		if c != nil && !seen[c.ID] {
			seen[c.ID] = true
			out = append(out, c)
		}
	}
	add(m.byID[crmIDOf(p)])
	for _, e := range personEmails(p) {
		for _, c := range m.byEmail[e] {
			add(c)
		}
	}
	return out
}

func (r *run) prefetchPage(ctx context.Context, persons []*people.Person, byName map[string]*Link) (*pageContacts, error) {
	m := &pageContacts{byID: map[int64]*crm.Contact{}, byEmail: map[string][]*crm.Contact{}, taken: map[int64]bool{},
		linked: map[int64]*Link{}}
	var ids []int64
	var emails, unlinked []string
	for _, p := range persons {
		if isDeleted(p) || !inGroup(p, r.group) {
			continue
		}
		if l := byName[p.ResourceName]; l != nil {
			ids = append(ids, l.ContactID)
			continue
		}
		if id := crmIDOf(p); id != 0 {
			ids = append(ids, id)
		}
		emails = append(emails, personEmails(p)...)
		unlinked = append(unlinked, p.ResourceName)
	}
	var err error
	if m.excluded, err = r.excludedByName(ctx, unlinked); err != nil {
		return nil, err
	}
	for _, x := range m.excluded {
		ids = append(ids, x.ContactID)
	}
	if len(ids) > 0 {
		cs, err := r.store.FindContacts(ctx, r.acct.OrgID, ids)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			m.byID[c.ID] = c
		}
	}
	var candidates []int64
	if len(emails) > 0 {
		cs, err := r.store.ContactsByEmail(ctx, r.acct.OrgID, r.owner, emails)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			candidates = append(candidates, c.ID)
			for _, e := range ContactView(c).Emails() {
				m.byEmail[e] = append(m.byEmail[e], c)
			}
		}
	}
	for _, c := range m.byID {
		candidates = append(candidates, c.ID)
	}
	if len(candidates) > 0 {
		ls, err := r.store.LinksByContact(ctx, r.acct.ID, candidates)
		if err != nil {
			return nil, err
		}
		for _, l := range ls {
			m.taken[l.ContactID] = true
			m.linked[l.ContactID] = l
		}
	}
	return m, nil
}

// pullMember reconciles a group member: with its linked contact, or with the
// CRM contact it matches (its clientData id, then its emails), or as a new CRM
// contact.
func (r *run) pullMember(ctx context.Context, p *people.Person, l *Link, m *pageContacts) (*pendingUpdate, error) {
	if l == nil {
		if x, ok := m.excluded[p.ResourceName]; ok && x.Side == ExcludedInCRM {
			if c := m.byID[x.ContactID]; c == nil || c.DeletedAt != nil {
				return nil, nil // unlinked by the CRM trash: restoring the contact brings it back
			}
		}
		c := r.matchPerson(p, m)
		if c == nil {
			m.imports = append(m.imports, p)
			return nil, nil
		}
		m.taken[c.ID] = true
		m.relinked = append(m.relinked, c.ID)
		l = &Link{AccountID: r.acct.ID, ContactID: c.ID, ResourceName: p.ResourceName, CreatedByCRM: crmIDOf(p) == c.ID}
	}
	c := m.byID[l.ContactID]
	if c == nil {
		return nil, r.store.DeleteLink(ctx, r.acct.ID, l.ContactID) // purged from the CRM
	}
	if c.DeletedAt != nil {
		return nil, nil // in the CRM trash: push deletes or ungroups it
	}
	return r.reconcile(ctx, c, p, l)
}

// matchPerson finds the unlinked CRM contact a new group member stands for:
// the one whose id it carries, else the oldest sharing one of its emails.
func (r *run) matchPerson(p *people.Person, m *pageContacts) *crm.Contact {
	// A Google contact back in the group goes back to the contact it left.
	if x, ok := m.excluded[p.ResourceName]; ok {
		if c := m.byID[x.ContactID]; c != nil && c.DeletedAt == nil && r.inScope(c) && !m.taken[c.ID] {
			return c
		}
	}
	if c := m.byID[crmIDOf(p)]; c != nil && c.DeletedAt == nil && r.inScope(c) && !m.taken[c.ID] {
		return c
	}
	var best *crm.Contact
	for _, e := range personEmails(p) {
		for _, c := range m.byEmail[e] {
			if !m.taken[c.ID] && (best == nil || older(c, best)) {
				best = c
			}
		}
	}
	if best != nil {
		m.byID[best.ID] = best
	}
	return best
}

// older orders contacts by creation, the rule for shared emails.
func older(a, b *crm.Contact) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.Before(b.CreatedAt)
	}
	return a.ID < b.ID
}

func (r *run) inScope(c *crm.Contact) bool { return r.owner == 0 || c.OwnerID == r.owner }
