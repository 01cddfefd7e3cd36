package contactsync

import (
	"context"
	"fmt"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/crm"
	"simplecrm/internal/google"
)

// pull brings Google's changes into the CRM: the whole listing the first time
// (or when the sync token expired), the changes since the last token
// otherwise. Pages are applied as they come; applying one twice changes
// nothing, so a listing cut off midway is simply listed again next time, and
// the new sync token is kept only once the last page is applied.
func (r *run) pull(ctx context.Context) error {
	r.rec.Phase = "Reading changes from Google"
	token := r.state.SyncToken
	for {
		seen := map[string]bool{}
		err := r.listAll(ctx, token, seen)
		if err != nil && token != "" && google.Classify(err) == google.KindExpiredSyncToken {
			// Full listing that merges; nothing is wiped and recreated.
			r.log.Info("sync token expired, listing everything", "account", r.acct.ID)
			token = ""
			continue
		}
		if err != nil {
			return err
		}
		if token == "" {
			// A full listing shows every contact: linked or indexed ones not
			// in it were deleted in Google while no token covered them.
			if err := r.dropUnseen(ctx, seen); err != nil {
				return err
			}
			if err := r.pruneIndex(ctx, seen); err != nil {
				return err
			}
		}
		return r.checkpoint(ctx)
	}
}

func (r *run) listAll(ctx context.Context, token string, seen map[string]bool) error {
	pageToken := ""
	for {
		var resp *people.ListConnectionsResponse
		err := r.call(ctx, func() (err error) { resp, err = r.g.ListConnections(ctx, token, pageToken); return err })
		if err != nil {
			return err
		}
		if pageToken == "" {
			r.listingSize(resp.TotalItems)
		}
		for _, p := range resp.Connections {
			seen[p.ResourceName] = true
		}
		if err := r.applyPage(ctx, resp.Connections); err != nil {
			return err
		}
		if err := r.flush(ctx); err != nil {
			return err
		}
		if resp.NextPageToken == "" {
			r.state.SyncToken = resp.NextSyncToken
			return nil
		}
		pageToken = resp.NextPageToken
	}
}

// applyPage applies one page of listed people: index them all, then handle
// deletions, group departures, linked contacts and new group members.
func (r *run) applyPage(ctx context.Context, persons []*people.Person) error {
	if len(persons) == 0 {
		return nil
	}
	byName, err := r.indexPage(ctx, persons)
	if err != nil {
		return err
	}
	m, err := r.prefetchPage(ctx, persons, byName)
	if err != nil {
		return err
	}
	if err := r.findRenamed(ctx, persons, byName, m); err != nil {
		return err
	}
	pending, doubles, err := r.applyPeople(ctx, persons, byName, m)
	if err != nil {
		return err
	}
	if err := r.store.Unexclude(ctx, r.acct.ID, m.relinked); err != nil {
		return err
	}
	if err := r.importPeople(ctx, m.imports); err != nil {
		return err
	}
	if err := r.deleteDoubles(ctx, doubles); err != nil {
		return err
	}
	if err := r.sendUpdates(ctx, pending); err != nil {
		return err
	}
	return r.applyFreed(ctx, m, persons)
}

// indexPage indexes a page's people and returns the links of the page by
// resource name, re-keyed to the new names of renamed people.
func (r *run) indexPage(ctx context.Context, persons []*people.Person) (map[string]*Link, error) {
	var index []IndexedPerson
	var gone, names []string
	for _, p := range persons {
		names = append(names, p.ResourceName)
		if p.Metadata != nil {
			names = append(names, p.Metadata.PreviousResourceNames...)
		}
		if isDeleted(p) {
			gone = append(gone, p.ResourceName)
			continue
		}
		index = append(index, IndexedPerson{ResourceName: p.ResourceName, Emails: personEmails(p),
			CRMID: crmIDOf(p), InGroup: inGroup(p, r.group)})
	}
	if err := r.store.IndexPeople(ctx, r.acct.ID, index); err != nil {
		return nil, err
	}
	if err := r.store.UnindexPeople(ctx, r.acct.ID, gone); err != nil {
		return nil, err
	}
	links, err := r.store.LinksByResource(ctx, r.acct.ID, names)
	if err != nil {
		return nil, err
	}
	byName := map[string]*Link{}
	for _, l := range links {
		byName[l.ResourceName] = l
	}
	if err := r.followRenames(ctx, persons, byName); err != nil {
		return nil, err
	}
	return byName, r.checkTombstones(ctx, persons, byName)
}

