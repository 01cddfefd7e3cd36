package contactsync

import (
	"context"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/crm"
)

// Exclusions (DESIGN.md §3 "Deletions"): a Google contact removed from the
// group, or a deletion on either side with "unlink only", takes the pair out
// of sync on purpose. Without a record of it, the next CRM edit would match
// the contact again like any unlinked one, and re-add or re-create it in
// Google; the next Google edit would import a second copy of a contact that
// is in the CRM trash. The way back (docs/sync.md):
//   - ExcludedInGoogle: a Google contact of the CRM contact (the same one, or
//     any with its email) joins the group; the CRM side alone never re-links.
//   - ExcludedInCRM: restoring the CRM contact from the trash; until then its
//     Google contact is left alone even while it stays in the group.
//   - ExcludedTrashed: the Google contact coming back to the group, under its
//     name or a new one (restoreReturned), or restoring the CRM contact.

// exclude drops a link and records why, so that nothing brings it back by
// itself. The exclusion is written first: a crash in between leaves the
// link, which the next run drops again.
func (r *run) exclude(ctx context.Context, l *Link, side string) error {
	x := Exclusion{AccountID: r.acct.ID, ContactID: l.ContactID, ResourceName: l.ResourceName, Side: side}
	if err := r.store.Exclude(ctx, x); err != nil {
		return err
	}
	return r.store.DeleteLink(ctx, r.acct.ID, l.ContactID)
}

// restoreReturned brings back from the trash the CRM contact whose Google
// contact was deleted and now shows again as p: Google restored it, or it was
// renamed and Google listed its old name as deleted (people-api.md §3: names
// change; whether the old one is listed as deleted is UNCONFIRMED).
func (r *run) restoreReturned(ctx context.Context, p *people.Person, m *pageContacts) error {
	x, ok := m.exclusionOf(p)
	if !ok {
		x, ok = m.deletedBy[crmIDOf(p)] // back under a new name, with its clientData
	}
	if !ok || x.Side != ExcludedTrashed {
		return nil
	}
	c := m.byID[x.ContactID]
	if c == nil || c.DeletedAt == nil || !r.inScope(c) || m.taken[c.ID] || m.trashed[c.ID] {
		return nil
	}
	if err := r.store.RestoreContact(ctx, r.acct.OrgID, c.ID); err != nil {
		return err
	}
	c.DeletedAt = nil
	if r.trashedNow[c.ID] {
		r.rec.Counts.CRMDeleted-- // trashed and back within this run: not a deletion
	}
	r.event(crm.EventDeleted, c.ID, "Back in Google: restored from the CRM trash.")
	return nil
}

// trashedExclusions returns the 'trashed' exclusions of these contacts.
func (r *run) trashedExclusions(ctx context.Context, ids []int64) (map[int64]Exclusion, error) {
	out := map[int64]Exclusion{}
	if len(ids) == 0 {
		return out, nil
	}
	xs, err := r.store.Exclusions(ctx, r.acct.ID, ids, nil)
	for _, x := range xs {
		if x.Side == ExcludedTrashed {
			out[x.ContactID] = x
		}
	}
	return out, err
}

// excludedByName returns the exclusions of these Google contacts.
func (r *run) excludedByName(ctx context.Context, names []string) (map[string]Exclusion, error) {
	out := map[string]Exclusion{}
	if len(names) == 0 {
		return out, nil
	}
	xs, err := r.store.Exclusions(ctx, r.acct.ID, nil, names)
	for _, x := range xs {
		out[x.ResourceName] = x
	}
	return out, err
}

// withoutExcluded leaves out of push the unlinked contacts excluded for this
// account, except those excluded by the CRM trash that are live again: they
// were restored, and come back.
func (r *run) withoutExcluded(ctx context.Context, cs []*crm.Contact) ([]*crm.Contact, error) {
	if len(cs) == 0 {
		return cs, nil
	}
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	xs, err := r.store.Exclusions(ctx, r.acct.ID, ids, nil)
	if err != nil || len(xs) == 0 {
		return cs, err
	}
	side := map[int64]string{}
	for _, x := range xs {
		side[x.ContactID] = x.Side
	}
	var kept []*crm.Contact
	var restored []int64
	for _, c := range cs {
		switch side[c.ID] {
		case ExcludedInGoogle:
			continue
		case ExcludedInCRM, ExcludedTrashed:
			restored = append(restored, c.ID)
		}
		kept = append(kept, c)
	}
	return kept, r.store.Unexclude(ctx, r.acct.ID, restored)
}
