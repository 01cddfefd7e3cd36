package contactsync

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

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
	// deletedBy holds, by contact id, the 'trashed' exclusions of the
	// contacts whose ids unlinked members carry (restoreReturned).
	deletedBy map[int64]Exclusion
	relinked  []int64                   // contacts linked again by this page: no longer excluded
	imports   []*people.Person          // new group members to import
	importing map[string]*people.Person // ... by email
	trashed   map[int64]bool            // contacts this page moved to the trash
	freed     []string                  // emails of the contacts this page unlinked
}

// unlinked records that the page dropped a link, and whether its contact
// went to the trash: a member with its email may take it, or not.
func (m *pageContacts) unlinked(l *Link, trashed bool) {
	delete(m.taken, l.ContactID)
	if trashed {
		m.trashed[l.ContactID] = true
	}
	m.freed = append(m.freed, l.BaseCRM.Emails()...)
}

// candidates returns the prefetched contacts an unlinked person may stand
// for: the one whose id it carries, then those sharing one of its emails.
// exclusionOf returns the exclusion of p, under its name or a former one.
func (m *pageContacts) exclusionOf(p *people.Person) (Exclusion, bool) {
	if x, ok := m.excluded[p.ResourceName]; ok {
		return x, true
	}
	if p.Metadata != nil {
		for _, n := range p.Metadata.PreviousResourceNames {
			if x, ok := m.excluded[n]; ok {
				return x, true
			}
		}
	}
	return Exclusion{}, false
}

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
		linked: map[int64]*Link{}, importing: map[string]*people.Person{}, trashed: map[int64]bool{}}
	var ids, carried []int64
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
			carried = append(carried, id)
		}
		emails = append(emails, personEmails(p)...)
		unlinked = append(unlinked, p.ResourceName)
		if p.Metadata != nil {
			unlinked = append(unlinked, p.Metadata.PreviousResourceNames...)
		}
	}
	var err error
	if m.excluded, err = r.excludedByName(ctx, unlinked); err != nil {
		return nil, err
	}
	for _, x := range m.excluded {
		ids = append(ids, x.ContactID)
	}
	if m.deletedBy, err = r.trashedExclusions(ctx, carried); err != nil {
		return nil, err
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
		if err := r.restoreReturned(ctx, p, m); err != nil {
			return nil, err
		}
		if x, ok := m.exclusionOf(p); ok && x.Side == ExcludedInCRM {
			if c := m.byID[x.ContactID]; c == nil || c.DeletedAt != nil {
				return nil, nil // unlinked by the CRM trash: restoring the contact brings it back
			}
		}
		c := r.matchPerson(p, m)
		if c == nil {
			if !r.googleDuplicate(p, m) {
				m.imports = append(m.imports, p)
				for _, e := range personEmails(p) {
					m.importing[e] = p
				}
			}
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
	if x, ok := m.exclusionOf(p); ok {
		if c := m.byID[x.ContactID]; c != nil && r.free(c, m) {
			return c
		}
	}
	if c := m.byID[crmIDOf(p)]; c != nil && r.free(c, m) {
		return c
	}
	var best *crm.Contact
	for _, e := range personEmails(p) {
		for _, c := range m.byEmail[e] {
			if !m.taken[c.ID] && !m.trashed[c.ID] && (best == nil || older(c, best)) {
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

// free says whether a live contact of the scope may take a new member.
func (r *run) free(c *crm.Contact, m *pageContacts) bool {
	return c.DeletedAt == nil && r.inScope(c) && !m.taken[c.ID] && !m.trashed[c.ID]
}

func (r *run) inScope(c *crm.Contact) bool { return r.owner == 0 || c.OwnerID == r.owner }

// googleDuplicate reports a group member sharing an email with a CRM contact
// already linked to another Google contact of the account, or with a member
// this page imports: importing it would make a CRM duplicate, which DESIGN.md
// §3 forbids. It stays in Google, unlinked. Of several Google contacts sharing
// an email, the one already linked keeps its link; among new ones the least
// recently modified (applyOrder) is linked or imported.
func (r *run) googleDuplicate(p *people.Person, m *pageContacts) bool {
	for _, e := range personEmails(p) {
		// matchPerson took none of these: those not trashed are all linked.
		for _, c := range m.byEmail[e] {
			if !m.trashed[c.ID] {
				r.reportGoogleDuplicate(p, c.ID, c.Name())
				return true
			}
		}
		if q := m.importing[e]; q != nil {
			r.reportGoogleDuplicate(p, 0, displayName(PersonView(q), q))
			return true
		}
	}
	return false
}

// applyFreed applies again the group members that may have waited as
// duplicates of a contact the page unlinked: one of them may now be
// synchronized although it did not change itself, so is not listed.
func (r *run) applyFreed(ctx context.Context, m *pageContacts, page []*people.Person) error {
	if len(m.freed) == 0 {
		return nil
	}
	found, err := r.store.PeopleByEmail(ctx, r.acct.ID, m.freed)
	if err != nil {
		return err
	}
	listed := map[string]bool{}
	for _, p := range page {
		listed[p.ResourceName] = true
	}
	var names []string
	for _, p := range found {
		if p.InGroup && !listed[p.ResourceName] {
			listed[p.ResourceName] = true
			names = append(names, p.ResourceName)
		}
	}
	links, err := r.store.LinksByResource(ctx, r.acct.ID, names)
	if err != nil {
		return err
	}
	linked := map[string]bool{}
	for _, l := range links {
		linked[l.ResourceName] = true
	}
	var waiting []*people.Person
	for _, batch := range chunks(slices.DeleteFunc(names, func(n string) bool { return linked[n] }), MaxBatchMutate) {
		var got map[string]*people.Person
		if err := r.call(ctx, func() (err error) { got, err = r.g.BatchGet(ctx, batch); return err }); err != nil {
			return err
		}
		for _, n := range batch {
			// Members only: applying them unlinks nothing, so this ends.
			if p := got[n]; p != nil && p.ResourceName == n && inGroup(p, r.group) {
				waiting = append(waiting, p)
			}
		}
	}
	return r.applyPage(ctx, waiting)
}

func (r *run) reportGoogleDuplicate(p *people.Person, contactID int64, other string) {
	r.rec.Counts.Duplicates++
	r.event(crm.EventDuplicateEmail, contactID, fmt.Sprintf(
		"Google contact %q (%s) shares an email with %s, which is the one synchronized; it was not imported. Merge the two in Google Contacts.",
		displayName(PersonView(p), p), p.ResourceName, other))
}

// applyOrder returns the order in which a page is applied: deletions and
// departures from the group first, so that the contacts they unlink are free
// for the members; then members least recently modified first (CONTACT source
// updateTime, then resource name), the order in which shared emails are
// given out.
func applyOrder(persons []*people.Person, group string) []*people.Person {
	type aged struct {
		p      *people.Person
		member bool
		t      time.Time
	}
	list := make([]aged, len(persons))
	for i, p := range persons {
		list[i] = aged{p, !isDeleted(p) && inGroup(p, group), googleUpdated(p)}
	}
	slices.SortStableFunc(list, func(a, b aged) int {
		if a.member != b.member {
			return cmp.Compare(btoi(a.member), btoi(b.member))
		}
		if c := a.t.Compare(b.t); c != 0 {
			return c
		}
		return cmp.Compare(a.p.ResourceName, b.p.ResourceName)
	})
	out := make([]*people.Person, len(list))
	for i, a := range list {
		out[i] = a.p
	}
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
