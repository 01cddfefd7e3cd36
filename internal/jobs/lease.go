package jobs

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// DefaultLeaseTTL is how long a sync run's lease lasts without a heartbeat:
// how long after its process died a run is resumed elsewhere.
const DefaultLeaseTTL = 30 * time.Second

// errLeaseLost ends a run whose lease another instance took over (this
// process stalled, or could not reach the database, for longer than a lease).
var errLeaseLost = errors.New("sync lease lost: another instance resumed the run")

// newInstanceID names this process in lease holders.
func newInstanceID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// withLease runs the sync while holding the account's lease, renewed every
// third of its length. A live lease held by someone else means River started
// this job beside a run that is still going: it waits for its end.
func (q *Queue) withLease(ctx context.Context, job *river.Job[syncArgs], run func(context.Context) error) error {
	acct, ttl := job.Args.AccountID, q.cfg.LeaseTTL
	holder := fmt.Sprintf("%s/job-%d/attempt-%d", q.id, job.ID, job.Attempt)
	now := time.Now()
	ok, err := q.db.AcquireSyncLease(ctx, acct, holder, now.Add(ttl), now)
	if err != nil {
		return err
	}
	if !ok {
		q.log.Warn("a sync of this account is still running elsewhere; waiting for it", "account_id", acct, "job_id", job.ID)
		return river.JobSnooze(ttl)
	}
	defer func() {
		if err := q.db.ReleaseSyncLease(context.WithoutCancel(ctx), acct, holder); err != nil {
			q.log.Warn("release sync lease", "account_id", acct, "err", err)
		}
	}()
	ctx, cancel := context.WithCancelCause(ctx)
	beat := make(chan struct{})
	go func() {
		defer close(beat)
		q.heartbeat(ctx, acct, holder, cancel)
	}()
	defer func() { cancel(nil); <-beat }()
	if err := run(ctx); err != nil {
		if errors.Is(context.Cause(ctx), errLeaseLost) {
			return fmt.Errorf("%w: %w", errLeaseLost, err)
		}
		return err
	}
	return nil
}

// heartbeat renews the lease until ctx ends. A lease it could not renew for
// a whole lease length may have been taken over: the run is cancelled.
func (q *Queue) heartbeat(ctx context.Context, acct int64, holder string, lost context.CancelCauseFunc) {
	ttl := q.cfg.LeaseTTL
	tick := time.NewTicker(ttl / 3)
	defer tick.Stop()
	renewed := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := time.Now()
		ok, err := q.db.RenewSyncLease(ctx, acct, holder, now.Add(ttl))
		switch {
		case err == nil && ok:
			renewed = now
			continue
		case err == nil:
			q.log.Error("sync lease taken over; stopping this run", "account_id", acct)
			lost(errLeaseLost)
			return
		case now.Sub(renewed) >= ttl:
			q.log.Error("sync lease not renewed for a whole lease; stopping this run", "account_id", acct, "err", err)
			lost(errLeaseLost)
			return
		}
		q.log.Warn("renew sync lease", "account_id", acct, "err", err)
	}
}

// watchAbandoned resumes, every half lease until ctx ends, the sync jobs that
// a dead process left running.
func (q *Queue) watchAbandoned(ctx context.Context) {
	tick := time.NewTicker(q.cfg.LeaseTTL / 2)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if _, err := q.ResumeAbandoned(ctx); err != nil && ctx.Err() == nil {
			q.log.Warn("look for abandoned syncs", "err", err)
		}
	}
}

// ResumeAbandoned makes available again each sync job that is running for
// longer than a lease while no live lease covers its account: its process
// died (River's own rescuer would wait 35 minutes). It returns how many.
func (q *Queue) ResumeAbandoned(ctx context.Context) (int, error) {
	res, err := q.client.JobList(ctx, river.NewJobListParams().
		Kinds(syncArgs{}.Kind()).States(rivertype.JobStateRunning).First(1000))
	if err != nil {
		return 0, fmt.Errorf("list running syncs: %w", err)
	}
	resumed := 0
	now := time.Now()
	for _, job := range res.Jobs {
		if job.AttemptedAt == nil || now.Sub(*job.AttemptedAt) < q.cfg.LeaseTTL {
			continue // may not have taken its lease yet
		}
		var args syncArgs
		if err := json.Unmarshal(job.EncodedArgs, &args); err != nil {
			return resumed, fmt.Errorf("job %d: %w", job.ID, err)
		}
		live, err := q.db.SyncLeaseLive(ctx, args.AccountID, now)
		if err != nil {
			return resumed, err
		}
		if live {
			continue
		}
		// The attempt in the condition: a job fetched again meanwhile is
		// not touched.
		r, err := q.db.SQL().ExecContext(ctx, `UPDATE river_job SET state = 'available', scheduled_at = attempted_at
			WHERE id = $1 AND state = 'running' AND attempt = $2`, job.ID, job.Attempt)
		if err != nil {
			return resumed, fmt.Errorf("resume job %d: %w", job.ID, err)
		}
		if n, _ := r.RowsAffected(); n == 1 {
			resumed++
			q.log.Warn("sync left running by a stopped instance: resuming it", "account_id", args.AccountID, "run_id", args.RunID)
		}
	}
	return resumed, nil
}
