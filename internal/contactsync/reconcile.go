package contactsync

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/crm"
	"simplecrm/internal/google"
)

// pendingUpdate is a Google write decided by a merge, waiting for its batch.
// The link is saved once the write is done, so a write that never happens
// leaves the old base and the next run merges again.
type pendingUpdate struct {
	contact *crm.Contact // after the CRM side of the merge was written
	person  *people.Person
	mask    []string
	link    *Link // with the new base
	old     *Link // the base the merge used, for a retry after a stale etag
}

// reconcile merges a linked (or newly matched) pair: it writes the CRM side
// at once and returns the Google write still to do, or nil when Google is up
// to date (the link is then saved here). A person matched outside the group
// joins it in that same write, so that our membership change does not make
// Google look modified last.
func (r *run) reconcile(ctx context.Context, c *crm.Contact, p *people.Person, l *Link) (*pendingUpdate, error) {
	ph := r.opts.Phones
	cv, gv := ContactView(c), PersonView(p)
	res := ph.Merge(MergeInput{CRM: cv, Google: gv, BaseCRM: l.BaseCRM, BaseGoogle: l.BaseGoogle,
		CRMTime: c.UpdatedAt, GoogleTime: googleUpdated(p)})
	for _, cf := range res.Conflicts {
		r.rec.Counts.Conflicts++
		r.event(crm.EventConflict, c.ID, conflictMessage(cf, l.ETag == ""))
	}

	updated := *c
	setTwoWay(&updated, res.CRM)
	updated.Note = WithNoteBlock(c.Note, ph.GoogleOnlyBusiness(res.CRM, res.Google))
	if contactChanged(c, &updated) {
		if err := r.store.UpdateContact(ctx, &updated); err != nil {
			if crm.ErrorCode(err) == crm.ECONFLICT || crm.ErrorCode(err) == crm.EINVALID {
				// Edited in the CRM meanwhile, or Google sent what the CRM
				// refuses: leave the link as it was; the next run merges again.
				r.rec.Counts.Skipped++
				r.event(crm.EventSkipped, c.ID, "Not updated from Google this time: "+crm.ErrorMessage(err))
				return nil, nil
			}
			return nil, err
		}
		r.rec.Counts.CRMUpdated++
		c = &updated
	}

	link := *l
	link.BaseCRM, link.BaseGoogle, link.SyncedVersion, link.ETag = ContactView(c), res.Google, c.Version, p.Etag
	mask := ph.ApplyView(p, res.Google)
	if !inGroup(p, r.group) {
		p.Memberships = append(p.Memberships, &people.Membership{
			ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: r.group}})
		mask = append(mask, "memberships")
	}
	if len(mask) == 0 {
		return nil, r.store.SaveLinks(ctx, &link)
	}
	return &pendingUpdate{contact: c, person: p, mask: mask, link: &link, old: l}, nil
}

// sendUpdates writes pending Google updates in batches. A batch refused for a
// stale etag (the contact changed in Google since it was read) is read again,
// merged again and sent again, a bounded number of times. So are the items a
// batch that succeeded did not update (Google may answer per item, people-api.md
// §17: partial success is UNCONFIRMED): their links keep their old base, so
// that a CRM change is never recorded as sent when it was not.
func (r *run) sendUpdates(ctx context.Context, pending []*pendingUpdate) error {
	for _, batch := range chunks(pending, MaxBatchMutate) {
		for attempt := 0; len(batch) > 0; attempt++ {
			failed, err := r.updateBatch(ctx, batch)
			if err == nil && len(failed) == 0 {
				break
			}
			if err != nil && (google.Classify(err) != google.KindStaleEtag || attempt == 3) {
				return err
			}
			if err == nil {
				batch = failed
			}
			if attempt == 3 {
				r.skipUpdates(batch)
				break
			}
			if batch, err = r.remerge(ctx, batch); err != nil {
				return err
			}
		}
	}
	return nil
}

