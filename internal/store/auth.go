package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"simplecrm/internal/crm"
)

// Sessions and API tokens are random secrets handed to the user once; the
// database keeps only their SHA-256, so a copy of the database lets nobody log
// in. The secrets carry 160 bits of randomness, so a plain hash is enough (no
// salt or slow hash needed, unlike passwords).

const (
	// tokenPrefix marks API tokens so that they are recognizable in logs and
	// by secret scanners.
	tokenPrefix = "scrm_"
	// lastUsedGranularity spares a write per request: last_used_at is only
	// moved when it is older than this.
	lastUsedGranularity = time.Minute
)

const (
	insertSessionSQL     = `INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`
	selectSessionUserSQL = `SELECT s.expires_at, u.id, u.org_id, u.email, u.role, u.password_hash, u.created_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1`
	deleteSessionSQL         = `DELETE FROM sessions WHERE token_hash = $1`
	deleteExpiredSessionsSQL = `DELETE FROM sessions WHERE user_id = $1 AND expires_at < $2`

	insertTokenSQL = `INSERT INTO api_tokens (token_hash, user_id, org_id, name, created_at)
		SELECT $1, id, org_id, $2, $3 FROM users WHERE id = $4 RETURNING id, org_id`
	listTokensSQL = `SELECT id, org_id, user_id, name, created_at, last_used_at FROM api_tokens
		WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id`
	revokeTokenSQL = `UPDATE api_tokens SET revoked_at = $1
		WHERE user_id = $2 AND id = $3 AND revoked_at IS NULL`
	selectTokenUserSQL = `SELECT t.id, t.revoked_at, t.last_used_at, u.id, u.org_id, u.email, u.role, u.password_hash, u.created_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1`
	touchTokenSQL = `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`
)

var errUnauthorized = crm.Errorf(crm.EUNAUTHORIZED, "Please log in.")

// CreateSession returns the secret for a new session cookie valid for ttl.
func (db *DB) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, error) {
	secret, err := newSecret("")
	if err != nil {
		return "", err
	}
	now := db.clock()
	// Each login also sweeps the user's expired sessions, so they do not pile up.
	if _, err := db.w.ExecContext(ctx, deleteExpiredSessionsSQL, userID, now); err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	_, err = db.w.ExecContext(ctx, insertSessionSQL, hashSecret(secret), userID, now, now.Add(ttl))
	if db.dialect.isForeignKey(err) {
		return "", crm.NotFound("user")
	}
	if err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	return secret, nil
}

// SessionUser returns the user of a live session, EUNAUTHORIZED otherwise.
func (db *DB) SessionUser(ctx context.Context, secret string) (*crm.User, error) {
	if secret == "" || len(secret) > 200 {
		return nil, errUnauthorized
	}
	var expires time.Time
	u, err := scanAuthUser(db.r.QueryRowContext(ctx, selectSessionUserSQL, hashSecret(secret)), &expires)
	if err != nil {
		return nil, fmt.Errorf("session user: %w", err)
	}
	if !db.clock().Before(expires) {
		return nil, errUnauthorized
	}
	return u, nil
}

