package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"simplecrm/internal/crm"
)

const (
	contactColumns = `c.id, c.org_id, c.first_name, c.last_name, c.home_phone, c.mobile_phone, c.personal_email,
		c.street, c.extended, c.postal_code, c.city, c.region, c.country, c.note, c.owner_id, COALESCE(u.email, ''),
		c.created_at, c.updated_at, c.deleted_at, c.version, c.sort_key`
	contactFrom = ` FROM contacts c LEFT JOIN users u ON u.id = c.owner_id`

	selectContactSQL = `SELECT ` + contactColumns + contactFrom + ` WHERE c.org_id = $1 AND c.id = $2`

	insertContactSQL = `INSERT INTO contacts (org_id, first_name, last_name, home_phone, mobile_phone, personal_email,
		street, extended, postal_code, city, region, country, note, owner_id, version, search_text, sort_key,
		created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)
		RETURNING id`
	updateContactSQL = `UPDATE contacts SET first_name = $3, last_name = $4, home_phone = $5, mobile_phone = $6,
		personal_email = $7, street = $8, extended = $9, postal_code = $10, city = $11, region = $12, country = $13,
		note = $14, owner_id = $15, version = $16, search_text = $17, sort_key = $18, updated_at = $19
		WHERE org_id = $1 AND id = $2`
	// Trash and restore stamp a new version: both change what phones show.
	trashContactSQL = `UPDATE contacts SET deleted_at = $3, version = $4, updated_at = $3
		WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL`
	restoreContactSQL = `UPDATE contacts SET deleted_at = NULL, version = $4, updated_at = $3
		WHERE org_id = $1 AND id = $2 AND deleted_at IS NOT NULL`
	contactExistsSQL = `SELECT count(*) FROM contacts WHERE org_id = $1 AND id = $2`
	purgeTrashSQL    = `DELETE FROM contacts WHERE deleted_at IS NOT NULL AND deleted_at < $1`
	ownerEmailSQL    = `SELECT email FROM users WHERE org_id = $1 AND id = $2`
)

// FindContact returns a contact, in the trash or not, with its employments.
func (db *DB) FindContact(ctx context.Context, orgID, id int64) (*crm.Contact, error) {
	return findContact(ctx, db.r, orgID, id)
}

func findContact(ctx context.Context, q querier, orgID, id int64) (*crm.Contact, error) {
	c, _, err := scanContact(q.QueryRowContext(ctx, selectContactSQL, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, crm.NotFound("contact")
	}
	if err != nil {
		return nil, fmt.Errorf("find contact: %w", err)
	}
	if err := loadEmployments(ctx, q, []*crm.Contact{c}); err != nil {
		return nil, fmt.Errorf("find contact: %w", err)
	}
	return c, nil
}

// ListContacts returns one page of contacts, with their employments, and the
// cursor of the next page ("" on the last).
func (db *DB) ListContacts(ctx context.Context, orgID int64, f crm.ContactFilter) ([]*crm.Contact, string, error) {
	limit := pageSize(f.Limit)
	var b whereBuilder
	b.add("c.org_id = $?", orgID)
	if f.Trashed {
		b.add("c.deleted_at IS NOT NULL")
	} else {
		b.add("c.deleted_at IS NULL")
	}
	if f.OwnerID != 0 {
		if _, err := findUserEmail(ctx, db.r, orgID, f.OwnerID); err != nil {
			return nil, "", err
		}
		b.add("c.owner_id = $?", f.OwnerID)
	}
	if f.CompanyID != 0 {
		if _, err := db.FindCompany(ctx, orgID, f.CompanyID); err != nil {
			return nil, "", err
		}
		b.add("c.id IN (SELECT contact_id FROM employments WHERE company_id = $?)", f.CompanyID)
	}
	if f.Cursor != "" {
		key, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		b.add("(c.sort_key, c.id) > ($?, $?)", key, id)
	}
	var (
		contacts []*crm.Contact
		keys     []string
		err      error
	)
	if ws := queryWords(f.Query); len(ws) > 0 {
		contacts, keys, err = db.searchContacts(ctx, b, ws, limit+1)
	} else {
		contacts, keys, err = queryContacts(ctx, db.r, b, limit+1)
	}
	if err != nil {
		return nil, "", fmt.Errorf("list contacts: %w", err)
	}
	next := ""
	if len(contacts) > limit {
		contacts = contacts[:limit]
		next = encodeCursor(keys[limit-1], contacts[limit-1].ID)
	}
	if err := loadEmployments(ctx, db.r, contacts); err != nil {
		return nil, "", fmt.Errorf("list contacts: %w", err)
	}
	return contacts, next, nil
}

// queryContacts returns the first n contacts selected by b, in list order,
// and their sort keys.
func queryContacts(ctx context.Context, q querier, b whereBuilder, n int) ([]*crm.Contact, []string, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+contactColumns+contactFrom+b.where()+
		fmt.Sprintf(` ORDER BY c.sort_key, c.id LIMIT %d`, n), b.args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var (
		contacts []*crm.Contact
		keys     []string
	)
	for rows.Next() {
		c, key, err := scanContact(rows)
		if err != nil {
			return nil, nil, err
		}
		contacts = append(contacts, c)
		keys = append(keys, key)
	}
	return contacts, keys, rows.Err()
}

// CreateContact validates and stores c, finding or creating the companies its
// employments name, and fills its ID, timestamps, Version and OwnerEmail.
func (db *DB) CreateContact(ctx context.Context, c *crm.Contact) error {
	return db.writeContact(ctx, c, "organization", func(tx *sql.Tx, v int64) error {
		return db.createContactTx(ctx, tx, c, v)
	})
}

// writeContact normalizes and validates c, then runs write in a transaction
// with the organization's next change version; notFound names what is
// missing when the organization is (see nextVersion).
func (db *DB) writeContact(ctx context.Context, c *crm.Contact, notFound string, write func(tx *sql.Tx, v int64) error) error {
	c.Normalize()
	if err := c.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		v, err := nextVersion(ctx, tx, c.OrgID, notFound)
		if err != nil {
			return err
		}
		return write(tx, v)
	})
}