// updateBatch sends one batch update and saves the links of the people it
// updated; it returns the items Google answered without a person.
func (r *run) updateBatch(ctx context.Context, batch []*pendingUpdate) ([]*pendingUpdate, error) {
	persons := map[string]*people.Person{}
	var mask []string
	seenField := map[string]bool{}
	for _, pu := range batch {
		persons[pu.person.ResourceName] = pu.person
		for _, f := range pu.mask {
			if !seenField[f] {
				seenField[f] = true
				mask = append(mask, f)
			}
		}
	}
	// One mask for the batch is safe: every person is sent whole for every
	// field the engine reads.
	var out map[string]*people.Person
	if err := r.call(ctx, func() (err error) { out, err = r.g.BatchUpdate(ctx, persons, mask); return err }); err != nil {
		return nil, err
	}
	var links []*Link
	var failed []*pendingUpdate
	for _, pu := range batch {
		p := out[pu.person.ResourceName]
		if p == nil {
			failed = append(failed, pu)
			continue
		}
		pu.link.ETag = p.Etag
		pu.link.BaseGoogle = PersonView(p)
		links = append(links, pu.link)
	}
	if err := r.store.SaveLinks(ctx, links...); err != nil {
		return nil, err
	}
	r.rec.Counts.GoogleUpdated += len(links)
	return failed, nil
}

// skipUpdates reports the updates Google kept refusing; their links keep the
// old base, so the next run tries them again.
func (r *run) skipUpdates(batch []*pendingUpdate) {
	for _, pu := range batch {
		r.rec.Counts.Skipped++
		r.event(crm.EventSkipped, pu.contact.ID, "Google refused the update of this contact; the next sync tries again.")
	}
}

// remerge reads the people of a refused batch again and merges them with the
// old bases; people deleted meanwhile drop out (the next listing reports them).
func (r *run) remerge(ctx context.Context, batch []*pendingUpdate) ([]*pendingUpdate, error) {
	names := make([]string, len(batch))
	for i, pu := range batch {
		names[i] = pu.person.ResourceName
	}
	var fresh map[string]*people.Person
	if err := r.call(ctx, func() (err error) { fresh, err = r.g.BatchGet(ctx, names); return err }); err != nil {
		return nil, err
	}
	var again []*pendingUpdate
	for _, pu := range batch {
		p := fresh[pu.person.ResourceName]
		if p == nil {
			continue
		}
		if p.ResourceName != pu.old.ResourceName {
			ok, err := r.rekey(ctx, pu.old, p.ResourceName, pu.old.SyncedVersion != 0)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		next, err := r.reconcile(ctx, pu.contact, p, pu.old)
		if err != nil {
			return nil, err
		}
		if next != nil {
			again = append(again, next)
		}
	}
	return again, nil
}

// setTwoWay writes the two-way fields of v into a CRM contact.
func setTwoWay(c *crm.Contact, v View) {
	c.FirstName, c.LastName = v.FirstName, v.LastName
	c.HomePhone, c.MobilePhone, c.PersonalEmail = v.HomePhone, v.MobilePhone, v.PersonalEmail
	c.Address = v.Address
}

func contactChanged(a, b *crm.Contact) bool {
	return a.FirstName != b.FirstName || a.LastName != b.LastName || a.HomePhone != b.HomePhone ||
		a.MobilePhone != b.MobilePhone || a.PersonalEmail != b.PersonalEmail || a.Address != b.Address || a.Note != b.Note
}

// conflictMessage tells a person which field both sides changed and which
// value stayed, in their words: "first name", "Google". A pair meeting for
// the first time (matched, never synced) has no earlier state: its values
// differ rather than changed.
func conflictMessage(cf Conflict, firstSync bool) string {
	winner := "Google"
	if cf.Winner == SideCRM {
		winner = "CRM"
	}
	field := strings.ReplaceAll(cf.Field, "_", " ")
	field = strings.ToUpper(field[:1]) + field[1:]
	if firstSync {
		return fmt.Sprintf("%s differs between the CRM (%q) and Google (%q) at their first sync: kept the %s value, modified last.",
			field, cf.CRMValue, cf.GoogleValue, winner)
	}
	return fmt.Sprintf("%s changed on both sides (CRM %q, Google %q): kept the %s value, modified last.",
		field, cf.CRMValue, cf.GoogleValue, winner)
}
