package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
)

// This file and links.go implement contactsync.Store: what the Sync Mobile
// engine needs of the CRM database for one Google account. The engine is
// trusted with account ids (it got them from a job, not from a user), so the
// per-account methods do not take an organization; the contact queries do.

var _ contactsync.Store = (*DB)(nil)

const (
	// changedSinceSQL is completed with an optional owner condition and the
	// order; versions may repeat (a company rename restamps all its employees
	// with one version), hence the id as a tie-breaker.
	changedSinceSQL = `SELECT ` + contactColumns + contactFrom + ` WHERE c.org_id = $1 AND c.version > $2`
	// sameVersionSQL completes a page whose limit fell inside a group of
	// contacts sharing one version.
	sameVersionSQL = `SELECT ` + contactColumns + contactFrom + ` WHERE c.org_id = $1 AND c.version = $2 AND c.id > $3`
	// byEmailSQL finds live contacts by email through the two email indexes
	// (whose predicates the "<> ''" conditions repeat, so that the planners
	// use them). Both arms are scoped by organization, so the outer query
	// needs no org_id: with one, SQLite scans the organization's contacts
	// instead of fetching the few matches by id. The emails' placeholders
	// fill both %s; an owner condition may follow.
	// The work-email branch leaves the organization to the outer query, where
	// the unary plus keeps it from choosing an index: joined to contacts in
	// the branch, or indexed outside, it made SQLite without statistics (a new
	// database, before any PRAGMA optimize) walk every contact of the
	// organization instead of the email indexes: 170 ms per look-up at 100k
	// contacts instead of 4 ms.
	byEmailSQL = `SELECT ` + contactColumns + contactFrom + ` WHERE +c.org_id = $1 AND c.id IN (
			SELECT id FROM contacts WHERE org_id = $1 AND personal_email <> '' AND lower(personal_email) IN (%s)
			UNION
			SELECT contact_id FROM employments WHERE work_email <> '' AND lower(work_email) IN (%s))
		AND c.deleted_at IS NULL`
	findContactsSQL = `SELECT ` + contactColumns + contactFrom + ` WHERE c.org_id = $1 AND c.id IN `

	selectStateSQL = `SELECT crm_version, sync_token, group_resource, group_seen_name FROM google_accounts WHERE id = $1`
	updateStateSQL = `UPDATE google_accounts SET crm_version = $2, sync_token = $3, group_resource = $4,
		group_seen_name = $5 WHERE id = $1`
	// followGroupSQL changes the group-name setting only if it is still the
	// name the engine saw: a setting changed meanwhile in the CRM wins. It
	// keeps the checkpoint (unlike a settings change): the group is the same.
	followGroupSQL = `UPDATE google_accounts SET group_name = $3 WHERE id = $1 AND group_name = $2`
)

// CountContactsChangedSince counts what ContactsChangedSince would list in
// all its pages: the CRM side of a run's progress.
func (db *DB) CountContactsChangedSince(ctx context.Context, orgID, ownerID, after int64) (int, error) {
	query, args := `SELECT count(*) FROM contacts c WHERE c.org_id = $1 AND c.version > $2`, []any{orgID, after}
	if ownerID != 0 {
		query, args = query+` AND c.owner_id = $3`, append(args, ownerID)
	}
	var n int
	if err := db.r.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count contacts changed since %d: %w", after, err)
	}
	return n, nil
}

// ContactsChangedSince returns the contacts of the organization (of one
// owner when ownerID is non-zero) whose version is above after, trashed ones
// included, in version order, with their employments. It returns limit
// contacts, or more when the limit falls among contacts sharing one version:
// a caller that checkpoints the last contact's version never skips the rest.
func (db *DB) ContactsChangedSince(ctx context.Context, orgID, ownerID, after int64, limit int) ([]*crm.Contact, error) {
	if limit <= 0 {
		return nil, nil
	}
	query, args := changedSinceSQL, []any{orgID, after}
	if ownerID != 0 {
		query, args = query+` AND c.owner_id = $3`, append(args, ownerID)
	}
	// The owner filter is in the query itself, not "$3 = 0 OR", so that each
	// case gets its own index (contacts_version, contacts_owner_version).
	query += fmt.Sprintf(` ORDER BY c.version, c.id LIMIT %d`, limit)
	out, err := db.queryContacts(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("contacts changed since %d: %w", after, err)
	}
	if len(out) == limit {
		last := out[len(out)-1]
		query, args := sameVersionSQL, []any{orgID, last.Version, last.ID}
		if ownerID != 0 {
			query, args = query+` AND c.owner_id = $4`, append(args, ownerID)
		}
		more, err := db.queryContacts(ctx, query+` ORDER BY c.id`, args...)
		if err != nil {
			return nil, fmt.Errorf("contacts changed since %d: %w", after, err)
		}
		out = append(out, more...)
	}
	if err := loadEmployments(ctx, db.r, out); err != nil {
		return nil, fmt.Errorf("contacts changed since %d: %w", after, err)
	}
	return out, nil
}

