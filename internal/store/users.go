package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"simplecrm/internal/crm"
)

const (
	insertOrganizationSQL = `INSERT INTO organizations (name, change_seq, created_at) VALUES ($1, 0, $2)
		ON CONFLICT (name) DO NOTHING`
	selectOrganizationSQL       = `SELECT id, name, created_at FROM organizations`
	selectOrganizationByNameSQL = selectOrganizationSQL + ` WHERE name = $1`
	selectOrganizationByIDSQL   = selectOrganizationSQL + ` WHERE id = $1`
	listOrganizationsSQL        = selectOrganizationSQL + ` ORDER BY id`

	insertUserSQL = `INSERT INTO users (org_id, email, role, password_hash, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`
	selectUserSQL        = `SELECT id, org_id, email, role, password_hash, created_at FROM users`
	selectUserByIDSQL    = selectUserSQL + ` WHERE org_id = $1 AND id = $2`
	selectUserByEmailSQL = selectUserSQL + ` WHERE email = $1`
	listUsersSQL         = selectUserSQL + ` WHERE org_id = $1 ORDER BY email, id`
	updateUserSQL        = `UPDATE users SET role = $1, password_hash = $2 WHERE org_id = $3 AND id = $4`
)

// orgLock is the pg_advisory_xact_lock key that serializes finding or
// creating an organization on PostgreSQL ("sorg" in ASCII), so that "Acme"
// and "ACME" added at once make one organization. SQLite needs none: BEGIN
// IMMEDIATE already admits one writer.
const orgLock = 0x736f7267

