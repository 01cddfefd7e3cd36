package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"simplecrm/internal/crm"
)

var (
	_ crm.GoogleAccountService = (*DB)(nil)
	_ crm.SyncRunService       = (*DB)(nil)
)

// MaxGroupNameLen bounds the name of an account's Google contact group.
const MaxGroupNameLen = 100

const (
	accountColumns = `id, org_id, user_id, sub, email, group_name, scope, delete_mode, sync_interval_seconds,
		reconnect_needed, last_run_id, last_error, created_at`

	userInOrgSQL = `SELECT count(*) FROM users WHERE org_id = $1 AND id = $2`
	// One Google account (sub) belongs to one CRM user: two users' syncs
	// would be two queues writing to it at once, and "per Google account,
	// writes are sequential" (DESIGN.md §3) holds only per CRM account row.
	subTakenSQL = `SELECT count(*) FROM google_accounts WHERE sub = $1 AND user_id <> $2`
	// A reconnect (same user, same Google account) refreshes identity and
	// token and clears "reconnect needed" but keeps settings and checkpoint.
	// $9 false keeps the stored token: Google sends no refresh token when the
	// user had already granted access.
	upsertAccountSQL = `INSERT INTO google_accounts (org_id, user_id, sub, email, refresh_token_enc, group_name, scope,
		delete_mode, sync_interval_seconds, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $10, $11)
		ON CONFLICT (user_id, sub) DO UPDATE SET email = excluded.email, reconnect_needed = false,
		refresh_token_enc = CASE WHEN $9 THEN excluded.refresh_token_enc ELSE google_accounts.refresh_token_enc END
		RETURNING ` + accountColumns
	selectAccountSQL     = `SELECT ` + accountColumns + `, refresh_token_enc FROM google_accounts WHERE org_id = $1 AND id = $2`
	selectAccountByIDSQL = `SELECT ` + accountColumns + `, refresh_token_enc FROM google_accounts WHERE id = $1`
	listAccountsSQL      = `SELECT ` + accountColumns + ` FROM google_accounts WHERE org_id = $1 ORDER BY user_id, id`
	listUserAccountsSQL  = `SELECT ` + accountColumns + ` FROM google_accounts WHERE org_id = $1 AND user_id = $2 ORDER BY id`
	listAllAccountsSQL   = `SELECT ` + accountColumns + ` FROM google_accounts ORDER BY id`
	// A new scope or group starts the CRM side over, so that contacts now in
	// scope are sent; a new group also lists Google anew to find its members.
	updateSettingsSQL = `UPDATE google_accounts SET group_name = $3, scope = $4, delete_mode = $5,
		sync_interval_seconds = $6,
		crm_version = CASE WHEN scope <> $4 OR group_name <> $3 THEN 0 ELSE crm_version END,
		sync_token = CASE WHEN group_name <> $3 THEN '' ELSE sync_token END
		WHERE org_id = $1 AND id = $2 RETURNING ` + accountColumns
	markReconnectSQL = `UPDATE google_accounts SET reconnect_needed = $2, last_error = $3 WHERE id = $1`
	deleteAccountSQL = `DELETE FROM google_accounts WHERE org_id = $1 AND id = $2`
)

// SaveGoogleAccount stores a newly connected account, or, for the user's
// account with the same Sub, updates its email and token and clears
// "reconnect needed" (a reconnect keeps the stored settings). An empty
// RefreshToken on a reconnect keeps the stored token. It fills ID, CreatedAt
// and the stored settings; empty settings of a new account take the defaults.
func (db *DB) SaveGoogleAccount(ctx context.Context, a *crm.GoogleAccount) error {
	a.Sub, a.Email = strings.TrimSpace(a.Sub), strings.TrimSpace(a.Email)
	defaultSettings(a)
	f := validateSettings(a)
	if a.Sub == "" {
		f.Add("sub", "The Google account id is missing.")
	}
	if err := f.Err(); err != nil {
		return err
	}
	sealed, err := db.secret.seal(a.RefreshToken, tokenAD(a.UserID, a.Sub))
	if err != nil {
		return fmt.Errorf("save Google account: %w", err)
	}
	token := a.RefreshToken
	return db.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, userInOrgSQL, a.OrgID, a.UserID).Scan(&n); err != nil {
			return fmt.Errorf("save Google account: %w", err)
		}
		if n == 0 {
			return crm.NotFound("user")
		}
		if err := db.checkSubFree(ctx, tx, a); err != nil {
			return err
		}
		got, err := scanAccount(tx.QueryRowContext(ctx, upsertAccountSQL, a.OrgID, a.UserID, a.Sub, a.Email, sealed,
			a.GroupName, a.Scope, a.DeleteMode, token != "", intervalArg(a.SyncInterval), db.clock()))
		if err != nil {
			return fmt.Errorf("save Google account: %w", err)
		}
		*a = *got
		a.RefreshToken = token
		return nil
	})
}

