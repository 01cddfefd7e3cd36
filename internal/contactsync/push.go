package contactsync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/crm"
	"simplecrm/internal/google"
)

// push sends the CRM's changes since the account's checkpoint to Google, in
// batches of MaxBatchMutate contacts, checkpointing after each.
func (r *run) push(ctx context.Context) error {
	r.rec.Phase = "Sending CRM changes to Google"
	redo := 0
	for {
		cs, err := r.store.ContactsChangedSince(ctx, r.acct.OrgID, r.owner, r.state.CRMVersion, MaxBatchMutate)
		if err != nil || len(cs) == 0 {
			return err
		}
		err = r.pushBatch(ctx, cs)
		if err != nil {
			err = r.countRefusedCreates(ctx, err, cs[len(cs)-1].Version)
		}
		if errors.Is(err, errRedoBatch) && redo < 3 {
			redo++
			continue // the batch again, now that lost creates are linked
		}
		if err != nil {
			return err
		}
		redo = 0
		r.state.CRMVersion = cs[len(cs)-1].Version
		if err := r.checkpoint(ctx); err != nil {
			return err
		}
	}
}

// pushBatch sorts a batch of changed contacts into deletions, updates of
// linked contacts, links to existing Google contacts, and creates.
func (r *run) pushBatch(ctx context.Context, cs []*crm.Contact) error {
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
	}
	links, err := r.store.LinksByContact(ctx, r.acct.ID, ids)
	if err != nil {
		return err
	}
	byContact := map[int64]*Link{}
	for _, l := range links {
		byContact[l.ContactID] = l
	}
	var (
		toGet               = map[string]*crm.Contact{} // resource name → contact
		getLinks            = map[string]*Link{}
		toDelete, toUngroup []*Link
		toCreate, unlinked  []*crm.Contact
	)
	for _, c := range cs {
		r.pushedOne()
		l := byContact[c.ID]
		switch {
		case l != nil && c.DeletedAt != nil:
			switch {
			case r.acct.DeleteMode == crm.DeleteUnlink:
				if err := r.exclude(ctx, l, ExcludedInCRM); err != nil {
					return err
				}
				r.event(crm.EventDeleted, c.ID, "Moved to the CRM trash: unlinked (the Google contact stays). Restore it to bring it back.")
			case l.CreatedByCRM:
				toDelete = append(toDelete, l)
			default:
				toUngroup = append(toUngroup, l)
			}
		case l != nil && l.SyncedVersion == c.Version:
			// Our own write from Google, or nothing the phone shows.
		case l != nil:
			toGet[l.ResourceName], getLinks[l.ResourceName] = c, l
		case c.DeletedAt != nil:
		default:
			unlinked = append(unlinked, c)
		}
	}
	waiting, err := r.duplicatesFreed(ctx, cs, byContact)
	if err != nil {
		return err
	}
	if unlinked, err = r.withoutExcluded(ctx, append(unlinked, waiting...)); err != nil {
		return err
	}
	targets, err := r.matchContacts(ctx, unlinked)
	if err != nil {
		return err
	}
	for _, c := range unlinked {
		target, ok := targets[c.ID]
		switch {
		case !ok:
			toCreate = append(toCreate, c)
		case target.ResourceName == "":
			// a duplicate, reported by matchContacts
		default:
			nl := &Link{AccountID: r.acct.ID, ContactID: c.ID, ResourceName: target.ResourceName, CreatedByCRM: target.CRMID == c.ID}
			toGet[nl.ResourceName], getLinks[nl.ResourceName] = c, nl
		}
	}
	vanished, err := r.updateLinked(ctx, toGet, getLinks)
	if err != nil {
		return err
	}
	toCreate = append(toCreate, vanished...)
	if err := r.removeFromGoogle(ctx, toDelete, toUngroup); err != nil {
		return err
	}
	return r.createInGoogle(ctx, toCreate)
}

