package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"simplecrm/internal/crm"
)

const (
	employmentColumns = `e.id, e.contact_id, e.company_id, co.name, e.function, e.work_phone, e.work_mobile,
		e.work_email, e.is_primary`
	// selectEmploymentsSQL is completed with an IN list of contact ids.
	selectEmploymentsSQL = `SELECT ` + employmentColumns + ` FROM employments e
		JOIN companies co ON co.id = e.company_id WHERE e.contact_id IN `
	employmentIDsSQL    = `SELECT id, company_id FROM employments WHERE contact_id = $1`
	clearPrimarySQL     = `UPDATE employments SET is_primary = false WHERE contact_id = $1 AND is_primary`
	deleteEmploymentSQL = `DELETE FROM employments WHERE id = $1`
	updateEmploymentSQL = `UPDATE employments SET function = $2, work_phone = $3, work_mobile = $4, work_email = $5,
		is_primary = $6 WHERE id = $1`
	insertEmploymentSQL = `INSERT INTO employments (contact_id, company_id, function, work_phone, work_mobile,
		work_email, is_primary) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`
	companyNameByIDSQL = `SELECT name FROM companies WHERE org_id = $1 AND id = $2`
	companyIDByNameSQL = `SELECT id FROM companies WHERE org_id = $1 AND name = $2`
	setPrimarySQL      = `UPDATE employments SET is_primary = true WHERE id = $1`
	refreshContactSQL  = `UPDATE contacts SET version = $2, updated_at = $3, search_text = $4 WHERE id = $1`
)

// inListMax bounds the ids in one IN list (SQLite allows 32766 parameters,
// PostgreSQL 65535; this stays far below both).
const inListMax = 500

// resolveCompanies gives every employment of c its company id and name: an id
// must name a company of the organization, a name finds the company of exactly
// that name or creates it. Problems go into f.
func (db *DB) resolveCompanies(ctx context.Context, tx *sql.Tx, c *crm.Contact, f crm.FieldErrors) error {
	seen := map[int64]bool{}
	for i := range c.Employments {
		e := &c.Employments[i]
		field := fmt.Sprintf("employments.%d.", i)
		if e.CompanyID != 0 {
			err := tx.QueryRowContext(ctx, companyNameByIDSQL, c.OrgID, e.CompanyID).Scan(&e.CompanyName)
			if errors.Is(err, sql.ErrNoRows) {
				f.Add(field+"company_id", "Unknown company.")
				continue
			}
			if err != nil {
				return fmt.Errorf("find company: %w", err)
			}
		} else {
			err := tx.QueryRowContext(ctx, companyIDByNameSQL, c.OrgID, e.CompanyName).Scan(&e.CompanyID)
			if errors.Is(err, sql.ErrNoRows) {
				// The organization's row lock (SQLite: the single writer)
				// keeps anyone else from creating it meanwhile.
				co := &crm.Company{OrgID: c.OrgID, Name: e.CompanyName}
				if err := db.insertCompany(ctx, tx, co); err != nil {
					return err
				}
				e.CompanyID = co.ID
			} else if err != nil {
				return fmt.Errorf("find company: %w", err)
			}
		}
		if seen[e.CompanyID] {
			f.Add(field+"company_name", "This company is listed twice.")
		}
		seen[e.CompanyID] = true
	}
	return nil
}

