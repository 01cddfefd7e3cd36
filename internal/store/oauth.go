package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"simplecrm/internal/crm"
)

// OAuthState is a Google connect in progress.
type OAuthState struct {
	UserID    int64
	Verifier  string // PKCE verifier
	AccountID int64  // the account being reconnected, 0 for a new one
	ReturnTo  string // local path to come back to after the sync starts
}

// OAuthStateTTL is how long a user has to get through Google's pages.
const OAuthStateTTL = 15 * time.Minute

// CreateOAuthState stores a new connect for st.UserID and returns the random
// state to send to Google. Only its hash is stored.
func (db *DB) CreateOAuthState(ctx context.Context, st OAuthState) (string, error) {
	state, err := newSecret("st_")
	if err != nil {
		return "", err
	}
	now := db.clock()
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		// Expired states of anyone go at the same time: no job needed.
		if _, err := tx.ExecContext(ctx, `DELETE FROM oauth_states WHERE expires_at < $1`, now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO oauth_states (state_hash, user_id, verifier, account_id, return_to, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, hashSecret(state), st.UserID, st.Verifier, st.AccountID, st.ReturnTo, now.Add(OAuthStateTTL))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create oauth state: %w", err)
	}
	return state, nil
}

// TakeOAuthState consumes a state: it must exist, be unexpired and belong to
// userID. A state is usable once; a reused, expired or unknown one is
// EUNAUTHORIZED. A live state of another user is EFORBIDDEN and is not
// consumed, so that its owner can still finish (someone else's browser, a
// link pasted to a colleague, a shared computer still logged in as another
// user).
func (db *DB) TakeOAuthState(ctx context.Context, state string, userID int64) (*OAuthState, error) {
	var st OAuthState
	var expires time.Time
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `DELETE FROM oauth_states WHERE state_hash = $1 AND user_id = $2
			RETURNING user_id, verifier, account_id, return_to, expires_at`, hashSecret(state), userID).
			Scan(&st.UserID, &st.Verifier, &st.AccountID, &st.ReturnTo, &expires)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT expires_at FROM oauth_states WHERE state_hash = $1`,
			hashSecret(state)).Scan(&expires)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return errBadState
		case err != nil:
			return err
		case expires.Before(db.clock()):
			return errBadState
		}
		return errForeignState
	})
	if errors.Is(err, errForeignState) {
		return nil, crm.Errorf(crm.EFORBIDDEN, "This Google sign-in was started by another Simple CRM user; sign in as that user, or start Sync Mobile again.")
	}
	if errors.Is(err, errBadState) || (err == nil && expires.Before(db.clock())) {
		return nil, crm.Errorf(crm.EUNAUTHORIZED, "This Google sign-in link has expired or was already used. Start again from Sync Mobile.")
	}
	if err != nil {
		return nil, fmt.Errorf("take oauth state: %w", err)
	}
	return &st, nil
}

var (
	errBadState     = errors.New("unknown oauth state")
	errForeignState = errors.New("oauth state of another user")
)