// EnsureOrganization returns the organization of that name, creating it.
// Names match case-insensitively after trimming.
func (db *DB) EnsureOrganization(ctx context.Context, name string) (*crm.Organization, error) {
	name = strings.TrimSpace(name)
	f := crm.FieldErrors{}
	checkOrgName(f, "name", name)
	if err := f.Err(); err != nil {
		return nil, err
	}
	var o *crm.Organization
	err := db.inTx(ctx, func(tx *sql.Tx) (err error) {
		o, _, err = db.ensureOrganization(ctx, tx, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// CreateUserInOrganization stores u (PasswordHash already set) in the
// organization named orgName, found as EnsureOrganization finds it or
// created, in one transaction: a refused user leaves no new, empty
// organization behind. created reports whether the organization is new.
func (db *DB) CreateUserInOrganization(ctx context.Context, orgName string, u *crm.User) (org *crm.Organization, created bool, err error) {
	orgName = strings.TrimSpace(orgName)
	f := crm.FieldErrors{}
	checkOrgName(f, "organization", orgName)
	checkUser(f, u)
	if err := f.Err(); err != nil {
		return nil, false, err
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		if org, created, err = db.ensureOrganization(ctx, tx, orgName); err != nil {
			return err
		}
		u.OrgID = org.ID
		return db.insertUser(ctx, tx, u)
	})
	if err != nil {
		return nil, false, err
	}
	return org, created, nil
}

// ensureOrganization finds the organization whose name equals name but for
// case, the oldest if several do, or creates it. The names are compared in
// Go, which folds every script: SQLite's lower() folds ASCII only, and both
// engines must agree. There are few organizations (tenants), so reading
// them all is cheap.
func (db *DB) ensureOrganization(ctx context.Context, tx *sql.Tx, name string) (*crm.Organization, bool, error) {
	if db.dialect == postgresDialect {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(orgLock)); err != nil {
			return nil, false, fmt.Errorf("lock organizations: %w", err)
		}
	}
	o, err := findOrganizationByName(ctx, tx, name)
	if err != nil || o != nil {
		return o, false, err
	}
	// ON CONFLICT DO NOTHING covers an older binary creating it meanwhile.
	if _, err := tx.ExecContext(ctx, insertOrganizationSQL, name, db.clock()); err != nil {
		return nil, false, fmt.Errorf("ensure organization: %w", err)
	}
	var created crm.Organization
	if err := scanOrganization(tx.QueryRowContext(ctx, selectOrganizationByNameSQL, name), &created); err != nil {
		return nil, false, err
	}
	return &created, true, nil
}

func findOrganizationByName(ctx context.Context, tx *sql.Tx, name string) (*crm.Organization, error) {
	rows, err := tx.QueryContext(ctx, listOrganizationsSQL)
	if err != nil {
		return nil, fmt.Errorf("find organization: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var o crm.Organization
		if err := scanOrganization(rows, &o); err != nil {
			return nil, err
		}
		if strings.EqualFold(o.Name, name) {
			return &o, nil
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find organization: %w", err)
	}
	return nil, nil
}

func checkOrgName(f crm.FieldErrors, field, name string) {
	checkName(f, field, name, "Enter the organization's name.")
}

// checkName checks a short name (an organization's, a token's): given,
// at most crm.MaxNameLen characters, clean text. blank says what to enter.
func checkName(f crm.FieldErrors, field, name, blank string) {
	switch {
	case name == "":
		f.Add(field, blank)
	case utf8.RuneCountInString(name) > crm.MaxNameLen:
		f.Add(field, fmt.Sprintf("Use at most %d characters.", crm.MaxNameLen))
	case !cleanText(name):
		f.Add(field, "Remove the invalid characters.")
	}
}

// FindOrganization returns an organization by id.
func (db *DB) FindOrganization(ctx context.Context, id int64) (*crm.Organization, error) {
	var o crm.Organization
	if err := scanOrganization(db.r.QueryRowContext(ctx, selectOrganizationByIDSQL, id), &o); err != nil {
		return nil, err
	}
	return &o, nil
}

func scanOrganization(row scanner, o *crm.Organization) error {
	err := row.Scan(&o.ID, &o.Name, &o.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return crm.NotFound("organization")
	}
	if err != nil {
		return fmt.Errorf("find organization: %w", err)
	}
	o.CreatedAt = o.CreatedAt.UTC()
	return nil
}

// CreateUser stores u, whose PasswordHash is already set. The email is stored
// lower-cased; an email already used anywhere is ECONFLICT.
func (db *DB) CreateUser(ctx context.Context, u *crm.User) error {
	f := crm.FieldErrors{}
	checkUser(f, u)
	if err := f.Err(); err != nil {
		return err
	}
	return db.insertUser(ctx, db.w, u)
}

// checkUser normalizes u's email and role and checks them.
func checkUser(f crm.FieldErrors, u *crm.User) {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if u.Role == "" {
		u.Role = crm.RoleMember
	}
	if !crm.ValidEmail(u.Email) || len(u.Email) > crm.MaxEmailLen {
		f.Add("email", "Enter an email address such as ann@example.com.")
	}
	if u.Role != crm.RoleAdmin && u.Role != crm.RoleMember {
		f.Add("role", "Choose admin or member.")
	}
}

// insertUser stores a checked u through q, the database or a transaction.
func (db *DB) insertUser(ctx context.Context, q querier, u *crm.User) error {
	u.CreatedAt = db.clock()
	err := q.QueryRowContext(ctx, insertUserSQL, u.OrgID, u.Email, string(u.Role), u.PasswordHash, u.CreatedAt).Scan(&u.ID)
	switch {
	case db.dialect.isForeignKey(err):
		return crm.NotFound("organization")
	case err != nil:
		return db.dialect.conflict(err, "create user", "A user with this email already exists.")
	}
	return nil
}

// FindUser returns a user of the organization.
func (db *DB) FindUser(ctx context.Context, orgID, id int64) (*crm.User, error) {
	return scanUser(db.r.QueryRowContext(ctx, selectUserByIDSQL, orgID, id))
}

// FindUserByEmail looks a login up, case-insensitively, in every organization.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*crm.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if !cleanText(email) {
		return nil, crm.NotFound("user")
	}
	return scanUser(db.r.QueryRowContext(ctx, selectUserByEmailSQL, email))
}

// ListUsers returns the organization's users by email.
func (db *DB) ListUsers(ctx context.Context, orgID int64) ([]*crm.User, error) {
	rows, err := db.r.QueryContext(ctx, listUsersSQL, orgID)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var users []*crm.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return users, nil
}

// UpdateUser stores u's role and password hash.
func (db *DB) UpdateUser(ctx context.Context, u *crm.User) error {
	if u.Role != crm.RoleAdmin && u.Role != crm.RoleMember {
		return crm.FieldErrors{"role": "Choose admin or member."}.Err()
	}
	res, err := db.w.ExecContext(ctx, updateUserSQL, string(u.Role), u.PasswordHash, u.OrgID, u.ID)
	if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update user: %w", err)
	} else if n == 0 {
		return crm.NotFound("user")
	}
	return nil
}

type scanner interface{ Scan(dest ...any) error }

func scanUser(row scanner) (*crm.User, error) {
	var (
		u    crm.User
		role string
	)
	err := row.Scan(&u.ID, &u.OrgID, &u.Email, &role, &u.PasswordHash, &u.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, crm.NotFound("user")
	}
	if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	u.Role = crm.Role(role)
	u.CreatedAt = u.CreatedAt.UTC()
	return &u, nil
}

// cleanText reports whether s can be stored as text by both engines:
// PostgreSQL refuses NUL and invalid UTF-8.
func cleanText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}