// createContactTx inserts a validated c with version v inside tx.
func (db *DB) createContactTx(ctx context.Context, tx *sql.Tx, c *crm.Contact, v int64) error {
	if err := db.prepareContact(ctx, tx, c); err != nil {
		return err
	}
	now := db.clock()
	err := tx.QueryRowContext(ctx, insertContactSQL, c.OrgID, c.FirstName, c.LastName, c.HomePhone, c.MobilePhone,
		c.PersonalEmail, c.Address.Street, c.Address.Extended, c.Address.PostalCode, c.Address.City,
		c.Address.Region, c.Address.Country, c.Note, ownerArg(c.OwnerID), v, contactSearchText(c),
		contactSortKey(c), now).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("create contact: %w", err)
	}
	c.CreatedAt, c.UpdatedAt, c.DeletedAt, c.Version = now, now, nil, v
	return saveEmployments(ctx, tx, c)
}

// UpdateContact replaces the stored fields and employments of c. A non-zero
// c.Version must equal the stored one. Saving a contact unchanged changes
// nothing, so that it does not look like news to the sync.
func (db *DB) UpdateContact(ctx context.Context, c *crm.Contact) error {
	return db.writeContact(ctx, c, "contact", func(tx *sql.Tx, v int64) error {
		return db.updateContactTx(ctx, tx, c, v)
	})
}

// updateContactTx saves a validated c with version v inside tx, unless
// nothing changed.
func (db *DB) updateContactTx(ctx context.Context, tx *sql.Tx, c *crm.Contact, v int64) error {
	old, err := findContact(ctx, tx, c.OrgID, c.ID)
	if err != nil {
		return err
	}
	if c.Version != 0 && c.Version != old.Version {
		return crm.Errorf(crm.ECONFLICT, "Someone else changed this contact meanwhile. Reload it and try again.")
	}
	if err := db.prepareContact(ctx, tx, c); err != nil {
		return err
	}
	c.CreatedAt, c.DeletedAt = old.CreatedAt, old.DeletedAt
	if sameContact(old, c) {
		c.UpdatedAt, c.Version = old.UpdatedAt, old.Version
		c.Employments = old.Employments
		return nil
	}
	now := db.clock()
	_, err = tx.ExecContext(ctx, updateContactSQL, c.OrgID, c.ID, c.FirstName, c.LastName, c.HomePhone,
		c.MobilePhone, c.PersonalEmail, c.Address.Street, c.Address.Extended, c.Address.PostalCode,
		c.Address.City, c.Address.Region, c.Address.Country, c.Note, ownerArg(c.OwnerID), v,
		contactSearchText(c), contactSortKey(c), now)
	if err != nil {
		return fmt.Errorf("update contact: %w", err)
	}
	c.UpdatedAt, c.Version = now, v
	return saveEmployments(ctx, tx, c)
}

// TrashContact moves a contact to the trash; trashing it again is a no-op.
func (db *DB) TrashContact(ctx context.Context, orgID, id int64) error {
	return db.setTrashed(ctx, orgID, id, trashContactSQL)
}

// RestoreContact brings a contact back from the trash; restoring a live
// contact is a no-op.
func (db *DB) RestoreContact(ctx context.Context, orgID, id int64) error {
	return db.setTrashed(ctx, orgID, id, restoreContactSQL)
}

