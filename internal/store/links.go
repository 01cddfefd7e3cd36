package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
)

// Links and the index of Google contacts, per account (contactsync.Store).

const (
	linkColumns = `account_id, contact_id, resource_name, etag, base_crm, base_google, synced_version, created_by_crm`
	// linksSQL is completed with an IN list from $2.
	linksSQL = `SELECT ` + linkColumns + ` FROM google_links WHERE account_id = $1 AND `
	// A link is keyed by its contact; its resource name may change (a
	// re-create after a deletion in Google) but stays unique per account.
	upsertLinkSQL = `INSERT INTO google_links (` + linkColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (account_id, contact_id) DO UPDATE SET resource_name = excluded.resource_name,
		etag = excluded.etag, base_crm = excluded.base_crm, base_google = excluded.base_google,
		synced_version = excluded.synced_version, created_by_crm = excluded.created_by_crm`
	listLinksSQL = `SELECT ` + linkColumns + ` FROM google_links WHERE account_id = $1 AND contact_id > $2
		ORDER BY contact_id LIMIT $3`
	deleteLinkSQL = `DELETE FROM google_links WHERE account_id = $1 AND contact_id = $2`

	// Each is completed with a VALUES list.
	upsertPeopleSQL = `INSERT INTO google_people (account_id, resource_name, crm_id, in_group) VALUES `
	upsertPeopleEnd = ` ON CONFLICT (account_id, resource_name) DO UPDATE SET crm_id = excluded.crm_id,
		in_group = excluded.in_group`
	insertEmailsSQL = `INSERT INTO google_people_emails (account_id, resource_name, email_key) VALUES `
	// Each is completed with an IN list from $2; emails go by cascade.
	deletePeopleSQL      = `DELETE FROM google_people WHERE account_id = $1 AND resource_name IN `
	deletePeopleEmailSQL = `DELETE FROM google_people_emails WHERE account_id = $1 AND resource_name IN `
	peopleByEmailSQL     = `SELECT resource_name FROM google_people_emails WHERE account_id = $1 AND email_key IN `
	peopleByCRMIDSQL     = `SELECT resource_name FROM google_people WHERE account_id = $1 AND crm_id <> 0 AND crm_id IN `
	selectPeopleSQL      = `SELECT resource_name, crm_id, in_group FROM google_people WHERE account_id = $1 AND resource_name IN `
	selectPeopleEmailSQL = `SELECT resource_name, email_key FROM google_people_emails
		WHERE account_id = $1 AND resource_name IN `
)

// rowsPerInsert bounds the rows of one multi-row insert of the index (at most
// 4 parameters a row).
const rowsPerInsert = 500

// ListLinks returns up to limit links of the account whose contact id is
// above afterContactID, in contact id order: pass the last one's to page on.
func (db *DB) ListLinks(ctx context.Context, accountID, afterContactID int64, limit int) ([]*contactsync.Link, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := db.r.QueryContext(ctx, listLinksSQL, accountID, afterContactID, limit)
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	defer rows.Close()
	out, err := scanLinks(rows, nil)
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	return out, nil
}

// LinksByResource returns the account's links to these Google contacts.
func (db *DB) LinksByResource(ctx context.Context, accountID int64, names []string) ([]*contactsync.Link, error) {
	return db.links(ctx, "resource_name", accountID, strArgs(names))
}

// LinksByContact returns the account's links of these CRM contacts.
func (db *DB) LinksByContact(ctx context.Context, accountID int64, contactIDs []int64) ([]*contactsync.Link, error) {
	return db.links(ctx, "contact_id", accountID, idArgs(contactIDs))
}

// SaveLinks creates or replaces the link of each l.ContactID, all in one
// transaction. A resource name already linked to another contact of the
// account is ECONFLICT; an unknown contact or account is ENOTFOUND.
func (db *DB) SaveLinks(ctx context.Context, links ...*contactsync.Link) error {
	if len(links) == 1 {
		return saveLink(ctx, db.w, db.dialect, links[0])
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		for _, l := range links {
			if err := saveLink(ctx, tx, db.dialect, l); err != nil {
				return err
			}
		}
		return nil
	})
}

// CreateLinkedContacts creates contacts imported from Google with their
// links, in one transaction, and fills each link's ContactID and
// SyncedVersion from its contact.
func (db *DB) CreateLinkedContacts(ctx context.Context, cs []*crm.Contact, links []*contactsync.Link) error {
	for _, c := range cs {
		c.Normalize()
		if err := c.Validate(); err != nil {
			return err
		}
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		for i, c := range cs {
			v, err := nextVersion(ctx, tx, c.OrgID, "organization")
			if err != nil {
				return err
			}
			if err := db.createContactTx(ctx, tx, c, v); err != nil {
				return err
			}
			links[i].ContactID, links[i].SyncedVersion = c.ID, c.Version
			if err := saveLink(ctx, tx, db.dialect, links[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

func saveLink(ctx context.Context, db querier, d *dialect, l *contactsync.Link) error {
	baseCRM, err := json.Marshal(l.BaseCRM)
	if err != nil {
		return fmt.Errorf("save link: %w", err)
	}
	baseGoogle, err := json.Marshal(l.BaseGoogle)
	if err != nil {
		return fmt.Errorf("save link: %w", err)
	}
	_, err = db.ExecContext(ctx, upsertLinkSQL, l.AccountID, l.ContactID, l.ResourceName, l.ETag,
		string(baseCRM), string(baseGoogle), l.SyncedVersion, l.CreatedByCRM)
	if err != nil && d.isForeignKey(err) {
		return fmt.Errorf("save link of contact %d: %w", l.ContactID, notFoundErr("contact or Google account", err))
	}
	if err != nil {
		return d.conflict(err, "save link", "This Google contact is already linked to another CRM contact.")
	}
	return nil
}

// DeleteLink forgets the link of a contact; a missing link is not an error.
func (db *DB) DeleteLink(ctx context.Context, accountID, contactID int64) error {
	if _, err := db.w.ExecContext(ctx, deleteLinkSQL, accountID, contactID); err != nil {
		return fmt.Errorf("delete link: %w", err)
	}
	return nil
}

// IndexPeople records or replaces what the engine knows of these Google
// contacts, their emails included, in one transaction. A person listed twice
// counts once, as its last entry.
func (db *DB) IndexPeople(ctx context.Context, accountID int64, people []contactsync.IndexedPerson) error {
	byName := map[string]contactsync.IndexedPerson{}
	var names []string
	for _, p := range people {
		if _, ok := byName[p.ResourceName]; !ok {
			names = append(names, p.ResourceName)
		}
		byName[p.ResourceName] = p
	}
	var personRows, emailRows [][]any
	for _, name := range names {
		p := byName[name]
		personRows = append(personRows, []any{accountID, name, p.CRMID, p.InGroup})
		for _, k := range emailKeys(p.Emails) {
			emailRows = append(emailRows, []any{accountID, name, k})
		}
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		// One statement may not upsert a row twice (PostgreSQL): names are distinct.
		if err := insertRows(ctx, tx, upsertPeopleSQL, upsertPeopleEnd, personRows); err != nil {
			return err
		}
		if err := execIn(ctx, tx, deletePeopleEmailSQL, accountID, strArgs(names)); err != nil {
			return err
		}
		return insertRows(ctx, tx, insertEmailsSQL, "", emailRows)
	})
	if err != nil && db.dialect.isForeignKey(err) {
		return fmt.Errorf("index people: %w", notFoundErr("Google account", err))
	}
	if err != nil {
		return fmt.Errorf("index people: %w", err)
	}
	return nil
}

// UnindexPeople forgets deleted Google contacts.
func (db *DB) UnindexPeople(ctx context.Context, accountID int64, names []string) error {
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		return execIn(ctx, tx, deletePeopleSQL, accountID, strArgs(names))
	})
	if err != nil {
		return fmt.Errorf("unindex people: %w", err)
	}
	return nil
}

// IndexedNames pages through the resource names of the account's indexed
// Google contacts, in order, after the given name.
func (db *DB) IndexedNames(ctx context.Context, accountID int64, after string, limit int) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT resource_name FROM google_people
		WHERE account_id = $1 AND resource_name > $2 ORDER BY resource_name LIMIT $3`, accountID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("indexed names: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("indexed names: %w", err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("indexed names: %w", err)
	}
	return names, nil
}