// googleAccountTaken refuses a connect because another CRM user has the
// same Google account connected; the message names only what the user chose.
func googleAccountTaken(email string) error {
	return crm.Errorf(crm.ECONFLICT, "The Google account %s is already connected to Simple CRM by another user. "+
		"A Google account can be synced by one CRM user only (two would write to it at the same time): "+
		"ask them to disconnect it, or choose another Google account.", email)
}

// checkSubFree refuses a Google account another user has connected. On
// PostgreSQL a lock per sub, held until commit, keeps two users connecting
// the same account at the same moment from both passing the check (SQLite
// has a single writer).
func (db *DB) checkSubFree(ctx context.Context, tx *sql.Tx, a *crm.GoogleAccount) error {
	if db.dialect == postgresDialect {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "google_accounts.sub:"+a.Sub); err != nil {
			return fmt.Errorf("save Google account: %w", err)
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, subTakenSQL, a.Sub, a.UserID).Scan(&n); err != nil {
		return fmt.Errorf("save Google account: %w", err)
	}
	if n > 0 {
		return googleAccountTaken(a.Email)
	}
	return nil
}

// FindGoogleAccount returns an account of the organization with its
// decrypted refresh token.
func (db *DB) FindGoogleAccount(ctx context.Context, orgID, id int64) (*crm.GoogleAccount, error) {
	return db.findAccount(ctx, selectAccountSQL, orgID, id)
}

// GoogleAccountForSync returns any account, by id alone, with its decrypted
// refresh token: for a job worker, whose job names the account only.
func (db *DB) GoogleAccountForSync(ctx context.Context, id int64) (*crm.GoogleAccount, error) {
	return db.findAccount(ctx, selectAccountByIDSQL, id)
}

// ListGoogleAccounts returns the accounts of a user (every user of the
// organization when userID is 0), without their tokens.
func (db *DB) ListGoogleAccounts(ctx context.Context, orgID, userID int64) ([]*crm.GoogleAccount, error) {
	if userID == 0 {
		return db.listAccounts(ctx, listAccountsSQL, orgID)
	}
	return db.listAccounts(ctx, listUserAccountsSQL, orgID, userID)
}

// ListAllGoogleAccounts returns the accounts of every organization, without
// their tokens, for the scheduler of periodic syncs.
func (db *DB) ListAllGoogleAccounts(ctx context.Context) ([]*crm.GoogleAccount, error) {
	return db.listAccounts(ctx, listAllAccountsSQL)
}

// UpdateGoogleAccountSettings validates and stores GroupName, Scope,
// DeleteMode and SyncInterval, and fills a with the stored account (its
// RefreshToken is left as it was).
func (db *DB) UpdateGoogleAccountSettings(ctx context.Context, a *crm.GoogleAccount) error {
	a.GroupName = strings.TrimSpace(a.GroupName)
	if err := validateSettings(a).Err(); err != nil {
		return err
	}
	got, err := scanAccount(db.w.QueryRowContext(ctx, updateSettingsSQL, a.OrgID, a.ID, a.GroupName, a.Scope,
		a.DeleteMode, intervalArg(a.SyncInterval)))
	if errors.Is(err, sql.ErrNoRows) {
		return crm.NotFound("Google account")
	}
	if err != nil {
		return fmt.Errorf("update Google account settings: %w", err)
	}
	got.RefreshToken = a.RefreshToken
	*a = *got
	return nil
}

// MarkGoogleAccountReconnect sets or clears the account's "reconnect needed"
// state (a revoked token, a missing scope) with the message shown to its user.
func (db *DB) MarkGoogleAccountReconnect(ctx context.Context, id int64, needed bool, message string) error {
	res, err := db.w.ExecContext(ctx, markReconnectSQL, id, needed, message)
	if err != nil {
		return fmt.Errorf("mark Google account: %w", err)
	}
	return mustAffect(res, "Google account")
}

