package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"simplecrm/internal/contactsync"
)

// Exclusions: CRM contacts and Google contacts taken out of sync on purpose,
// per account (contactsync.Store).

const (
	exclusionColumns   = `account_id, contact_id, resource_name, side`
	upsertExclusionSQL = `INSERT INTO google_exclusions (` + exclusionColumns + `) VALUES ($1, $2, $3, $4)
		ON CONFLICT (account_id, contact_id) DO UPDATE SET resource_name = excluded.resource_name, side = excluded.side`
	// Each is completed with an IN list from $2.
	exclusionsSQL       = `SELECT ` + exclusionColumns + ` FROM google_exclusions WHERE account_id = $1 AND `
	deleteExclusionsSQL = `DELETE FROM google_exclusions WHERE account_id = $1 AND contact_id IN `
)

// Exclude records (or replaces) the exclusion of e.ContactID. An unknown
// contact or account is ENOTFOUND.
func (db *DB) Exclude(ctx context.Context, e contactsync.Exclusion) error {
	_, err := db.w.ExecContext(ctx, upsertExclusionSQL, e.AccountID, e.ContactID, e.ResourceName, e.Side)
	if err != nil && db.dialect.isForeignKey(err) {
		return fmt.Errorf("exclude contact %d: %w", e.ContactID, notFoundErr("contact or Google account", err))
	}
	if err != nil {
		return fmt.Errorf("exclude contact %d: %w", e.ContactID, err)
	}
	return nil
}

// Exclusions returns the account's exclusions of these CRM contacts or of
// these Google contacts, in contact id order.
func (db *DB) Exclusions(ctx context.Context, accountID int64, contactIDs []int64, names []string) ([]contactsync.Exclusion, error) {
	seen := map[int64]bool{}
	var out []contactsync.Exclusion
	for _, q := range []struct {
		column string
		values []any
	}{{"contact_id", idArgs(contactIDs)}, {"resource_name", strArgs(names)}} {
		err := eachIn(q.values, func(batch []any) error {
			rows, err := db.r.QueryContext(ctx, exclusionsSQL+q.column+" IN ("+placeholders(2, len(batch))+")",
				append([]any{accountID}, batch...)...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var e contactsync.Exclusion
				if err := rows.Scan(&e.AccountID, &e.ContactID, &e.ResourceName, &e.Side); err != nil {
					return err
				}
				if !seen[e.ContactID] {
					seen[e.ContactID] = true
					out = append(out, e)
				}
			}
			return rows.Err()
		})
		if err != nil {
			return nil, fmt.Errorf("exclusions: %w", err)
		}
	}
	slices.SortFunc(out, func(a, b contactsync.Exclusion) int { return cmp.Compare(a.ContactID, b.ContactID) })
	return out, nil
}

// Unexclude brings contacts back into the account's sync; contacts without
// an exclusion are no error.
func (db *DB) Unexclude(ctx context.Context, accountID int64, contactIDs []int64) error {
	err := eachIn(idArgs(contactIDs), func(batch []any) error {
		_, err := db.w.ExecContext(ctx, deleteExclusionsSQL+"("+placeholders(2, len(batch))+")",
			append([]any{accountID}, batch...)...)
		return err
	})
	if err != nil {
		return fmt.Errorf("unexclude: %w", err)
	}
	return nil
}
