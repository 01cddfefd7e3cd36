package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"simplecrm/internal/crm"
)

const (
	// companyColumns include the number of employees not in the trash.
	companyColumns = `co.id, co.org_id, co.name, co.phone, co.website, co.address, co.note, co.created_at,
		co.updated_at, co.sort_key,
		(SELECT count(*) FROM employments e JOIN contacts c ON c.id = e.contact_id
			WHERE e.company_id = co.id AND c.deleted_at IS NULL)`
	selectCompanySQL = `SELECT ` + companyColumns + ` FROM companies co WHERE co.org_id = $1 AND co.id = $2`

	insertCompanySQL = `INSERT INTO companies (org_id, name, phone, website, address, note, sort_key, search_text,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`
	updateCompanySQL = `UPDATE companies SET name = $3, phone = $4, website = $5, address = $6, note = $7,
		sort_key = $8, search_text = $9, updated_at = $10 WHERE org_id = $1 AND id = $2`
	deleteCompanySQL = `DELETE FROM companies WHERE org_id = $1 AND id = $2`
	// Employees of a company are every contact employed there, trashed ones
	// included: a restored contact must show the new name too.
	companyEmployeesSQL = `SELECT contact_id FROM employments WHERE company_id = $1 ORDER BY contact_id`
)

const companyNameTaken = "A company with this name already exists."

// FindCompany returns a company of the organization with its employee count.
func (db *DB) FindCompany(ctx context.Context, orgID, id int64) (*crm.Company, error) {
	return findCompany(ctx, db.r, orgID, id)
}

func findCompany(ctx context.Context, q querier, orgID, id int64) (*crm.Company, error) {
	c, _, err := scanCompany(q.QueryRowContext(ctx, selectCompanySQL, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, crm.NotFound("company")
	}
	if err != nil {
		return nil, fmt.Errorf("find company: %w", err)
	}
	return c, nil
}

// ListCompanies returns one page of companies by name and the cursor of the
// next page ("" on the last).
func (db *DB) ListCompanies(ctx context.Context, orgID int64, f crm.CompanyFilter) ([]*crm.Company, string, error) {
	limit := pageSize(f.Limit)
	var b whereBuilder
	b.add("co.org_id = $?", orgID)
	// An organization has far fewer companies than contacts: a LIKE per word
	// over the folded names is fast enough and needs no second text index.
	for _, w := range queryWords(f.Query) {
		b.add("(' ' || co.search_text) LIKE $?", likeWord(w))
	}
	if f.Cursor != "" {
		key, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		b.add("(co.sort_key, co.id) > ($?, $?)", key, id)
	}
	query := `SELECT ` + companyColumns + ` FROM companies co` + b.where() +
		fmt.Sprintf(` ORDER BY co.sort_key, co.id LIMIT %d`, limit+1)
	rows, err := db.r.QueryContext(ctx, query, b.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list companies: %w", err)
	}
	defer rows.Close()
	var (
		companies []*crm.Company
		keys      []string
	)
	for rows.Next() {
		c, key, err := scanCompany(rows)
		if err != nil {
			return nil, "", fmt.Errorf("list companies: %w", err)
		}
		companies = append(companies, c)
		keys = append(keys, key)
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("list companies: %w", err)
	}
	next := ""
	if len(companies) > limit {
		companies = companies[:limit]
		next = encodeCursor(keys[limit-1], companies[limit-1].ID)
	}
	return companies, next, nil
}

// CreateCompany validates and stores c; a name already used in the
// organization is ECONFLICT.
func (db *DB) CreateCompany(ctx context.Context, c *crm.Company) error {
	c.Normalize()
	if err := c.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		// Taken for its lock: it orders this insert with contacts that
		// find-or-create companies by name.
		if _, err := nextVersion(ctx, tx, c.OrgID, "organization"); err != nil {
			return err
		}
		return db.insertCompany(ctx, tx, c)
	})
}

// insertCompany stores a new company in tx and fills its id and timestamps.
func (db *DB) insertCompany(ctx context.Context, tx *sql.Tx, c *crm.Company) error {
	now := db.clock()
	err := tx.QueryRowContext(ctx, insertCompanySQL, c.OrgID, c.Name, c.Phone, c.Website, c.Address, c.Note,
		companySortKey(c.Name), companySearchText(c.Name), now).Scan(&c.ID)
	if err != nil {
		return db.dialect.conflict(err, "create company", companyNameTaken)
	}
	c.CreatedAt, c.UpdatedAt, c.Employees = now, now, 0
	return nil
}

// UpdateCompany stores c. A new name is a change of every employee's view on
// phones: they get a new version and search text in the same transaction.
func (db *DB) UpdateCompany(ctx context.Context, c *crm.Company) error {
	c.Normalize()
	if err := c.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		v, err := nextVersion(ctx, tx, c.OrgID, "company")
		if err != nil {
			return err
		}
		old, err := findCompany(ctx, tx, c.OrgID, c.ID)
		if err != nil {
			return err
		}
		now := db.clock()
		_, err = tx.ExecContext(ctx, updateCompanySQL, c.OrgID, c.ID, c.Name, c.Phone, c.Website, c.Address, c.Note,
			companySortKey(c.Name), companySearchText(c.Name), now)
		if err != nil {
			return db.dialect.conflict(err, "update company", companyNameTaken)
		}
		c.CreatedAt, c.UpdatedAt, c.Employees = old.CreatedAt, now, old.Employees
		if old.Name == c.Name {
			return nil
		}
		ids, err := companyEmployees(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		return refreshContacts(ctx, tx, c.OrgID, ids, v, now)
	})
}

// DeleteCompany removes the company and its employments; the contacts stay,
// with a new version since their view on phones lost the company.
func (db *DB) DeleteCompany(ctx context.Context, orgID, id int64) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		v, err := nextVersion(ctx, tx, orgID, "company")
		if err != nil {
			return err
		}
		ids, err := companyEmployees(ctx, tx, id)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, deleteCompanySQL, orgID, id)
		if err != nil {
			return fmt.Errorf("delete company: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("delete company: %w", err)
		} else if n == 0 {
			return crm.NotFound("company")
		}
		return refreshContacts(ctx, tx, orgID, ids, v, db.clock())
	})
}

func companyEmployees(ctx context.Context, tx *sql.Tx, companyID int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, companyEmployeesSQL, companyID)
	if err != nil {
		return nil, fmt.Errorf("company employees: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("company employees: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("company employees: %w", err)
	}
	return ids, nil
}

func scanCompany(row scanner) (*crm.Company, string, error) {
	var (
		c   crm.Company
		key string
	)
	err := row.Scan(&c.ID, &c.OrgID, &c.Name, &c.Phone, &c.Website, &c.Address, &c.Note, &c.CreatedAt,
		&c.UpdatedAt, &key, &c.Employees)
	if err != nil {
		return nil, "", err
	}
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, key, nil
}