// applyPeople handles each person of a page; it returns the Google updates
// to send and the second copies of our own creates to delete.
func (r *run) applyPeople(ctx context.Context, persons []*people.Person, byName map[string]*Link, m *pageContacts) ([]*pendingUpdate, []string, error) {
	var pending []*pendingUpdate
	var doubles []string
	for _, p := range applyOrder(persons, r.group) {
		r.pulledOne()
		l := byName[p.ResourceName]
		switch {
		case isDeleted(p):
			if l != nil {
				if err := r.googleDeleted(ctx, l); err != nil {
					return nil, nil, err
				}
				m.unlinked(l, r.acct.DeleteMode != crm.DeleteUnlink)
			}
		case !inGroup(p, r.group):
			if l != nil {
				if err := r.exclude(ctx, l, ExcludedInGoogle); err != nil {
					return nil, nil, err
				}
				m.unlinked(l, false)
				r.event(crm.EventDeleted, l.ContactID, "Removed from the Google group: no longer synchronized with this account (the CRM contact stays). Add the Google contact to the group again to bring it back.")
			}
		case l == nil && r.ownDuplicate(p, m):
			doubles = append(doubles, p.ResourceName)
		default:
			pu, err := r.pullMember(ctx, p, l, m)
			if err != nil {
				return nil, nil, err
			}
			if pu != nil {
				pending = append(pending, pu)
			}
		}
	}
	return pending, doubles, nil
}

// ownDuplicate reports whether an unlinked group member is a second Google
// contact the CRM created for one contact: a create Google applied after the
// process that sent it died (so after the next run listed and created again).
// It carries the id of a CRM contact already linked to another Google
// contact, and nobody edited it: it shows what the CRM contact shows.
func (r *run) ownDuplicate(p *people.Person, m *pageContacts) bool {
	c := m.byID[crmIDOf(p)]
	if c == nil || !m.taken[c.ID] {
		return false
	}
	cv, gv := ContactView(c), PersonView(p)
	for _, f := range TwoWayFields {
		if !r.opts.Phones.fieldEq(f, cv, gv) {
			return false
		}
	}
	return true
}

// deleteDoubles deletes the Google contacts ownDuplicate found. Google keeps
// deleted contacts restorable in its trash for 30 days.
func (r *run) deleteDoubles(ctx context.Context, names []string) error {
	for _, batch := range chunks(names, MaxBatchDelete) {
		err := r.call(ctx, func() error { return r.g.BatchDelete(ctx, batch) })
		if err != nil && google.Classify(err) != google.KindNotFound {
			return err
		}
		if err := r.store.UnindexPeople(ctx, r.acct.ID, batch); err != nil {
			return err
		}
		for _, n := range batch {
			r.event(crm.EventDeleted, 0, "Deleted "+n+" in Google: a second copy of a contact, created by a sync that was interrupted.")
		}
	}
	return nil
}

// importPeople creates the CRM contacts of new group members, owned by the
// connecting user, with Google's business fields in their Note block, and
// their links with them.
func (r *run) importPeople(ctx context.Context, persons []*people.Person) error {
	for _, batch := range chunks(persons, MaxBatchMutate) {
		var cs []*crm.Contact
		var links []*Link
		for _, p := range batch {
			v := PersonView(p)
			c := &crm.Contact{OrgID: r.acct.OrgID, OwnerID: r.acct.UserID}
			setTwoWay(c, v)
			c.Note = WithNoteBlock("", r.opts.Phones.GoogleOnlyBusiness(View{}, v))
			c.Normalize()
			if err := c.Validate(); err != nil {
				r.rec.Counts.Skipped++
				r.event(crm.EventSkipped, 0, fmt.Sprintf("Google contact %q not imported: %s", displayName(v, p), crm.ErrorFields(err)))
				continue
			}
			cs = append(cs, c)
			links = append(links, &Link{AccountID: r.acct.ID, ResourceName: p.ResourceName, ETag: p.Etag,
				BaseCRM: ContactView(c), BaseGoogle: v})
		}
		if len(cs) == 0 {
			continue
		}
		if err := r.store.CreateLinkedContacts(ctx, cs, links); err != nil {
			return err
		}
		r.rec.Counts.CRMCreated += len(cs)
	}
	return nil
}

