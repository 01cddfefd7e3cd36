package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"simplecrm/internal/crm"
)

// scheduleArgs is the leader's periodic look for accounts due for an
// automatic sync.
type scheduleArgs struct{}

func (scheduleArgs) Kind() string { return "sync_schedule" }

// purgeArgs is the periodic trash purge.
type purgeArgs struct{}

func (purgeArgs) Kind() string { return "purge_trash" }

// singletonOpts keeps at most one job of a periodic kind waiting or running.
func singletonOpts() *river.InsertOpts {
	return &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: activeStates}}
}

type scheduleWorker struct {
	river.WorkerDefaults[scheduleArgs]
	q *Queue
}

// Work enqueues a periodic sync of every account that is due. Failing to
// enqueue one account does not stop the others; the next pass tries again.
func (w *scheduleWorker) Work(ctx context.Context, _ *river.Job[scheduleArgs]) error {
	accounts, err := w.q.db.ListAllGoogleAccounts(ctx)
	if err != nil {
		return fmt.Errorf("sync schedule: %w", err)
	}
	var errs []error
	for _, a := range accounts {
		due, err := w.q.due(ctx, a)
		if err == nil && due {
			_, err = w.q.EnqueueSync(ctx, a.OrgID, a.ID, "periodic")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("account %d: %w", a.ID, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		// Retrying the whole pass would duplicate nothing (EnqueueSync is
		// idempotent per account) but the next pass comes soon anyway.
		w.q.log.Error("sync schedule", "err", err)
	}
	return nil
}

// due reports whether the account wants an automatic sync now: automatic
// syncs are on for it, it needs no reconnect, and its last run started longer
// ago than its period.
func (q *Queue) due(ctx context.Context, a *crm.GoogleAccount) (bool, error) {
	period := q.cfg.SyncInterval
	if a.SyncInterval != nil {
		period = *a.SyncInterval
	}
	if period <= 0 || a.ReconnectNeeded {
		return false, nil
	}
	if a.LastRunID == 0 {
		return true, nil
	}
	run, err := q.db.Services().SyncRuns.FindSyncRun(ctx, a.OrgID, a.LastRunID)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	started := run.CreatedAt
	if run.StartedAt != nil {
		started = *run.StartedAt
	}
	return !q.cfg.Now().Before(started.Add(period)), nil
}

type purgeWorker struct {
	river.WorkerDefaults[purgeArgs]
	q *Queue
}

func (w *purgeWorker) Timeout(*river.Job[purgeArgs]) time.Duration { return 10 * time.Minute }

func (w *purgeWorker) Work(ctx context.Context, _ *river.Job[purgeArgs]) error {
	return w.q.purgeTrash(ctx)
}
