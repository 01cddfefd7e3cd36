package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"simplecrm/internal/crm"
)

// Test hooks, compiled only into this package's tests.

// RawDB returns the pool that reads, for tests that inspect rows directly.
func RawDB(db *DB) *sql.DB { return db.r }

// WriterDB returns the pool that writes.
func WriterDB(db *DB) *sql.DB { return db.w }

// SetSearchLimits sets how many rows a search reads at a time in list order
// and how many matches it takes from the index (see searchContacts).
func SetSearchLimits(db *DB, window, indexCap int) { db.scanWindow, db.indexCap = window, indexCap }

// SetClock replaces the database's clock.
func SetClock(db *DB, now func() time.Time) { db.now = now }

// Fold, QueryWords and ContactSearchText expose search internals to tests.
var (
	Fold              = fold
	QueryWords        = queryWords
	ContactSearchText = contactSearchText
)

// BulkInsert stores companies (names) and contacts of one organization in big
// multi-row inserts, for benchmarks that need 100,000 contacts quickly. The
// database must be empty but for the organization: ids are given explicitly.
// Employments name their company by CompanyName.
func BulkInsert(ctx context.Context, db *DB, orgID int64, companies []string, contacts []*crm.Contact) error {
	override := ""
	if db.dialect == postgresDialect {
		override = " OVERRIDING SYSTEM VALUE"
	}
	now := db.clock()
	companyID := map[string]int64{}
	var rows [][]any
	for i, name := range companies {
		companyID[name] = int64(i + 1)
		rows = append(rows, []any{int64(i + 1), orgID, name, companySortKey(name), companySearchText(name), now, now})
	}
	if err := bulk(ctx, db, "companies (id, org_id, name, sort_key, search_text, created_at, updated_at)", override, rows); err != nil {
		return err
	}
	rows = rows[:0]
	var emps [][]any
	for i, c := range contacts {
		c.ID, c.OrgID, c.Version = int64(i+1), orgID, int64(i+1)
		c.Normalize()
		rows = append(rows, []any{c.ID, orgID, c.FirstName, c.LastName, c.HomePhone, c.MobilePhone, c.PersonalEmail,
			c.Address.Street, c.Address.PostalCode, c.Address.City, c.Address.Country, ownerArg(c.OwnerID),
			c.Version, contactSearchText(c), contactSortKey(c), now, now})
		for _, e := range c.Employments {
			emps = append(emps, []any{c.ID, companyID[e.CompanyName], e.Function, e.WorkPhone, e.WorkEmail, e.Primary})
		}
	}
	// On SQLite, indexing each row through the trigger is what makes a bulk
	// load slow: drop it for the load and rebuild the index once at the end.
	if db.dialect == sqliteDialect {
		var trigger string
		if err := db.w.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE name = 'contacts_fts_insert'`).Scan(&trigger); err != nil {
			return fmt.Errorf("bulk: %w", err)
		}
		if _, err := db.w.ExecContext(ctx, `DROP TRIGGER contacts_fts_insert`); err != nil {
			return fmt.Errorf("bulk: %w", err)
		}
		defer func() {
			db.w.ExecContext(ctx, trigger)
			db.w.ExecContext(ctx, `INSERT INTO contacts_fts (contacts_fts) VALUES ('rebuild')`)
		}()
	}
	if err := bulk(ctx, db, `contacts (id, org_id, first_name, last_name, home_phone, mobile_phone, personal_email,
		street, postal_code, city, country, owner_id, version, search_text, sort_key, created_at, updated_at)`, override, rows); err != nil {
		return err
	}
	if err := bulk(ctx, db, "employments (contact_id, company_id, function, work_phone, work_email, is_primary)", "", emps); err != nil {
		return err
	}
	stmts := []string{`UPDATE organizations SET change_seq = (SELECT max(version) FROM contacts) WHERE id = ` + fmt.Sprint(orgID), `ANALYZE`}
	if db.dialect == postgresDialect {
		stmts = append(stmts,
			`SELECT setval(pg_get_serial_sequence('contacts', 'id'), (SELECT max(id) FROM contacts))`,
			`SELECT setval(pg_get_serial_sequence('companies', 'id'), (SELECT max(id) FROM companies))`)
	}
	for _, s := range stmts {
		if _, err := db.w.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("bulk: %s: %w", s, err)
		}
	}
	return nil
}

// bulk inserts rows into table in transactions of 20,000 rows and statements
// of as many rows as the engines' parameter limits comfortably allow.
func bulk(ctx context.Context, db *DB, table, override string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	cols := len(rows[0])
	perStmt := 8000 / cols
	if db.dialect == sqliteDialect {
		// modernc binds $N parameters in time that grows with their number
		// squared: keep SQLite statements small (no round trips to save).
		perStmt = 500 / cols
	}
	for start := 0; start < len(rows); start += 20000 {
		chunk := rows[start:min(start+20000, len(rows))]
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			for len(chunk) > 0 {
				n := min(len(chunk), perStmt)
				var b strings.Builder
				b.WriteString("INSERT INTO " + table + override + " VALUES ")
				args := make([]any, 0, n*cols)
				for i := 0; i < n; i++ {
					if i > 0 {
						b.WriteString(", ")
					}
					b.WriteString("(" + placeholders(len(args)+1, cols) + ")")
					args = append(args, chunk[i]...)
				}
				if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
					return fmt.Errorf("bulk insert: %w", err)
				}
				chunk = chunk[n:]
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
