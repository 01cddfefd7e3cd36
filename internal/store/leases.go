package store

import (
	"context"
	"fmt"
	"time"
)

// Sync leases: the run of an account holds its lease and renews it while it
// lives; a lease past its expiry was left by a process that died. Times are
// the holders' clocks, in Unix milliseconds: instances' clocks must agree to
// well within a lease's length.
const (
	acquireLeaseSQL = `INSERT INTO sync_leases (account_id, holder, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (account_id) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE sync_leases.expires_at < $4`
	renewLeaseSQL   = `UPDATE sync_leases SET expires_at = $1 WHERE account_id = $2 AND holder = $3`
	releaseLeaseSQL = `DELETE FROM sync_leases WHERE account_id = $1 AND holder = $2`
	liveLeaseSQL    = `SELECT count(*) FROM sync_leases WHERE account_id = $1 AND expires_at >= $2`
)

// AcquireSyncLease takes the account's lease for holder until the given
// time, unless another holder's lease is still live at now. It reports
// whether holder has the lease.
func (db *DB) AcquireSyncLease(ctx context.Context, accountID int64, holder string, until, now time.Time) (bool, error) {
	res, err := db.w.ExecContext(ctx, acquireLeaseSQL, accountID, holder, until.UnixMilli(), now.UnixMilli())
	if err != nil {
		return false, fmt.Errorf("acquire sync lease of account %d: %w", accountID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// RenewSyncLease extends holder's lease; false means holder lost it.
func (db *DB) RenewSyncLease(ctx context.Context, accountID int64, holder string, until time.Time) (bool, error) {
	res, err := db.w.ExecContext(ctx, renewLeaseSQL, until.UnixMilli(), accountID, holder)
	if err != nil {
		return false, fmt.Errorf("renew sync lease of account %d: %w", accountID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseSyncLease gives holder's lease up; a lease another holder took
// meanwhile is left alone.
func (db *DB) ReleaseSyncLease(ctx context.Context, accountID int64, holder string) error {
	if _, err := db.w.ExecContext(ctx, releaseLeaseSQL, accountID, holder); err != nil {
		return fmt.Errorf("release sync lease of account %d: %w", accountID, err)
	}
	return nil
}

// SyncLeaseLive reports whether a run holds the account's lease at now.
func (db *DB) SyncLeaseLive(ctx context.Context, accountID int64, now time.Time) (bool, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, liveLeaseSQL, accountID, now.UnixMilli()).Scan(&n); err != nil {
		return false, fmt.Errorf("read sync lease of account %d: %w", accountID, err)
	}
	return n > 0, nil
}