// saveEmployments makes the stored employments of c match c.Employments,
// keeping the ids of those whose company is unchanged.
func saveEmployments(ctx context.Context, tx *sql.Tx, c *crm.Contact) error {
	existing := map[int64]int64{} // company id → employment id
	rows, err := tx.QueryContext(ctx, employmentIDsSQL, c.ID)
	if err != nil {
		return fmt.Errorf("save employments: %w", err)
	}
	for rows.Next() {
		var id, companyID int64
		if err := rows.Scan(&id, &companyID); err != nil {
			rows.Close()
			return fmt.Errorf("save employments: %w", err)
		}
		existing[companyID] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("save employments: %w", err)
	}
	// The one-primary index is checked row by row on PostgreSQL: clear the
	// flag first so that moving it never sees two primaries.
	if len(existing) > 0 {
		if _, err := tx.ExecContext(ctx, clearPrimarySQL, c.ID); err != nil {
			return fmt.Errorf("save employments: %w", err)
		}
	}
	keep := map[int64]bool{}
	for _, e := range c.Employments {
		keep[e.CompanyID] = true
	}
	for companyID, id := range existing {
		if !keep[companyID] {
			if _, err := tx.ExecContext(ctx, deleteEmploymentSQL, id); err != nil {
				return fmt.Errorf("save employments: %w", err)
			}
		}
	}
	for i := range c.Employments {
		e := &c.Employments[i]
		e.ContactID = c.ID
		if id, ok := existing[e.CompanyID]; ok {
			e.ID = id
			_, err = tx.ExecContext(ctx, updateEmploymentSQL, id, e.Function, e.WorkPhone, e.WorkMobile, e.WorkEmail, e.Primary)
		} else {
			err = tx.QueryRowContext(ctx, insertEmploymentSQL, c.ID, e.CompanyID, e.Function, e.WorkPhone,
				e.WorkMobile, e.WorkEmail, e.Primary).Scan(&e.ID)
		}
		if err != nil {
			return fmt.Errorf("save employments: %w", err)
		}
	}
	return nil
}

// loadEmployments fills the employments of contacts with one query per
// inListMax contacts, never one per contact.
func loadEmployments(ctx context.Context, q querier, contacts []*crm.Contact) error {
	byID := make(map[int64]*crm.Contact, len(contacts))
	ids := make([]any, 0, len(contacts))
	for _, c := range contacts {
		c.Employments = nil
		byID[c.ID] = c
		ids = append(ids, c.ID)
	}
	for len(ids) > 0 {
		n := min(len(ids), inListMax)
		batch := ids[:n]
		ids = ids[n:]
		rows, err := q.QueryContext(ctx, selectEmploymentsSQL+"("+placeholders(1, n)+") ORDER BY e.contact_id, e.id", batch...)
		if err != nil {
			return fmt.Errorf("load employments: %w", err)
		}
		for rows.Next() {
			var e crm.Employment
			if err := rows.Scan(&e.ID, &e.ContactID, &e.CompanyID, &e.CompanyName, &e.Function, &e.WorkPhone,
				&e.WorkMobile, &e.WorkEmail, &e.Primary); err != nil {
				rows.Close()
				return fmt.Errorf("load employments: %w", err)
			}
			c := byID[e.ContactID]
			c.Employments = append(c.Employments, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("load employments: %w", err)
		}
	}
	return nil
}

// refreshContacts restamps contacts whose view changed through one of their
// companies (renamed or deleted): a new version and updated_at, a search text
// with the current company names, and, when the primary employment went with
// a deleted company, the first remaining employment as primary.
func refreshContacts(ctx context.Context, tx *sql.Tx, orgID int64, ids []int64, version int64, now time.Time) error {
	for len(ids) > 0 {
		n := min(len(ids), inListMax)
		batch := ids[:n]
		ids = ids[n:]
		args := make([]any, 0, n+1)
		args = append(args, orgID)
		for _, id := range batch {
			args = append(args, id)
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+contactColumns+contactFrom+
			` WHERE c.org_id = $1 AND c.id IN (`+placeholders(2, n)+`)`, args...)
		if err != nil {
			return fmt.Errorf("refresh contacts: %w", err)
		}
		var contacts []*crm.Contact
		for rows.Next() {
			c, _, err := scanContact(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("refresh contacts: %w", err)
			}
			contacts = append(contacts, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("refresh contacts: %w", err)
		}
		if err := loadEmployments(ctx, tx, contacts); err != nil {
			return fmt.Errorf("refresh contacts: %w", err)
		}
		for _, c := range contacts {
			if len(c.Employments) > 0 && c.Primary() == nil {
				if _, err := tx.ExecContext(ctx, setPrimarySQL, c.Employments[0].ID); err != nil {
					return fmt.Errorf("refresh contacts: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, refreshContactSQL, c.ID, version, now, contactSearchText(c)); err != nil {
				return fmt.Errorf("refresh contacts: %w", err)
			}
		}
	}
	return nil
}
