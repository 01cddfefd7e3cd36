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

	insertUserSQL = `INSERT INTO users (org_id, email, role, password_hash, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`
	selectUserSQL        = `SELECT id, org_id, email, role, password_hash, created_at FROM users`
	selectUserByIDSQL    = selectUserSQL + ` WHERE org_id = $1 AND id = $2`
	selectUserByEmailSQL = selectUserSQL + ` WHERE email = $1`
	listUsersSQL         = selectUserSQL + ` WHERE org_id = $1 ORDER BY email, id`
	updateUserSQL        = `UPDATE users SET role = $1, password_hash = $2 WHERE org_id = $3 AND id = $4`
)

// EnsureOrganization returns the organization of that name, creating it.
func (db *DB) EnsureOrganization(ctx context.Context, name string) (*crm.Organization, error) {
	name = strings.TrimSpace(name)
	f := crm.FieldErrors{}
	if name == "" {
		f.Add("name", "Enter the organization's name.")
	} else if utf8.RuneCountInString(name) > crm.MaxNameLen {
		f.Add("name", fmt.Sprintf("Use at most %d characters.", crm.MaxNameLen))
	} else if !cleanText(name) {
		f.Add("name", "Remove the invalid characters.")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var o crm.Organization
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		// ON CONFLICT DO NOTHING makes concurrent callers agree on one row.
		if _, err := tx.ExecContext(ctx, insertOrganizationSQL, name, db.clock()); err != nil {
			return fmt.Errorf("ensure organization: %w", err)
		}
		return scanOrganization(tx.QueryRowContext(ctx, selectOrganizationByNameSQL, name), &o)
	})
	if err != nil {
		return nil, err
	}
	return &o, nil
}

// FindOrganization returns an organization by id.
func (db *DB) FindOrganization(ctx context.Context, id int64) (*crm.Organization, error) {
	var o crm.Organization
	if err := scanOrganization(db.r.QueryRowContext(ctx, selectOrganizationByIDSQL, id), &o); err != nil {
		return nil, err
	}
	return &o, nil
}

func scanOrganization(row *sql.Row, o *crm.Organization) error {
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
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if u.Role == "" {
		u.Role = crm.RoleMember
	}
	f := crm.FieldErrors{}
	if !crm.ValidEmail(u.Email) || len(u.Email) > crm.MaxEmailLen {
		f.Add("email", "Enter an email address such as ann@example.com.")
	}
	if u.Role != crm.RoleAdmin && u.Role != crm.RoleMember {
		f.Add("role", "Choose admin or member.")
	}
	if err := f.Err(); err != nil {
		return err
	}
	u.CreatedAt = db.clock()
	err := db.w.QueryRowContext(ctx, insertUserSQL, u.OrgID, u.Email, string(u.Role), u.PasswordHash, u.CreatedAt).Scan(&u.ID)
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