// DeleteSession ends a session; an unknown secret is not an error (logging
// out twice is fine).
func (db *DB) DeleteSession(ctx context.Context, secret string) error {
	if _, err := db.w.ExecContext(ctx, deleteSessionSQL, hashSecret(secret)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// CreateAPIToken returns the token record and its secret, shown only once.
func (db *DB) CreateAPIToken(ctx context.Context, userID int64, name string) (*crm.APIToken, string, error) {
	name = strings.TrimSpace(name)
	if err := checkCredentialName(name, `Name the token after what will use it, such as "backup script".`); err != nil {
		return nil, "", err
	}
	secret, err := newSecret(tokenPrefix)
	if err != nil {
		return nil, "", err
	}
	t := &crm.APIToken{UserID: userID, Name: name, CreatedAt: db.clock()}
	err = db.w.QueryRowContext(ctx, insertTokenSQL, hashSecret(secret), name, t.CreatedAt, userID).Scan(&t.ID, &t.OrgID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", crm.NotFound("user")
	}
	if err != nil {
		return nil, "", fmt.Errorf("create API token: %w", err)
	}
	return t, secret, nil
}

// ListAPITokens returns the user's tokens that are not revoked, oldest first.
func (db *DB) ListAPITokens(ctx context.Context, userID int64) ([]*crm.APIToken, error) {
	rows, err := db.r.QueryContext(ctx, listTokensSQL, userID)
	if err != nil {
		return nil, fmt.Errorf("list API tokens: %w", err)
	}
	defer rows.Close()
	var tokens []*crm.APIToken
	for rows.Next() {
		var (
			t    crm.APIToken
			used sql.NullTime
		)
		if err := rows.Scan(&t.ID, &t.OrgID, &t.UserID, &t.Name, &t.CreatedAt, &used); err != nil {
			return nil, fmt.Errorf("list API tokens: %w", err)
		}
		t.CreatedAt = t.CreatedAt.UTC()
		t.LastUsedAt = nullTime(used)
		tokens = append(tokens, &t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list API tokens: %w", err)
	}
	return tokens, nil
}

// RevokeAPIToken revokes one of the user's tokens; the token of another user,
// or one already revoked, is ENOTFOUND.
func (db *DB) RevokeAPIToken(ctx context.Context, userID, id int64) error {
	res, err := db.w.ExecContext(ctx, revokeTokenSQL, db.clock(), userID, id)
	if err != nil {
		return fmt.Errorf("revoke API token: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("revoke API token: %w", err)
	} else if n == 0 {
		return crm.NotFound("API token")
	}
	return nil
}

// TokenUser returns the user of a valid API token, EUNAUTHORIZED otherwise,
// and notes when the token was last used.
func (db *DB) TokenUser(ctx context.Context, secret string) (*crm.User, error) {
	if !strings.HasPrefix(secret, tokenPrefix) || len(secret) > 200 {
		return nil, errUnauthorized
	}
	var (
		id            int64
		revoked, used sql.NullTime
	)
	row := db.r.QueryRowContext(ctx, selectTokenUserSQL, hashSecret(secret))
	var u crm.User
	var role string
	err := row.Scan(&id, &revoked, &used, &u.ID, &u.OrgID, &u.Email, &role, &u.PasswordHash, &u.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errUnauthorized
	}
	if err != nil {
		return nil, fmt.Errorf("token user: %w", err)
	}
	if revoked.Valid {
		return nil, errUnauthorized
	}
	u.Role = crm.Role(role)
	u.CreatedAt = u.CreatedAt.UTC()
	now := db.clock()
	if !used.Valid || now.Sub(used.Time) >= lastUsedGranularity {
		if _, err := db.w.ExecContext(ctx, touchTokenSQL, now, id); err != nil {
			return nil, fmt.Errorf("token user: %w", err)
		}
	}
	return &u, nil
}

func scanAuthUser(row *sql.Row, expires *time.Time) (*crm.User, error) {
	var (
		u    crm.User
		role string
	)
	err := row.Scan(expires, &u.ID, &u.OrgID, &u.Email, &role, &u.PasswordHash, &u.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errUnauthorized
	}
	if err != nil {
		return nil, err
	}
	u.Role = crm.Role(role)
	u.CreatedAt = u.CreatedAt.UTC()
	return &u, nil
}

// newSecret returns prefix followed by 160 random bits in lower-case base32.
func newSecret(prefix string) (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random secret: %w", err)
	}
	return prefix + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)), nil
}

func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// checkCredentialName checks the name of an API token or app password: the
// only thing that tells a user's credentials apart when one must be revoked,
// so it may not be blank (blank says what to do instead).
func checkCredentialName(name, blank string) error {
	f := crm.FieldErrors{}
	checkName(f, "name", name, blank)
	return f.Err()
}