// googleDeleted handles a Google contact deleted in Google: its CRM contact
// goes to the trash (restorable), unless the account only unlinks.
func (r *run) googleDeleted(ctx context.Context, l *Link) error {
	if r.acct.DeleteMode == crm.DeleteUnlink {
		if err := r.exclude(ctx, l, ExcludedInGoogle); err != nil {
			return err
		}
		r.event(crm.EventDeleted, l.ContactID, "Deleted in Google: unlinked (the CRM contact stays). A Google contact with its email joining the group brings it back.")
		return nil
	}
	// The exclusion remembers the Google contact, so that it coming back
	// (restored in Google, or renamed after a tombstone of its old name)
	// restores this contact instead of importing a copy.
	err := r.exclude(ctx, l, ExcludedTrashed)
	if err == nil {
		err = r.store.TrashContact(ctx, r.acct.OrgID, l.ContactID)
	}
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	r.rec.Counts.CRMDeleted++
	r.trashedNow[l.ContactID] = true
	r.event(crm.EventDeleted, l.ContactID, "Deleted in Google: moved to the CRM trash (restore it to bring it back).")
	return nil
}

// dropUnseen treats linked contacts missing from a full listing as deleted
// in Google, once a read confirms it: a contact edited while the listing ran
// is left out of it too (it comes with the next incremental listing), and a
// renamed one answers under its new name (its link follows it).
func (r *run) dropUnseen(ctx context.Context, seen map[string]bool) error {
	var after int64
	for {
		links, err := r.store.ListLinks(ctx, r.acct.ID, after, 1000)
		if err != nil || len(links) == 0 {
			return err
		}
		after = links[len(links)-1].ContactID
		var unseen []*Link
		for _, l := range links {
			if !seen[l.ResourceName] {
				unseen = append(unseen, l)
			}
		}
		for _, batch := range chunks(unseen, MaxBatchMutate) {
			names := make([]string, len(batch))
			for i, l := range batch {
				names[i] = l.ResourceName
			}
			var got map[string]*people.Person
			if err := r.call(ctx, func() (err error) { got, err = r.g.BatchGet(ctx, names); return err }); err != nil {
				return err
			}
			for _, l := range batch {
				switch p := got[l.ResourceName]; {
				case p == nil:
					if err := r.googleDeleted(ctx, l); err != nil {
						return err
					}
				case p.ResourceName != l.ResourceName:
					// Renamed, and listed under its new name outside the
					// group or not at all: the next listing settles it.
					if _, err := r.rekey(ctx, l, p.ResourceName, true); err != nil {
						return err
					}
				}
			}
		}
	}
}

// pruneIndex forgets indexed Google contacts missing from a full listing.
func (r *run) pruneIndex(ctx context.Context, seen map[string]bool) error {
	after := ""
	for {
		names, err := r.store.IndexedNames(ctx, r.acct.ID, after, 1000)
		if err != nil || len(names) == 0 {
			return err
		}
		var gone []string
		for _, n := range names {
			if !seen[n] {
				gone = append(gone, n)
			}
		}
		if err := r.store.UnindexPeople(ctx, r.acct.ID, gone); err != nil {
			return err
		}
		after = names[len(names)-1]
	}
}

func displayName(v View, p *people.Person) string {
	if n := v.FirstName + " " + v.LastName; n != " " {
		return n
	}
	return p.ResourceName
}

// emailsAll returns every email of the person (CONTACT source), in match form.
func personEmails(p *people.Person) []string {
	var out []string
	for _, e := range p.EmailAddresses {
		if e != nil && fromContact(e.Metadata) {
			if k := EmailKey(e.Value); k != "" {
				out = append(out, k)
			}
		}
	}
	return out
}
