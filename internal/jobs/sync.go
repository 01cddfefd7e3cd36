package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"simplecrm/internal/crm"
)

// syncArgs is a sync run of one Google account. Only the account is part of
// the unique key: one sync per account waits or runs at a time.
type syncArgs struct {
	AccountID int64 `json:"account_id" river:"unique"`
	RunID     int64 `json:"run_id"`
}

func (syncArgs) Kind() string { return "sync" }

// InsertOpts makes sync jobs unique per account among the jobs that wait or
// run. A failed attempt waiting for its retry ("retryable") is left out, so
// that "Sync now" is never refused; EnqueueSync brings such a job forward
// instead of adding another.
func (syncArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: activeStates}}
}

// activeStates are the states in which a job counts as queued or running.
// River requires at least these four in a unique set.
var activeStates = []rivertype.JobState{
	rivertype.JobStateAvailable,
	rivertype.JobStatePending,
	rivertype.JobStateRunning,
	rivertype.JobStateScheduled,
}

type syncWorker struct {
	river.WorkerDefaults[syncArgs]
	q *Queue
}

func (w *syncWorker) Timeout(*river.Job[syncArgs]) time.Duration { return SyncTimeout }

// Work runs the sync. RunSync records the run's outcome itself; an error
// here means "try again later" and River retries with its backoff.
func (w *syncWorker) Work(ctx context.Context, job *river.Job[syncArgs]) error {
	return w.q.withLease(ctx, job, func(ctx context.Context) error {
		return w.q.cfg.RunSync(ctx, job.Args.AccountID, job.Args.RunID)
	})
}

// enqueueLock is the first key of the pg_advisory_xact_lock (second key: the
// account) that serializes EnqueueSync per account across instances ("sync").
const enqueueLock = 0x73796e63

// enqueueSync looks for a sync of the account that waits or runs, and only
// when there is none creates a run and inserts its job. The look-up and the
// insert happen under a lock per account, so two enqueuers never both create
// a run (which would leave one queued forever).
func (q *Queue) enqueueSync(ctx context.Context, orgID, accountID int64, trigger string) (int64, error) {
	q.enqueueMu.Lock()
	defer q.enqueueMu.Unlock()
	if q.db.Engine() != "postgres" {
		// SQLite serves one instance; the mutex is the whole lock. No
		// transaction: the single write connection is needed by
		// CreateSyncRun in between.
		return q.enqueueLocked(ctx, nil, orgID, accountID, trigger)
	}
	tx, err := q.db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("enqueue sync: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, enqueueLock, int32(accountID)); err != nil {
		return 0, fmt.Errorf("enqueue sync: lock: %w", err)
	}
	runID, err := q.enqueueLocked(ctx, tx, orgID, accountID, trigger)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("enqueue sync: commit: %w", err)
	}
	return runID, nil
}

// enqueueLocked does the work of enqueueSync; tx is nil on SQLite.
func (q *Queue) enqueueLocked(ctx context.Context, tx *sql.Tx, orgID, accountID int64, trigger string) (int64, error) {
	existing, err := q.pendingSync(ctx, tx, accountID)
	if err != nil {
		return 0, err
	}
	// River marks a job completed a moment after its worker returns: a job
	// still "running" whose run has finished is over, and must not be
	// returned as the sync asked for. Wait for River to catch up.
	for tries := 0; existing != nil && existing.State == rivertype.JobStateRunning && tries < 100; tries++ {
		if done, err := q.runFinished(ctx, orgID, existing); err != nil || !done {
			break
		}
		time.Sleep(50 * time.Millisecond)
		if existing, err = q.pendingSync(ctx, tx, accountID); err != nil {
			return 0, err
		}
	}
	if existing != nil {
		if existing.State == rivertype.JobStateRetryable {
			if _, err := q.retryJob(ctx, tx, existing.ID); err != nil {
				return 0, fmt.Errorf("enqueue sync: retry job %d: %w", existing.ID, err)
			}
		}
		return runIDOf(existing)
	}

	run := &crm.SyncRun{OrgID: orgID, AccountID: accountID, Trigger: trigger, Status: crm.RunQueued}
	if err := q.db.Services().SyncRuns.CreateSyncRun(ctx, run); err != nil {
		return 0, fmt.Errorf("enqueue sync: %w", err)
	}
	args := syncArgs{AccountID: accountID, RunID: run.ID}
	var res *rivertype.JobInsertResult
	if tx != nil {
		res, err = q.client.InsertTx(ctx, tx, args, nil)
	} else {
		res, err = q.client.Insert(ctx, args, nil)
	}
	if err != nil {
		// A database failure; the run row stays queued with no job, and
		// the next EnqueueSync of the account creates a new one.
		return 0, fmt.Errorf("enqueue sync: insert job: %w", err)
	}
	if res.UniqueSkippedAsDuplicate {
		// Only possible with another process enqueuing outside the lock
		// (a second instance on one SQLite file).
		q.log.Warn("sync enqueued concurrently; a queued run is left unused",
			"account_id", accountID, "run_id", run.ID)
		return runIDOf(res.Job)
	}
	return run.ID, nil
}

// runFinished reports whether the run of a job has ended.
func (q *Queue) runFinished(ctx context.Context, orgID int64, job *rivertype.JobRow) (bool, error) {
	id, err := runIDOf(job)
	if err != nil {
		return false, err
	}
	run, err := q.db.Services().SyncRuns.FindSyncRun(ctx, orgID, id)
	if err != nil {
		return false, err
	}
	return run.Status == crm.RunSucceeded || run.Status == crm.RunFailed, nil
}

// pendingSync returns the account's sync job that waits, runs or waits for a
// retry, or nil.
func (q *Queue) pendingSync(ctx context.Context, tx *sql.Tx, accountID int64) (*rivertype.JobRow, error) {
	params := river.NewJobListParams().
		Kinds(syncArgs{}.Kind()).
		States(append(activeStates, rivertype.JobStateRetryable)...).
		Where(`CAST(args ->> 'account_id' AS bigint) = @account_id`, river.NamedArgs{"account_id": accountID}).
		First(1)
	var (
		res *river.JobListResult
		err error
	)
	if tx != nil {
		res, err = q.client.JobListTx(ctx, tx, params)
	} else {
		res, err = q.client.JobList(ctx, params)
	}
	if err != nil {
		return nil, fmt.Errorf("enqueue sync: look for a queued sync: %w", err)
	}
	if len(res.Jobs) == 0 {
		return nil, nil
	}
	return res.Jobs[0], nil
}

func (q *Queue) retryJob(ctx context.Context, tx *sql.Tx, id int64) (*rivertype.JobRow, error) {
	if tx != nil {
		return q.client.JobRetryTx(ctx, tx, id)
	}
	return q.client.JobRetry(ctx, id)
}

func runIDOf(job *rivertype.JobRow) (int64, error) {
	var args syncArgs
	if err := json.Unmarshal(job.EncodedArgs, &args); err != nil {
		return 0, fmt.Errorf("enqueue sync: job %d: %w", job.ID, err)
	}
	if args.RunID == 0 {
		return 0, errors.New("enqueue sync: queued job has no run")
	}
	return args.RunID, nil
}