// DeleteGoogleAccount forgets the account and, by cascade, its token, links,
// index of Google contacts, checkpoint, and its runs with their events.
func (db *DB) DeleteGoogleAccount(ctx context.Context, orgID, id int64) error {
	res, err := db.w.ExecContext(ctx, deleteAccountSQL, orgID, id)
	if err != nil {
		return fmt.Errorf("delete Google account: %w", err)
	}
	return mustAffect(res, "Google account")
}

func (db *DB) findAccount(ctx context.Context, query string, args ...any) (*crm.GoogleAccount, error) {
	var sealed []byte
	a, err := scanAccount(db.r.QueryRowContext(ctx, query, args...), &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, crm.NotFound("Google account")
	}
	if err != nil {
		return nil, fmt.Errorf("find Google account: %w", err)
	}
	if a.RefreshToken, err = db.secret.open(sealed, tokenAD(a.UserID, a.Sub)); err != nil {
		return nil, fmt.Errorf("refresh token of Google account %d: %w", a.ID, err)
	}
	return a, nil
}

func (db *DB) listAccounts(ctx context.Context, query string, args ...any) ([]*crm.GoogleAccount, error) {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list Google accounts: %w", err)
	}
	defer rows.Close()
	var out []*crm.GoogleAccount
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("list Google accounts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list Google accounts: %w", err)
	}
	return out, nil
}

// defaultSettings fills the settings a new account leaves empty.
func defaultSettings(a *crm.GoogleAccount) {
	a.GroupName = strings.TrimSpace(a.GroupName)
	if a.GroupName == "" {
		a.GroupName = crm.DefaultGroupName
	}
	if a.Scope == "" {
		a.Scope = crm.ScopeOwned
	}
	if a.DeleteMode == "" {
		a.DeleteMode = crm.DeleteTrash
	}
}

// validateSettings checks the settings a user edits; field names are those
// of the REST API.
func validateSettings(a *crm.GoogleAccount) crm.FieldErrors {
	f := crm.FieldErrors{}
	switch {
	case a.GroupName == "":
		f.Add("group_name", "Enter the name of the Google contact group to synchronize.")
	case !utf8.ValidString(a.GroupName) || strings.ContainsRune(a.GroupName, 0):
		f.Add("group_name", "Remove the invalid characters.")
	case utf8.RuneCountInString(a.GroupName) > MaxGroupNameLen:
		f.Add("group_name", fmt.Sprintf("Use at most %d characters.", MaxGroupNameLen))
	}
	if a.Scope != crm.ScopeOwned && a.Scope != crm.ScopeAll {
		f.Add("scope", `Choose "owned" (your contacts) or "all" (every contact of the organization).`)
	}
	if a.DeleteMode != crm.DeleteTrash && a.DeleteMode != crm.DeleteUnlink {
		f.Add("delete_mode", `Choose "trash" or "unlink".`)
	}
	if d := a.SyncInterval; d != nil && (*d < 0 || *d > 0 && *d < time.Minute) {
		f.Add("sync_interval", "Use 0 (no automatic sync) or at least one minute.")
	}
	return f
}

// intervalArg stores a sync interval in whole seconds, nil as NULL (the default).
func intervalArg(d *time.Duration) any {
	if d == nil {
		return nil
	}
	return int64(*d / time.Second)
}

// scanAccount reads accountColumns, and the sealed token into extra[0] when given.
func scanAccount(row scanner, extra ...any) (*crm.GoogleAccount, error) {
	var (
		a        crm.GoogleAccount
		interval sql.NullInt64
	)
	dest := append([]any{&a.ID, &a.OrgID, &a.UserID, &a.Sub, &a.Email, &a.GroupName, &a.Scope, &a.DeleteMode,
		&interval, &a.ReconnectNeeded, &a.LastRunID, &a.LastError, &a.CreatedAt}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if interval.Valid {
		d := time.Duration(interval.Int64) * time.Second
		a.SyncInterval = &d
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return &a, nil
}

// mustAffect turns an UPDATE or DELETE that matched no row into ENOTFOUND.
func mustAffect(res sql.Result, kind string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s: %w", kind, err)
	}
	if n == 0 {
		return crm.NotFound(kind)
	}
	return nil
}