func (db *DB) setTrashed(ctx context.Context, orgID, id int64, query string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		v, err := nextVersion(ctx, tx, orgID, "contact")
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, query, orgID, id, db.clock(), v)
		if err != nil {
			return fmt.Errorf("trash contact: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("trash contact: %w", err)
		} else if n > 0 {
			return nil
		}
		var exists int
		if err := tx.QueryRowContext(ctx, contactExistsSQL, orgID, id).Scan(&exists); err != nil {
			return fmt.Errorf("trash contact: %w", err)
		}
		if exists == 0 {
			return crm.NotFound("contact")
		}
		return nil
	})
}

// PurgeTrash deletes for good, in every organization, the contacts trashed
// before the given time (their employments go with them).
func (db *DB) PurgeTrash(ctx context.Context, before time.Time) (int, error) {
	res, err := db.w.ExecContext(ctx, purgeTrashSQL, before.UTC())
	if err != nil {
		return 0, fmt.Errorf("purge trash: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("purge trash: %w", err)
	}
	return int(n), nil
}

// prepareContact checks the owner and resolves the companies of c's
// employments inside the writing transaction.
func (db *DB) prepareContact(ctx context.Context, tx *sql.Tx, c *crm.Contact) error {
	f := crm.FieldErrors{}
	c.OwnerEmail = ""
	if c.OwnerID != 0 {
		email, err := findUserEmail(ctx, tx, c.OrgID, c.OwnerID)
		switch {
		case crm.ErrorCode(err) == crm.ENOTFOUND:
			f.Add("owner_email", "Unknown user.")
		case err != nil:
			return err
		}
		c.OwnerEmail = email
	}
	if err := db.resolveCompanies(ctx, tx, c, f); err != nil {
		return err
	}
	return f.Err()
}

func findUserEmail(ctx context.Context, q querier, orgID, userID int64) (string, error) {
	var email string
	err := q.QueryRowContext(ctx, ownerEmailSQL, orgID, userID).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return "", crm.NotFound("user")
	}
	if err != nil {
		return "", fmt.Errorf("find user: %w", err)
	}
	return email, nil
}

// ownerArg stores "no owner" as NULL.
func ownerArg(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// sameContact reports whether saving b over a would change nothing stored.
func sameContact(a, b *crm.Contact) bool {
	if a.FirstName != b.FirstName || a.LastName != b.LastName || a.HomePhone != b.HomePhone ||
		a.MobilePhone != b.MobilePhone || a.PersonalEmail != b.PersonalEmail || a.Address != b.Address ||
		a.Note != b.Note || a.OwnerID != b.OwnerID || len(a.Employments) != len(b.Employments) {
		return false
	}
	for i := range a.Employments {
		x, y := a.Employments[i], b.Employments[i]
		if x.CompanyID != y.CompanyID || x.Function != y.Function || x.WorkPhone != y.WorkPhone ||
			x.WorkMobile != y.WorkMobile || x.WorkEmail != y.WorkEmail || x.Primary != y.Primary {
			return false
		}
	}
	return true
}

func scanContact(row scanner) (*crm.Contact, string, error) {
	var (
		c       crm.Contact
		owner   sql.NullInt64
		deleted sql.NullTime
		key     string
	)
	err := row.Scan(&c.ID, &c.OrgID, &c.FirstName, &c.LastName, &c.HomePhone, &c.MobilePhone, &c.PersonalEmail,
		&c.Address.Street, &c.Address.Extended, &c.Address.PostalCode, &c.Address.City, &c.Address.Region,
		&c.Address.Country, &c.Note, &owner, &c.OwnerEmail, &c.CreatedAt, &c.UpdatedAt, &deleted, &c.Version, &key)
	if err != nil {
		return nil, "", err
	}
	c.OwnerID = owner.Int64
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	c.DeletedAt = nullTime(deleted)
	return &c, key, nil
}

// whereBuilder assembles a WHERE clause whose "$?" placeholders are numbered
// in order of appearance.
type whereBuilder struct {
	conds []string
	args  []any
}

func (b *whereBuilder) add(cond string, args ...any) {
	for _, a := range args {
		b.args = append(b.args, a)
		cond = strings.Replace(cond, "$?", fmt.Sprintf("$%d", len(b.args)), 1)
	}
	b.conds = append(b.conds, cond)
}

// with returns a copy of b with one more condition.
func (b whereBuilder) with(cond string, args ...any) whereBuilder {
	c := whereBuilder{conds: append([]string(nil), b.conds...), args: append([]any(nil), b.args...)}
	c.add(cond, args...)
	return c
}

func (b *whereBuilder) where() string {
	if len(b.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(b.conds, " AND ")
}
