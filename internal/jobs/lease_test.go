package jobs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"simplecrm/internal/store"
	"simplecrm/internal/store/storetest"
)

const testTTL = 400 * time.Millisecond

// abandon makes the account's queued sync job look like one a process took
// and then died running: state running, one attempt, and a lease that is
// still live for leaseLeft.
func abandon(t *testing.T, db *store.DB, accountID int64, leaseLeft time.Duration) {
	t.Helper()
	ctx := context.Background()
	res, err := db.SQL().ExecContext(ctx, `UPDATE river_job SET state = 'running', attempt = 1, attempted_at = scheduled_at
		WHERE kind = 'sync' AND state = 'available'`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("abandoned %d jobs, want 1", n)
	}
	now := time.Now()
	if ok, err := db.AcquireSyncLease(ctx, accountID, "dead-process", now.Add(leaseLeft), now); err != nil || !ok {
		t.Fatalf("lease of the dead process: %v %v", ok, err)
	}
}

// A sync job left running by a process that died is resumed, with its run,
// once the dead process's lease has expired: not before, and not after
// River's 35-minute rescue.
func TestAbandonedSyncIsResumed(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			db := mustOpen(t, engine)
			a := mustAccounts(t, db, 1)[0]
			ctx := context.Background()

			// Enqueued by an instance that works no jobs, then "taken" by
			// the dead process.
			idle := mustStart(t, db, Config{RunSync: newRecorder(db).RunSync, Workers: 1, LeaseTTL: testTTL})
			if err := idle.Stop(ctx); err != nil {
				t.Fatal(err)
			}
			runID, err := idle.EnqueueSync(ctx, a.OrgID, a.ID, "manual")
			if err != nil {
				t.Fatal(err)
			}
			const leaseLeft = 1500 * time.Millisecond
			abandon(t, db, a.ID, leaseLeft)
			expiry := time.Now().Add(leaseLeft)

			rec := newRecorder(db)
			q := mustStart(t, db, Config{RunSync: rec.RunSync, LeaseTTL: testTTL})
			if again, err := q.EnqueueSync(ctx, a.OrgID, a.ID, "manual"); err != nil || again != runID {
				t.Fatalf("sync now during the abandoned run = %d, %v; want run %d", again, err, runID)
			}
			// While the dead process's lease is live, the job stays its.
			for time.Until(expiry) > 100*time.Millisecond {
				var state string
				if err := db.SQL().QueryRowContext(ctx, `SELECT state FROM river_job WHERE kind = 'sync'`).Scan(&state); err != nil {
					t.Fatal(err)
				}
				if state != "running" || len(rec.runsOf(a.ID)) > 0 {
					t.Fatalf("job %s, %d runs, %v before the dead process's lease expires", state, len(rec.runsOf(a.ID)), time.Until(expiry))
				}
				time.Sleep(20 * time.Millisecond)
			}
			waitFor(t, 10*time.Second, "the abandoned sync to resume", func() bool { return len(rec.runsOf(a.ID)) > 0 })
			waitIdle(t, q, a)
			if got := rec.runsOf(a.ID); len(got) != 1 || got[0] != runID {
				t.Errorf("runs after the resume = %v, want [%d]", got, runID)
			}
		})
	}
}

// A run holding the lease is never joined by a second one: River starting
// the same job beside it (as its rescuer may, for a run that is alive but
// slow) gets a snooze. The heartbeat keeps a run's lease live well past its
// length; a run whose lease is taken over is cancelled.
func TestLeaseKeepsRunsApart(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			db := mustOpen(t, engine)
			a := mustAccounts(t, db, 1)[0]
			q := mustStart(t, db, Config{RunSync: newRecorder(db).RunSync, LeaseTTL: testTTL})
			job := &river.Job[syncArgs]{JobRow: &rivertype.JobRow{ID: 1, Attempt: 1}, Args: syncArgs{AccountID: a.ID, RunID: 1}}
			second := &river.Job[syncArgs]{JobRow: &rivertype.JobRow{ID: 1, Attempt: 2}, Args: syncArgs{AccountID: a.ID, RunID: 1}}

			ctx := context.Background()
			started, stop := make(chan struct{}), make(chan struct{})
			firstDone := make(chan error, 1)
			go func() {
				firstDone <- q.withLease(ctx, job, func(ctx context.Context) error {
					close(started)
					select {
					case <-stop:
						return nil
					case <-ctx.Done():
						return ctx.Err()
					}
				})
			}()
			<-started
			// Three lease lengths: only heartbeats keep it.
			for deadline := time.Now().Add(3 * testTTL); time.Now().Before(deadline); time.Sleep(testTTL / 4) {
				ran := false
				err := q.withLease(ctx, second, func(context.Context) error { ran = true; return nil })
				var snooze *river.JobSnoozeError
				if ran || !errors.As(err, &snooze) {
					t.Fatalf("second run beside a live one: ran=%v err=%v, want a snooze", ran, err)
				}
			}
			close(stop)
			if err := <-firstDone; err != nil {
				t.Fatalf("first run: %v", err)
			}
			// Released at its end: the next run starts at once.
			if err := q.withLease(ctx, second, func(context.Context) error { return nil }); err != nil {
				t.Fatalf("run after the release: %v", err)
			}

			// Taken over (this process stalled): the run is cancelled.
			err := q.withLease(ctx, job, func(ctx context.Context) error {
				if _, err := db.SQL().ExecContext(ctx, `UPDATE sync_leases SET holder = 'someone else'`); err != nil {
					return err
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(10 * time.Second):
					return errors.New("not cancelled")
				}
			})
			if !errors.Is(err, errLeaseLost) {
				t.Fatalf("run whose lease was taken over: %v, want errLeaseLost", err)
			}
		})
	}
}