// ContactsByEmail returns the live contacts of the organization (of one
// owner when ownerID is non-zero) whose personal email or any employment's
// work email is one of emails, compared in contactsync.EmailKey form, oldest
// first (created_at, then id), with their employments.
func (db *DB) ContactsByEmail(ctx context.Context, orgID, ownerID int64, emails []string) ([]*crm.Contact, error) {
	keys := emailKeys(emails)
	seen := map[int64]bool{}
	var out []*crm.Contact
	for len(keys) > 0 {
		n := min(len(keys), inListMax)
		args, owner := []any{orgID}, ""
		if ownerID != 0 {
			args, owner = append(args, ownerID), " AND c.owner_id = $2"
		}
		list := placeholders(len(args)+1, n)
		for _, k := range keys[:n] {
			args = append(args, k)
		}
		keys = keys[n:]
		cs, err := db.queryContacts(ctx, fmt.Sprintf(byEmailSQL, list, list)+owner, args...)
		if err != nil {
			return nil, fmt.Errorf("contacts by email: %w", err)
		}
		// A contact with two of the emails may come back from two chunks.
		for _, c := range cs {
			if !seen[c.ID] {
				seen[c.ID] = true
				out = append(out, c)
			}
		}
	}
	slices.SortFunc(out, func(a, b *crm.Contact) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if err := loadEmployments(ctx, db.r, out); err != nil {
		return nil, fmt.Errorf("contacts by email: %w", err)
	}
	return out, nil
}

// FindContacts returns the contacts of the organization with these ids,
// trashed ones too, in id order, with their employments; unknown ids and ids
// of other organizations are left out.
func (db *DB) FindContacts(ctx context.Context, orgID int64, ids []int64) ([]*crm.Contact, error) {
	var out []*crm.Contact
	err := eachIn(idArgs(ids), func(batch []any) error {
		cs, err := db.queryContacts(ctx, findContactsSQL+"("+placeholders(2, len(batch))+")",
			append([]any{orgID}, batch...)...)
		out = append(out, cs...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find contacts: %w", err)
	}
	slices.SortFunc(out, func(a, b *crm.Contact) int { return cmp.Compare(a.ID, b.ID) })
	if err := loadEmployments(ctx, db.r, out); err != nil {
		return nil, fmt.Errorf("find contacts: %w", err)
	}
	return out, nil
}

// LoadState returns the account's checkpoint: the zero State before its
// first sync.
func (db *DB) LoadState(ctx context.Context, accountID int64) (contactsync.State, error) {
	var s contactsync.State
	err := db.r.QueryRowContext(ctx, selectStateSQL, accountID).Scan(&s.CRMVersion, &s.SyncToken, &s.GroupResource, &s.GroupName)
	if errors.Is(err, sql.ErrNoRows) {
		return s, crm.NotFound("Google account")
	}
	if err != nil {
		return s, fmt.Errorf("load sync state: %w", err)
	}
	return s, nil
}

// SaveState stores the account's checkpoint.
func (db *DB) SaveState(ctx context.Context, accountID int64, s contactsync.State) error {
	res, err := db.w.ExecContext(ctx, updateStateSQL, accountID, s.CRMVersion, s.SyncToken, s.GroupResource, s.GroupName)
	if err != nil {
		return fmt.Errorf("save sync state: %w", err)
	}
	return mustAffect(res, "Google account")
}

// FollowGroupRename sets the account's group-name setting to to, if it is
// still from: the account's group was renamed in Google. It reports whether
// it changed the setting.
func (db *DB) FollowGroupRename(ctx context.Context, accountID int64, from, to string) (bool, error) {
	res, err := db.w.ExecContext(ctx, followGroupSQL, accountID, from, to)
	if err != nil {
		return false, fmt.Errorf("follow group rename: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// queryContacts runs a query selecting contactColumns, without employments.
func (db *DB) queryContacts(ctx context.Context, query string, args ...any) ([]*crm.Contact, error) {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*crm.Contact
	for rows.Next() {
		c, _, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// emailKeys returns the distinct non-empty EmailKey forms of emails.
func emailKeys(emails []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range emails {
		if k := contactsync.EmailKey(e); k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