// duplicatesFreed returns the unlinked contacts that were skipped as
// duplicates of a contact of the batch that no longer holds their email (it
// went to the trash, or its email changed): one of them may now be the
// oldest, to be synchronized although it did not change itself.
func (r *run) duplicatesFreed(ctx context.Context, cs []*crm.Contact, links map[int64]*Link) ([]*crm.Contact, error) {
	var freed []string
	inBatch := map[int64]bool{}
	for _, c := range cs {
		inBatch[c.ID] = true
		now := ContactView(c).Emails()
		if c.DeletedAt != nil {
			freed = append(freed, now...)
		}
		if l := links[c.ID]; l != nil {
			for _, e := range l.BaseCRM.Emails() {
				if c.DeletedAt != nil || !slices.Contains(now, e) {
					freed = append(freed, e)
				}
			}
		}
	}
	if len(freed) == 0 {
		return nil, nil
	}
	others, err := r.store.ContactsByEmail(ctx, r.acct.OrgID, r.owner, freed)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, c := range others {
		if !inBatch[c.ID] {
			ids = append(ids, c.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	ls, err := r.store.LinksByContact(ctx, r.acct.ID, ids)
	if err != nil {
		return nil, err
	}
	linked := map[int64]bool{}
	for _, l := range ls {
		linked[l.ContactID] = true
	}
	var out []*crm.Contact
	for _, c := range others {
		if !inBatch[c.ID] && !linked[c.ID] {
			out = append(out, c)
		}
	}
	return out, nil
}

// matchContacts decides what unlinked CRM contacts become in Google. A
// contact missing from the answer is to be created; one mapped to a zero
// IndexedPerson is a duplicate to skip (an older contact has its email);
// others are linked to the Google contact given: one carrying their id from
// an earlier create, or one with a matching email, in the group or not.
func (r *run) matchContacts(ctx context.Context, cs []*crm.Contact) (map[int64]IndexedPerson, error) {
	out := map[int64]IndexedPerson{}
	if len(cs) == 0 {
		return out, nil
	}
	var emails []string
	ids := make([]int64, len(cs))
	for i, c := range cs {
		ids[i] = c.ID
		emails = append(emails, ContactView(c).Emails()...)
	}
	oldest := map[string]*crm.Contact{} // email → oldest live contact of the scope having it
	byEmail := map[string][]IndexedPerson{}
	if len(emails) > 0 {
		same, err := r.store.ContactsByEmail(ctx, r.acct.OrgID, r.owner, emails)
		if err != nil {
			return nil, err
		}
		for _, c := range same {
			for _, e := range ContactView(c).Emails() {
				if o := oldest[e]; o == nil || older(c, o) {
					oldest[e] = c
				}
			}
		}
		found, err := r.store.PeopleByEmail(ctx, r.acct.ID, emails)
		if err != nil {
			return nil, err
		}
		for _, p := range found {
			for _, e := range p.Emails {
				byEmail[e] = append(byEmail[e], p)
			}
		}
	}
	own, err := r.store.PeopleByCRMID(ctx, r.acct.ID, ids)
	if err != nil {
		return nil, err
	}
	byCRMID := map[int64]IndexedPerson{}
	var names []string
	for _, p := range own {
		byCRMID[p.CRMID] = p
		names = append(names, p.ResourceName)
	}
	for _, ps := range byEmail {
		for _, p := range ps {
			names = append(names, p.ResourceName)
		}
	}
	taken := map[string]bool{}
	if len(names) > 0 {
		ls, err := r.store.LinksByResource(ctx, r.acct.ID, names)
		if err != nil {
			return nil, err
		}
		for _, l := range ls {
			taken[l.ResourceName] = true
		}
	}
	// A Google contact taken out of sync is not pulled back by a match.
	excluded, err := r.excludedByName(ctx, names)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		emails := ContactView(c).Emails()
		if dup := oldestOf(oldest, emails); dup != nil && dup.ID != c.ID {
			r.rec.Counts.Duplicates++
			r.event(crm.EventDuplicateEmail, c.ID, fmt.Sprintf("Shares an email with %s (created earlier), which is the one synchronized; this contact is not.", dup.Name()))
			out[c.ID] = IndexedPerson{}
			continue
		}
		candidates := []IndexedPerson{}
		if p, ok := byCRMID[c.ID]; ok {
			candidates = append(candidates, p)
		}
		for _, e := range emails {
			candidates = append(candidates, byEmail[e]...)
		}
		for _, p := range candidates {
			if _, ok := excluded[p.ResourceName]; ok {
				continue
			}
			if !taken[p.ResourceName] {
				taken[p.ResourceName] = true
				out[c.ID] = p
				break
			}
		}
	}
	return out, nil
}

func oldestOf(oldest map[string]*crm.Contact, emails []string) *crm.Contact {
	var best *crm.Contact
	for _, e := range emails {
		if c := oldest[e]; c != nil && (best == nil || older(c, best)) {
			best = c
		}
	}
	return best
}

// updateLinked reads the linked people (read-modify-write keeps every entry
// the CRM does not manage) and merges each with its contact. It returns the
// contacts whose Google contact turned out to be gone, to create anew when
// they were only matched, not linked, yet.
func (r *run) updateLinked(ctx context.Context, toGet map[string]*crm.Contact, links map[string]*Link) ([]*crm.Contact, error) {
	names := make([]string, 0, len(toGet))
	for n := range toGet {
		names = append(names, n)
	}
	var pending []*pendingUpdate
	var vanished []*crm.Contact
	for _, batch := range chunks(names, MaxBatchMutate) {
		var got map[string]*people.Person
		if err := r.call(ctx, func() (err error) { got, err = r.g.BatchGet(ctx, batch); return err }); err != nil {
			return nil, err
		}
		var gone []string
		for _, n := range batch {
			l, p := links[n], got[n]
			if p == nil {
				gone = append(gone, n)
				if l.SyncedVersion == 0 {
					// Matched through a stale index entry, never linked: the
					// contact still needs a Google contact.
					vanished = append(vanished, toGet[n])
					continue
				}
				// Deleted in Google since it was listed, or renamed and Google
				// does not answer under the old name: the link stays for the
				// next listing, whose tombstone trashes the contact or whose
				// previousResourceNames re-key the link.
				continue
			}
			if p.ResourceName != n {
				ok, err := r.rekey(ctx, l, p.ResourceName, l.SyncedVersion != 0)
				if err != nil {
					return nil, err
				}
				if !ok {
					continue
				}
			}
			pu, err := r.reconcile(ctx, toGet[n], p, l)
			if err != nil {
				return nil, err
			}
			if pu != nil {
				pending = append(pending, pu)
			}
		}
		if err := r.store.UnindexPeople(ctx, r.acct.ID, gone); err != nil {
			return nil, err
		}
	}
	return vanished, r.sendUpdates(ctx, pending)
}

// createInGoogle creates Google contacts for CRM contacts, in the group and in
// My Contacts, each carrying its CRM id in clientData. A create whose answer
// is lost may have happened: the account's contacts are listed again to find
// it by that id before anything is created twice.
func (r *run) createInGoogle(ctx context.Context, cs []*crm.Contact) error {
	for i, batch := range chunks(cs, MaxBatchMutate) {
		persons := make([]*people.Person, len(batch))
		for i, c := range batch {
			p := &people.Person{
				ClientData: []*people.ClientData{{Key: ClientDataKey, Value: strconv.FormatInt(c.ID, 10)}},
				Memberships: []*people.Membership{
					{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: r.group}},
					{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: "contactGroups/myContacts"}},
				},
			}
			r.opts.Phones.ApplyView(p, ContactView(c))
			persons[i] = p
		}
		created, err := r.create(ctx, persons)
		switch google.ClassifyCreate(err) {
		case google.KindAmbiguous, google.KindRetry:
			return r.recoverCreates(ctx, batch, err)
		case google.KindContactLimit:
			// Stop before the checkpoint passes them: the next run, once
			// there is room, creates them. push adds the later batches.
			left := len(cs) - i*MaxBatchMutate
			r.rec.Counts.Skipped += left
			return &contactLimitError{n: left, err: err}
		}
		if err != nil {
			return err
		}
		var links []*Link
		for i, p := range created {
			c := batch[i]
			if p == nil { // refused on its own (a batch answered per item)
				r.rec.Counts.Skipped++
				r.event(crm.EventSkipped, c.ID, "Google refused to create this contact; edit it to try again.")
				continue
			}
			links = append(links, &Link{AccountID: r.acct.ID, ContactID: c.ID, ResourceName: p.ResourceName,
				ETag: p.Etag, BaseCRM: ContactView(c), BaseGoogle: PersonView(p), SyncedVersion: c.Version, CreatedByCRM: true})
		}
		if err := r.store.SaveLinks(ctx, links...); err != nil {
			return err
		}
		r.rec.Counts.GoogleCreated += len(links)
	}
	return nil
}

