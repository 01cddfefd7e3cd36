package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"simplecrm/internal/carddav"
	"simplecrm/internal/crm"
)

// App passwords are random secrets, like API tokens: 160 bits, so a plain
// SHA-256 is enough to store them. They are shown in groups of four letters,
// for typing into a phone; dashes, spaces and case are ignored on login.

const (
	insertAppPasswordSQL = `INSERT INTO app_passwords (user_id, name, secret_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id`
	listAppPasswordsSQL  = `SELECT id, user_id, name, created_at, last_used_at FROM app_passwords
		WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id`
	revokeAppPasswordSQL = `UPDATE app_passwords SET revoked_at = $1 WHERE user_id = $2 AND id = $3 AND revoked_at IS NULL`
	appPasswordUserSQL   = `SELECT p.id, p.last_used_at, u.id, u.org_id, u.email, u.role, u.password_hash, u.created_at
		FROM app_passwords p JOIN users u ON u.id = p.user_id
		WHERE p.secret_hash = $1 AND u.email = $2 AND p.revoked_at IS NULL`
	touchAppPasswordSQL = `UPDATE app_passwords SET last_used_at = $1 WHERE id = $2`
)

var _ carddav.Store = (*DB)(nil)

// CreateAppPassword returns a new app password of the user and its secret,
// shown only once.
func (db *DB) CreateAppPassword(ctx context.Context, userID int64, name string) (*carddav.AppPassword, string, error) {
	name = strings.TrimSpace(name)
	if err := checkCredentialName(name, `Name it after the device, such as "Ann's iPhone".`); err != nil {
		return nil, "", err
	}
	raw, err := newSecret("")
	if err != nil {
		return nil, "", err
	}
	var groups []string
	for i := 0; i < len(raw); i += 4 {
		groups = append(groups, raw[i:min(i+4, len(raw))])
	}
	secret := strings.Join(groups, "-")
	p := &carddav.AppPassword{UserID: userID, Name: name, CreatedAt: db.clock()}
	err = db.w.QueryRowContext(ctx, insertAppPasswordSQL, userID, name, hashSecret(raw), p.CreatedAt).Scan(&p.ID)
	if db.dialect.isForeignKey(err) {
		return nil, "", crm.NotFound("user")
	}
	if err != nil {
		return nil, "", fmt.Errorf("create app password: %w", err)
	}
	return p, secret, nil
}

// ListAppPasswords returns the user's app passwords that are not revoked, oldest first.
func (db *DB) ListAppPasswords(ctx context.Context, userID int64) ([]*carddav.AppPassword, error) {
	rows, err := db.r.QueryContext(ctx, listAppPasswordsSQL, userID)
	if err != nil {
		return nil, fmt.Errorf("list app passwords: %w", err)
	}
	defer rows.Close()
	var out []*carddav.AppPassword
	for rows.Next() {
		var (
			p    carddav.AppPassword
			used sql.NullTime
		)
		if err := rows.Scan(&p.ID, &p.UserID, &p.Name, &p.CreatedAt, &used); err != nil {
			return nil, fmt.Errorf("list app passwords: %w", err)
		}
		p.CreatedAt, p.LastUsedAt = p.CreatedAt.UTC(), nullTime(used)
		out = append(out, &p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list app passwords: %w", err)
	}
	return out, nil
}

// RevokeAppPassword revokes one of the user's app passwords; another user's,
// or one already revoked, is ENOTFOUND.
func (db *DB) RevokeAppPassword(ctx context.Context, userID, id int64) error {
	res, err := db.w.ExecContext(ctx, revokeAppPasswordSQL, db.clock(), userID, id)
	if err != nil {
		return fmt.Errorf("revoke app password: %w", err)
	}
	return mustAffect(res, "app password")
}

// AppPasswordUser returns the user with this email and app password,
// EUNAUTHORIZED otherwise, and notes when the password was last used.
func (db *DB) AppPasswordUser(ctx context.Context, email, secret string) (*crm.User, error) {
	raw := strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(secret))
	if raw == "" || len(raw) > 100 || len(email) > crm.MaxEmailLen {
		return nil, errUnauthorized
	}
	var (
		id   int64
		used sql.NullTime
		u    crm.User
		role string
	)
	err := db.r.QueryRowContext(ctx, appPasswordUserSQL, hashSecret(raw), strings.ToLower(strings.TrimSpace(email))).
		Scan(&id, &used, &u.ID, &u.OrgID, &u.Email, &role, &u.PasswordHash, &u.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errUnauthorized
	}
	if err != nil {
		return nil, fmt.Errorf("app password user: %w", err)
	}
	u.Role, u.CreatedAt = crm.Role(role), u.CreatedAt.UTC()
	if now := db.clock(); !used.Valid || now.Sub(used.Time) >= lastUsedGranularity {
		if _, err := db.w.ExecContext(ctx, touchAppPasswordSQL, now, id); err != nil {
			return nil, fmt.Errorf("app password user: %w", err)
		}
	}
	return &u, nil
}
