package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"simplecrm/internal/crm"
)

const (
	runColumns = `id, org_id, account_id, trigger, status, crm_created, crm_updated, crm_deleted, google_created,
		google_updated, google_deleted, conflicts, duplicates, skipped, errors, phase, done, total, error,
		created_at, started_at, finished_at`

	// The account must belong to the run's organization: INSERT ... SELECT
	// inserts nothing otherwise.
	insertRunSQL = `INSERT INTO sync_runs (org_id, account_id, trigger, status, created_at, phase)
		SELECT org_id, id, $3, $4, $5, $6 FROM google_accounts WHERE org_id = $1 AND id = $2
		RETURNING ` + runColumns
	// $14 marks a run that has left the queue, $15 one that has ended: the
	// first sets started_at once, the second stamps finished_at.
	updateRunSQL = `UPDATE sync_runs SET status = $2, crm_created = $3, crm_updated = $4, crm_deleted = $5,
		google_created = $6, google_updated = $7, google_deleted = $8, conflicts = $9, duplicates = $10,
		skipped = $11, errors = $12, phase = $13, done = $16, total = $17, error = $18,
		started_at = CASE WHEN $14 THEN COALESCE(started_at, $19) ELSE started_at END,
		finished_at = CASE WHEN $15 THEN COALESCE(finished_at, $19) ELSE NULL END
		WHERE id = $1 RETURNING ` + runColumns
	// An ended run decides the account's last error: cleared by a success.
	updateLastRunSQL = `UPDATE google_accounts SET last_run_id = $2,
		last_error = CASE WHEN $3 THEN $4 ELSE last_error END WHERE id = $1`
	selectRunSQL       = `SELECT ` + runColumns + ` FROM sync_runs WHERE org_id = $1 AND id = $2`
	listRunsSQL        = `SELECT ` + runColumns + ` FROM sync_runs WHERE org_id = $1 ORDER BY id DESC LIMIT $2`
	listAccountRunsSQL = `SELECT ` + runColumns + ` FROM sync_runs WHERE account_id = $1 ORDER BY id DESC LIMIT $2`
	accountInOrgSQL    = `SELECT count(*) FROM google_accounts WHERE org_id = $1 AND id = $2`
	listEventsSQL      = `SELECT id, run_id, kind, contact_id, message, created_at FROM sync_events
		WHERE run_id = $1 AND id > $2 ORDER BY id`
	insertEventsSQL = `INSERT INTO sync_events (run_id, kind, contact_id, message, created_at) VALUES `
)

// eventsPerInsert keeps a multi-row insert of events (5 parameters a row)
// far below both engines' parameter limits.
const eventsPerInsert = 500

// CreateSyncRun stores a new queued run of run.AccountID, which must be an
// account of run.OrgID, and fills its ID, Status, Phase (crm.PhaseQueued)
// and CreatedAt. An empty Trigger is "manual".
func (db *DB) CreateSyncRun(ctx context.Context, run *crm.SyncRun) error {
	if run.Trigger == "" {
		run.Trigger = "manual"
	}
	got, err := scanRun(db.w.QueryRowContext(ctx, insertRunSQL, run.OrgID, run.AccountID, run.Trigger,
		crm.RunQueued, db.clock(), crm.PhaseQueued))
	if errors.Is(err, sql.ErrNoRows) {
		return crm.NotFound("Google account")
	}
	if err != nil {
		return fmt.Errorf("create sync run: %w", err)
	}
	*run = *got
	return nil
}

// SaveRunProgress stores the run's status, phase, progress, counts and
// error. It stamps StartedAt when the run first leaves the queue and
// FinishedAt when it succeeds or fails, fills both into run, and records the
// run as its account's last one (an ended run also sets the account's last
// error: its Error, empty on success).
func (db *DB) SaveRunProgress(ctx context.Context, run *crm.SyncRun) error {
	started := run.Status != crm.RunQueued
	ended := run.Status == crm.RunSucceeded || run.Status == crm.RunFailed
	c := run.Counts
	return db.inTx(ctx, func(tx *sql.Tx) error {
		got, err := scanRun(tx.QueryRowContext(ctx, updateRunSQL, run.ID, run.Status, c.CRMCreated, c.CRMUpdated,
			c.CRMDeleted, c.GoogleCreated, c.GoogleUpdated, c.GoogleDeleted, c.Conflicts, c.Duplicates, c.Skipped,
			c.Errors, run.Phase, started, ended, run.Done, run.Total, run.Error, db.clock()))
		if errors.Is(err, sql.ErrNoRows) {
			return crm.NotFound("sync run")
		}
		if err != nil {
			return fmt.Errorf("save run progress: %w", err)
		}
		if _, err := tx.ExecContext(ctx, updateLastRunSQL, got.AccountID, got.ID, ended, got.Error); err != nil {
			return fmt.Errorf("save run progress: %w", err)
		}
		*run = *got
		return nil
	})
}