// create sends one batch create. Unlike other calls it retries only 429,
// which Google answers before doing anything: after a 5xx or a lost answer
// the contacts may exist, and only recoverCreates may tell.
func (r *run) create(ctx context.Context, persons []*people.Person) ([]*people.Person, error) {
	for attempt := 0; ; attempt++ {
		created, err := r.g.BatchCreate(ctx, persons)
		if err == nil || google.StatusCode(err) != 429 {
			return created, err
		}
		wait := r.backoff.Delay(attempt, err)
		if r.opts.Now().Add(wait).After(r.deadline) {
			return nil, fmt.Errorf("%w: %w", errBudget, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// contactLimitError ends a run whose creates Google refused for a full account.
type contactLimitError struct {
	n   int
	err error
}

func (e *contactLimitError) Error() string {
	return fmt.Sprintf("%d contacts not created: %v", e.n, e.err)
}
func (e *contactLimitError) Unwrap() error { return e.err }

// errRedoBatch asks push to process the same batch again.
var errRedoBatch = errors.New("redo batch")

// recoverCreates runs after a create that may or may not have happened. A
// full listing finds every contact carrying a clientData id and links it (see
// pull); push then redoes the batch and creates only what is still missing.
// The batch's contacts found linked were created by this run: they count.
func (r *run) recoverCreates(ctx context.Context, batch []*crm.Contact, cause error) error {
	if errors.Is(cause, errBudget) {
		return cause
	}
	r.log.Warn("create answer lost, listing again to find what was created", "account", r.acct.ID, "contacts", len(batch), "err", cause)
	r.state.SyncToken = ""
	if err := r.pull(ctx); err != nil {
		return err
	}
	ids := make([]int64, len(batch))
	for i, c := range batch {
		ids[i] = c.ID
	}
	found, err := r.store.LinksByContact(ctx, r.acct.ID, ids)
	if err != nil {
		return err
	}
	for _, l := range found {
		if l.CreatedByCRM { // found by the CRM id it carries: our create
			r.rec.Counts.GoogleCreated++
		}
	}
	r.rec.Phase = "Sending CRM changes to Google"
	return errRedoBatch
}

// removeFromGoogle applies CRM trash to Google: contacts the CRM created are
// deleted, others only leave the group (DESIGN.md §3, "Deletions").
func (r *run) removeFromGoogle(ctx context.Context, toDelete, toUngroup []*Link) error {
	for _, batch := range chunks(toDelete, MaxBatchDelete) {
		names := make([]string, len(batch))
		for i, l := range batch {
			names[i] = l.ResourceName
		}
		err := r.call(ctx, func() error { return r.g.BatchDelete(ctx, names) })
		if err != nil && google.Classify(err) != google.KindNotFound {
			return err
		}
		if err := r.store.UnindexPeople(ctx, r.acct.ID, names); err != nil {
			return err
		}
		if err := r.dropLinks(ctx, batch, "Moved to the CRM trash: deleted in Google."); err != nil {
			return err
		}
		r.rec.Counts.GoogleDeleted += len(batch)
	}
	names := make([]string, len(toUngroup))
	for i, l := range toUngroup {
		names[i] = l.ResourceName
	}
	if err := r.leaveGroup(ctx, names); err != nil {
		return err
	}
	r.rec.Counts.GoogleDeleted += len(toUngroup)
	return r.dropLinks(ctx, toUngroup, "Moved to the CRM trash: removed from the Google group (the Google contact stays).")
}

func (r *run) dropLinks(ctx context.Context, links []*Link, msg string) error {
	for _, l := range links {
		if err := r.store.DeleteLink(ctx, r.acct.ID, l.ContactID); err != nil {
			return err
		}
		r.event(crm.EventDeleted, l.ContactID, msg)
	}
	return nil
}

// leaveGroup removes people from the account's group, at most MaxModify a
// call. Google refuses to leave a contact without a group: such a contact
// first joins My Contacts.
func (r *run) leaveGroup(ctx context.Context, names []string) error {
	gaveMyContacts := false
	for len(names) > 0 {
		batch := names[:min(len(names), MaxModify)]
		names = names[len(batch):]
		var resp *people.ModifyContactGroupMembersResponse
		if err := r.call(ctx, func() (err error) { resp, err = r.g.ModifyMembers(ctx, r.group, nil, batch); return err }); err != nil {
			return err
		}
		if last := resp.CanNotRemoveLastContactGroupResourceNames; len(last) > 0 && !gaveMyContacts {
			gaveMyContacts = true
			if err := r.call(ctx, func() error {
				_, err := r.g.ModifyMembers(ctx, "contactGroups/myContacts", last, nil)
				return err
			}); err != nil {
				return err
			}
			names = append(names, last...)
		}
	}
	return nil
}
