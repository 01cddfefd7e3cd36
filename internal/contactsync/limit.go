package contactsync

import (
	"context"
	"errors"
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
// given CRM version that have no link: each would need a Google contact. A
// contact whose email matches a known Google contact would be linked, not
// created, and is left out.
func (r *run) pendingCreates(ctx context.Context, after int64) (int, error) {
	n := 0
	for {
		cs, err := r.store.ContactsChangedSince(ctx, r.acct.OrgID, r.owner, after, MaxPageSize)
		if err != nil || len(cs) == 0 {
			return n, err
		}
		after = cs[len(cs)-1].Version
		ids := make([]int64, 0, len(cs))
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		links, err := r.store.LinksByContact(ctx, r.acct.ID, ids)
		if err != nil {
			return n, err
		}
		linked := make(map[int64]bool, len(links))
		for _, l := range links {
			linked[l.ContactID] = true
		}
		var emails []string
		for _, c := range cs {
			emails = append(emails, ContactView(c).Emails()...)
		}
		known := map[string]bool{}
		if len(emails) > 0 {
			found, err := r.store.PeopleByEmail(ctx, r.acct.ID, emails)
			if err != nil {
				return n, err
			}
			for _, p := range found {
				for _, e := range p.Emails {
					known[e] = true
				}
			}
		}
		for _, c := range cs {
			if c.DeletedAt == nil && !linked[c.ID] && !anyKnown(known, ContactView(c).Emails()) {
				n++
			}
		}
	}
}

func anyKnown(known map[string]bool, emails []string) bool {
	for _, e := range emails {
		if known[e] {
			return true
		}
	}
	return false
}