// FindSyncRun returns a run of the organization.
func (db *DB) FindSyncRun(ctx context.Context, orgID, id int64) (*crm.SyncRun, error) {
	run, err := scanRun(db.r.QueryRowContext(ctx, selectRunSQL, orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, crm.NotFound("sync run")
	}
	if err != nil {
		return nil, fmt.Errorf("find sync run: %w", err)
	}
	return run, nil
}

// ListSyncRuns returns the latest runs of an account of the organization
// (of every account when accountID is 0), newest first. limit 0 is
// crm.DefaultPageSize, and it is capped at crm.MaxPageSize.
func (db *DB) ListSyncRuns(ctx context.Context, orgID, accountID int64, limit int) ([]*crm.SyncRun, error) {
	query, args := listRunsSQL, []any{orgID, pageSize(limit)}
	if accountID != 0 {
		var n int
		if err := db.r.QueryRowContext(ctx, accountInOrgSQL, orgID, accountID).Scan(&n); err != nil {
			return nil, fmt.Errorf("list sync runs: %w", err)
		}
		if n == 0 {
			return nil, crm.NotFound("Google account")
		}
		query, args = listAccountRunsSQL, []any{accountID, pageSize(limit)}
	}
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list sync runs: %w", err)
	}
	defer rows.Close()
	var out []*crm.SyncRun
	for rows.Next() {
		run, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list sync runs: %w", err)
		}
		out = append(out, run)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list sync runs: %w", err)
	}
	return out, nil
}

// ListSyncEvents returns the first limit events of a run (all when limit is
// 0), oldest first. The run is not checked against an organization: callers
// find it with FindSyncRun first.
func (db *DB) ListSyncEvents(ctx context.Context, runID int64, limit int) ([]*crm.SyncEvent, error) {
	return db.ListSyncEventsAfter(ctx, runID, 0, limit)
}

// ListSyncEventsAfter is ListSyncEvents from the event after afterID: the
// pages of a run's events, by event id.
func (db *DB) ListSyncEventsAfter(ctx context.Context, runID, afterID int64, limit int) ([]*crm.SyncEvent, error) {
	query, args := listEventsSQL, []any{runID, afterID}
	if limit > 0 {
		query, args = query+` LIMIT $3`, append(args, limit)
	}
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list sync events: %w", err)
	}
	defer rows.Close()
	var out []*crm.SyncEvent
	for rows.Next() {
		var e crm.SyncEvent
		if err := rows.Scan(&e.ID, &e.RunID, &e.Kind, &e.ContactID, &e.Message, &e.CreatedAt); err != nil {
			return nil, fmt.Errorf("list sync events: %w", err)
		}
		e.CreatedAt = e.CreatedAt.UTC()
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list sync events: %w", err)
	}
	return out, nil
}

// AddEvents appends events to a run in one transaction, with a few multi-row
// inserts rather than one statement per event. A zero CreatedAt is now.
func (db *DB) AddEvents(ctx context.Context, runID int64, events []crm.SyncEvent) error {
	if len(events) == 0 {
		return nil
	}
	now := db.clock()
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for rest := events; len(rest) > 0; {
			n := min(len(rest), eventsPerInsert)
			var b strings.Builder
			b.WriteString(insertEventsSQL)
			args := make([]any, 0, 5*n)
			for i, e := range rest[:n] {
				if i > 0 {
					b.WriteString(", ")
				}
				at := e.CreatedAt.UTC().Truncate(time.Microsecond) // as db.clock()
				if e.CreatedAt.IsZero() {
					at = now
				}
				b.WriteString("(" + placeholders(len(args)+1, 5) + ")")
				args = append(args, runID, e.Kind, e.ContactID, e.Message, at)
			}
			if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
				return err
			}
			rest = rest[n:]
		}
		return nil
	})
	if err != nil && db.dialect.isForeignKey(err) {
		return crm.NotFound("sync run")
	}
	if err != nil {
		return fmt.Errorf("add sync events: %w", err)
	}
	return nil
}

func scanRun(row scanner) (*crm.SyncRun, error) {
	var (
		r                 crm.SyncRun
		c                 = &r.Counts
		started, finished sql.NullTime
	)
	err := row.Scan(&r.ID, &r.OrgID, &r.AccountID, &r.Trigger, &r.Status, &c.CRMCreated, &c.CRMUpdated,
		&c.CRMDeleted, &c.GoogleCreated, &c.GoogleUpdated, &c.GoogleDeleted, &c.Conflicts, &c.Duplicates,
		&c.Skipped, &c.Errors, &r.Phase, &r.Done, &r.Total, &r.Error, &r.CreatedAt, &started, &finished)
	if err != nil {
		return nil, err
	}
	r.CreatedAt = r.CreatedAt.UTC()
	r.StartedAt, r.FinishedAt = nullTime(started), nullTime(finished)
	return &r, nil
}
