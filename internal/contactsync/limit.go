package contactsync

import (
	"context"
	"errors"

	"simplecrm/internal/crm"
)

// countRefusedCreates completes the count of a contactLimitError, which only
// knows the creates of the batch Google refused: every later contact of the
// scope that would be created is not created either, and the user is told
// how many (DESIGN.md §3, "a clear message naming how many were not
// created"). Other errors pass through.
func (r *run) countRefusedCreates(ctx context.Context, err error, after int64) error {
	var full *contactLimitError
	if !errors.As(err, &full) {
		return err
	}
	more, cerr := r.pendingCreates(ctx, after)
	if cerr != nil {
		return errors.Join(err, cerr)
	}
	full.n += more
	r.rec.Counts.Skipped += more
	return err
}

// pendingCreates counts the live contacts of the scope changed after the
// given CRM version that would need a Google contact: not linked, no email
// of a known Google contact (it would be linked instead), and not a
// duplicate of an older contact's email (it would be skipped).
func (r *run) pendingCreates(ctx context.Context, after int64) (int, error) {
	n := 0
	for {
		cs, err := r.store.ContactsChangedSince(ctx, r.acct.OrgID, r.owner, after, MaxPageSize)
		if err != nil || len(cs) == 0 {
			return n, err
		}
		after = cs[len(cs)-1].Version
		skip, err := r.notToCreate(ctx, cs)
		if err != nil {
			return n, err
		}
		for _, c := range cs {
			if c.DeletedAt == nil && !skip[c.ID] {
				n++
			}
		}
	}
}

// notToCreate returns the contacts of cs that are linked, match a known
// Google contact by email, or share an email with an older contact.
func (r *run) notToCreate(ctx context.Context, cs []*crm.Contact) (map[int64]bool, error) {
	skip := map[int64]bool{}
	ids := make([]int64, 0, len(cs))
	var emails []string
	for _, c := range cs {
		ids = append(ids, c.ID)
		emails = append(emails, ContactView(c).Emails()...)
	}
	links, err := r.store.LinksByContact(ctx, r.acct.ID, ids)
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		skip[l.ContactID] = true
	}
	if len(emails) == 0 {
		return skip, nil
	}
	known := map[string]bool{}
	found, err := r.store.PeopleByEmail(ctx, r.acct.ID, emails)
	if err != nil {
		return nil, err
	}
	for _, p := range found {
		for _, e := range p.Emails {
			known[e] = true
		}
	}
	same, err := r.store.ContactsByEmail(ctx, r.acct.OrgID, r.owner, emails)
	if err != nil {
		return nil, err
	}
	oldest := map[string]*crm.Contact{}
	for _, c := range same {
		for _, e := range ContactView(c).Emails() {
			if o := oldest[e]; o == nil || older(c, o) {
				oldest[e] = c
			}
		}
	}
	for _, c := range cs {
		for _, e := range ContactView(c).Emails() {
			if known[e] || oldest[e] != nil && oldest[e].ID != c.ID {
				skip[c.ID] = true
			}
		}
	}
	return skip, nil
}