// PeopleByEmail returns the account's indexed Google contacts having any of
// the emails (compared in EmailKey form), in resource name order.
func (db *DB) PeopleByEmail(ctx context.Context, accountID int64, emails []string) ([]contactsync.IndexedPerson, error) {
	names, err := db.resourceNames(ctx, peopleByEmailSQL, accountID, strArgs(emailKeys(emails)))
	if err != nil {
		return nil, fmt.Errorf("people by email: %w", err)
	}
	return db.people(ctx, accountID, names)
}

// PeopleByCRMID returns the account's indexed Google contacts whose
// clientData carries one of these CRM ids, in resource name order.
func (db *DB) PeopleByCRMID(ctx context.Context, accountID int64, contactIDs []int64) ([]contactsync.IndexedPerson, error) {
	names, err := db.resourceNames(ctx, peopleByCRMIDSQL, accountID, idArgs(contactIDs))
	if err != nil {
		return nil, fmt.Errorf("people by CRM id: %w", err)
	}
	return db.people(ctx, accountID, names)
}

// links selects the account's links whose column is in values.
func (db *DB) links(ctx context.Context, column string, accountID int64, values []any) ([]*contactsync.Link, error) {
	var out []*contactsync.Link
	err := eachIn(values, func(batch []any) error {
		rows, err := db.r.QueryContext(ctx, linksSQL+column+" IN ("+placeholders(2, len(batch))+")",
			append([]any{accountID}, batch...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		out, err = scanLinks(rows, out)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("links by %s: %w", column, err)
	}
	slices.SortFunc(out, func(a, b *contactsync.Link) int { return cmp.Compare(a.ContactID, b.ContactID) })
	return out, nil
}

// scanLinks appends the links of rows to out.
func scanLinks(rows *sql.Rows, out []*contactsync.Link) ([]*contactsync.Link, error) {
	for rows.Next() {
		var (
			l                   contactsync.Link
			baseCRM, baseGoogle string
		)
		if err := rows.Scan(&l.AccountID, &l.ContactID, &l.ResourceName, &l.ETag, &baseCRM, &baseGoogle,
			&l.SyncedVersion, &l.CreatedByCRM); err != nil {
			return out, err
		}
		if err := json.Unmarshal([]byte(baseCRM), &l.BaseCRM); err != nil {
			return out, fmt.Errorf("base of contact %d: %w", l.ContactID, err)
		}
		if err := json.Unmarshal([]byte(baseGoogle), &l.BaseGoogle); err != nil {
			return out, fmt.Errorf("base of contact %d: %w", l.ContactID, err)
		}
		out = append(out, &l)
	}
	return out, rows.Err()
}

// resourceNames runs a query selecting resource names, completed with an IN
// list of values from $2.
func (db *DB) resourceNames(ctx context.Context, query string, accountID int64, values []any) ([]string, error) {
	var out []string
	err := eachIn(values, func(batch []any) error {
		rows, err := db.r.QueryContext(ctx, query+"("+placeholders(2, len(batch))+")", append([]any{accountID}, batch...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				return err
			}
			out = append(out, name)
		}
		return rows.Err()
	})
	slices.Sort(out)
	return slices.Compact(out), err
}

// people loads indexed persons and their emails, in the order of names.
func (db *DB) people(ctx context.Context, accountID int64, names []string) ([]contactsync.IndexedPerson, error) {
	byName := map[string]*contactsync.IndexedPerson{}
	err := eachIn(strArgs(names), func(batch []any) error {
		args := append([]any{accountID}, batch...)
		list := "(" + placeholders(2, len(batch)) + ")"
		rows, err := db.r.QueryContext(ctx, selectPeopleSQL+list, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p contactsync.IndexedPerson
			if err := rows.Scan(&p.ResourceName, &p.CRMID, &p.InGroup); err != nil {
				return err
			}
			byName[p.ResourceName] = &p
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		rows, err = db.r.QueryContext(ctx, selectPeopleEmailSQL+list+" ORDER BY resource_name, email_key", args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name, key string
			if err := rows.Scan(&name, &key); err != nil {
				return err
			}
			if p := byName[name]; p != nil {
				p.Emails = append(p.Emails, key)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("load indexed people: %w", err)
	}
	out := make([]contactsync.IndexedPerson, 0, len(byName))
	for _, name := range names {
		if p := byName[name]; p != nil {
			out = append(out, *p)
		}
	}
	return out, nil
}

// insertRows inserts rows with multi-row statements: prefix, the VALUES
// tuples, suffix.
func insertRows(ctx context.Context, tx *sql.Tx, prefix, suffix string, rows [][]any) error {
	for len(rows) > 0 {
		n := min(len(rows), rowsPerInsert)
		var b strings.Builder
		b.WriteString(prefix)
		var args []any
		for i, r := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + placeholders(len(args)+1, len(r)) + ")")
			args = append(args, r...)
		}
		b.WriteString(suffix)
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// execIn runs a statement completed with an IN list of values from $2, in
// chunks.
func execIn(ctx context.Context, tx *sql.Tx, query string, accountID int64, values []any) error {
	return eachIn(values, func(batch []any) error {
		_, err := tx.ExecContext(ctx, query+"("+placeholders(2, len(batch))+")", append([]any{accountID}, batch...)...)
		return err
	})
}

// eachIn calls fn with values in chunks of at most inListMax.
func eachIn(values []any, fn func(batch []any) error) error {
	for len(values) > 0 {
		n := min(len(values), inListMax)
		if err := fn(values[:n]); err != nil {
			return err
		}
		values = values[n:]
	}
	return nil
}

func idArgs(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

func strArgs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// notFoundErr reports a foreign key violation as ENOTFOUND, keeping the cause.
func notFoundErr(kind string, err error) error {
	e := crm.NotFound(kind)
	e.Err = err
	return e
}
