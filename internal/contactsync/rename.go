package contactsync

import (
	"context"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/crm"
)

// Google may give a contact a new resource name (profile linking or
// unlinking, people-api.md §3). Incremental listings carry the former names
// in metadata.previousResourceNames; full listings do not, and getBatchGet
// answers under the name asked for (requestedResourceName) with the person's
// new name. A link always follows its person to the new name: a renamed
// contact is never taken for a deletion nor imported a second time.

// followRenames re-keys the links of a page's people that carry previous
// resource names, before anything else looks the links up.
func (r *run) followRenames(ctx context.Context, persons []*people.Person, byName map[string]*Link) error {
	for _, p := range persons {
		if isDeleted(p) || p.Metadata == nil || byName[p.ResourceName] != nil {
			continue
		}
		for _, old := range p.Metadata.PreviousResourceNames {
			if l := byName[old]; l != nil {
				if err := r.moveLink(ctx, byName, l, p.ResourceName); err != nil {
					return err
				}
				break
			}
		}
	}
	return nil
}

// checkTombstones reads back the linked people a page lists as deleted:
// Google might also list a renamed contact's old name as deleted
// (UNCONFIRMED). When the rename is on the same page, followRenames already
// moved the link; otherwise the old name may still answer, with the new name,
// and the link follows it instead of the CRM contact going to the trash.
func (r *run) checkTombstones(ctx context.Context, persons []*people.Person, byName map[string]*Link) error {
	var names []string
	for _, p := range persons {
		if isDeleted(p) && byName[p.ResourceName] != nil {
			names = append(names, p.ResourceName)
		}
	}
	for _, batch := range chunks(names, MaxBatchMutate) {
		var got map[string]*people.Person
		if err := r.call(ctx, func() (err error) { got, err = r.g.BatchGet(ctx, batch); return err }); err != nil {
			return err
		}
		for _, n := range batch {
			if p := got[n]; p != nil && p.ResourceName != n {
				if err := r.moveLink(ctx, byName, byName[n], p.ResourceName); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// findRenamed looks for renames a full listing cannot show: an unlinked group
// member whose clientData id or email belongs to a contact linked under a name
// the page does not list. The old name is read back: Google answering with
// this member, or no longer knowing the old name, means the member is the
// linked person under its new name. An old name still answering as itself is
// a second Google contact, left to the duplicate rules.
func (r *run) findRenamed(ctx context.Context, persons []*people.Person, byName map[string]*Link, m *pageContacts) error {
	listed := map[string]bool{}
	for _, p := range persons {
		listed[p.ResourceName] = true
	}
	suspects := map[string][]*people.Person{} // old name → members that may be it
	links := map[string]*Link{}
	var olds []string
	for _, p := range persons {
		if isDeleted(p) || !inGroup(p, r.group) || byName[p.ResourceName] != nil {
			continue
		}
		for _, c := range m.candidates(p) {
			l := m.linked[c.ID]
			if l == nil || listed[l.ResourceName] {
				continue
			}
			if suspects[l.ResourceName] == nil {
				olds = append(olds, l.ResourceName)
				links[l.ResourceName] = l
			}
			suspects[l.ResourceName] = append(suspects[l.ResourceName], p)
		}
	}
	for _, batch := range chunks(olds, MaxBatchMutate) {
		var got map[string]*people.Person
		if err := r.call(ctx, func() (err error) { got, err = r.g.BatchGet(ctx, batch); return err }); err != nil {
			return err
		}
		for _, old := range batch {
			l := links[old]
			p := renamedTo(got[old], old, l, suspects[old])
			if p == nil || byName[p.ResourceName] != nil {
				continue
			}
			if err := r.moveLink(ctx, byName, l, p.ResourceName); err != nil {
				return err
			}
			for _, c := range m.candidates(p) {
				if c.ID == l.ContactID {
					m.byID[c.ID] = c // pullMember reads the linked contact there
				}
			}
		}
	}
	return nil
}

// renamedTo picks which suspect the link named old now stands for, or nil.
func renamedTo(now *people.Person, old string, l *Link, suspects []*people.Person) *people.Person {
	switch {
	case now == nil:
		// Google no longer knows the old name: the member carrying the
		// contact's id, else the first listed with its email, takes its place.
		for _, p := range suspects {
			if crmIDOf(p) == l.ContactID {
				return p
			}
		}
		return suspects[0]
	case now.ResourceName != old:
		for _, p := range suspects {
			if p.ResourceName == now.ResourceName {
				return p
			}
		}
	}
	return nil
}

// moveLink re-keys a link of byName to a new resource name.
func (r *run) moveLink(ctx context.Context, byName map[string]*Link, l *Link, to string) error {
	old := l.ResourceName
	ok, err := r.rekey(ctx, l, to, true)
	if err != nil {
		return err
	}
	delete(byName, old)
	if ok {
		byName[to] = l
	}
	return nil
}

// rekey follows a linked Google contact to its new resource name. A saved
// link is saved again at once, so that no later step of the run takes the
// old name for a deletion; the old name leaves the index. It reports false
// when another link already holds the new name (Google merged two linked
// contacts): this link is then dropped and its CRM contact stays as it is.
func (r *run) rekey(ctx context.Context, l *Link, to string, saved bool) (bool, error) {
	old := l.ResourceName
	r.log.Info("google contact renamed", "account", r.acct.ID, "contact", l.ContactID, "from", old, "to", to)
	l.ResourceName = to
	if err := r.store.UnindexPeople(ctx, r.acct.ID, []string{old}); err != nil {
		return false, err
	}
	if !saved {
		return true, nil
	}
	err := r.store.SaveLinks(ctx, l)
	if crm.ErrorCode(err) == crm.ECONFLICT {
		if err := r.store.DeleteLink(ctx, r.acct.ID, l.ContactID); err != nil {
			return false, err
		}
		r.event(crm.EventDeleted, l.ContactID, "Merged in Google into a contact synchronized with another CRM contact: this one is no longer synchronized (it stays in the CRM).")
		return false, nil
	}
	return err == nil, err
}
