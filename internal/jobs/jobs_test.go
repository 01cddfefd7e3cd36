package jobs

import (
	"context"
	"sync"
	"testing"
	"time"

	"simplecrm/internal/crm"
	"simplecrm/internal/store/storetest"
)

// A queued sync runs RunSync once, with the run EnqueueSync returned, and the
// run starts as queued with its trigger.
func TestSyncJobRunsOnce(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			db := mustOpen(t, engine)
			a := mustAccounts(t, db, 1)[0]
			rec := newRecorder(db)
			q := mustStart(t, db, Config{RunSync: rec.RunSync})
			ctx := context.Background()

			runID, err := q.EnqueueSync(ctx, a.OrgID, a.ID, "manual")
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, 10*time.Second, "the sync to run", func() bool { return len(rec.runsOf(a.ID)) > 0 })
			waitFor(t, 10*time.Second, "the run to succeed", func() bool {
				runs := mustRuns(t, db, a)
				return len(runs) == 1 && runs[0].Status == crm.RunSucceeded
			})
			time.Sleep(300 * time.Millisecond)
			if got := rec.runsOf(a.ID); len(got) != 1 || got[0] != runID {
				t.Fatalf("RunSync calls = %v, want [%d]", got, runID)
			}
			if run := mustRuns(t, db, a)[0]; run.ID != runID || run.Trigger != "manual" {
				t.Fatalf("run = %+v, want id %d, trigger manual", run, runID)
			}
		})
	}
}

// While a sync of an account waits or runs, enqueueing it again — from many
// goroutines at once — returns that run, creates no other run, and RunSync
// never runs twice at once for the account. Once it is over, a new one starts.
func TestEnqueueWhileQueuedOrRunningReturnsSameRun(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			db := mustOpen(t, engine)
			a := mustAccounts(t, db, 1)[0]
			rec := newRecorder(db)
			rec.release = make(chan struct{})
			q := mustStart(t, db, Config{RunSync: rec.RunSync})
			ctx := context.Background()

			ids := enqueueConcurrently(t, q, a, 10)
			first := ids[0]
			for _, id := range ids {
				if id != first {
					t.Fatalf("concurrent enqueues returned runs %v, want one", ids)
				}
			}
			waitFor(t, 10*time.Second, "the sync to start", func() bool { return len(rec.runsOf(a.ID)) == 1 })
			// Running now: still the same run.
			for _, id := range enqueueConcurrently(t, q, a, 5) {
				if id != first {
					t.Fatalf("enqueue while running = %d, want %d", id, first)
				}
			}
			if runs := mustRuns(t, db, a); len(runs) != 1 {
				t.Fatalf("%d runs stored, want 1", len(runs))
			}
			close(rec.release)
			waitIdle(t, q, a)
			if st := mustRuns(t, db, a)[0].Status; st != crm.RunSucceeded {
				t.Fatalf("run status %q, want succeeded", st)
			}
			// Over: the next enqueue is a new run, and it runs.
			next, err := q.EnqueueSync(ctx, a.OrgID, a.ID, "manual")
			if err != nil {
				t.Fatal(err)
			}
			if next == first {
				t.Fatalf("enqueue after the run ended returned the old run %d", first)
			}
			waitFor(t, 10*time.Second, "the second sync", func() bool { return len(rec.runsOf(a.ID)) == 2 })
			if m := rec.maxAtOne.Load(); m != 1 {
				t.Fatalf("%d syncs of one account ran at once", m)
			}
		})
	}
}

// A sync that fails with an error (not a recorded failure) is retried by River;
// a sync that returns nil is not.
func TestSyncErrorIsRetried(t *testing.T) {
	db := mustOpen(t, "sqlite")
	a := mustAccounts(t, db, 1)[0]
	var (
		mu    sync.Mutex
		calls int
	)
	q := mustStart(t, db, Config{RunSync: func(ctx context.Context, accountID, runID int64) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			return context.DeadlineExceeded // a transient failure
		}
		return nil
	}})
	runID, err := q.EnqueueSync(context.Background(), a.OrgID, a.ID, "manual")
	if err != nil {
		t.Fatal(err)
	}
	// While the failed attempt waits for its retry, "Sync now" brings it
	// forward instead of adding a run.
	waitFor(t, 10*time.Second, "the first attempt", func() bool { mu.Lock(); defer mu.Unlock(); return calls >= 1 })
	again, err := q.EnqueueSync(context.Background(), a.OrgID, a.ID, "manual")
	if err != nil {
		t.Fatal(err)
	}
	if again != runID {
		t.Fatalf("enqueue while a retry waits = %d, want %d", again, runID)
	}
	waitFor(t, 10*time.Second, "the retry", func() bool { mu.Lock(); defer mu.Unlock(); return calls == 2 })
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if calls != 2 {
		t.Fatalf("RunSync called %d times, want 2", calls)
	}
}

func enqueueConcurrently(t *testing.T, q *Queue, a *crm.GoogleAccount, n int) []int64 {
	t.Helper()
	ids := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { ids[i], errs[i] = q.EnqueueSync(context.Background(), a.OrgID, a.ID, "manual") })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// waitIdle waits until no sync job of the account waits or runs.
func waitIdle(t *testing.T, q *Queue, a *crm.GoogleAccount) {
	t.Helper()
	waitFor(t, 10*time.Second, "the sync job to end", func() bool {
		job, err := q.pendingSync(context.Background(), nil, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		return job == nil
	})
}

// Jobs live in the database: a sync enqueued while no queue works survives
// until one starts, and a sync cancelled by a stop that runs out of patience
// is run again, with the same run, by the next queue.
func TestJobsSurviveRestart(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			db := mustOpen(t, engine)
			as := mustAccounts(t, db, 2)
			ctx := context.Background()

			// A sync that only ends when cancelled.
			stuck := newRecorder(db)
			stuck.release = make(chan struct{})
			q1, err := Start(ctx, db, Config{RunSync: stuck.RunSync, PollInterval: 50 * time.Millisecond, Logger: discard()})
			if err != nil {
				t.Fatal(err)
			}
			cancelled, err := q1.EnqueueSync(ctx, as[0].OrgID, as[0].ID, "manual")
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, 10*time.Second, "the sync to start", func() bool { return len(stuck.runsOf(as[0].ID)) == 1 })
			stopCtx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
			defer cancel()
			if err := q1.Stop(stopCtx); err != nil {
				t.Fatalf("stop with a stuck job: %v", err)
			}
			// Enqueued with no queue working.
			waiting, err := q1.EnqueueSync(ctx, as[1].OrgID, as[1].ID, "manual")
			if err != nil {
				t.Fatal(err)
			}

			rec := newRecorder(db)
			mustStart(t, db, Config{RunSync: rec.RunSync})
			waitFor(t, 10*time.Second, "both syncs after the restart", func() bool {
				return len(rec.runsOf(as[0].ID)) == 1 && len(rec.runsOf(as[1].ID)) == 1
			})
			if got := rec.runsOf(as[0].ID)[0]; got != cancelled {
				t.Errorf("cancelled sync ran again as run %d, want %d", got, cancelled)
			}
			if got := rec.runsOf(as[1].ID)[0]; got != waiting {
				t.Errorf("waiting sync ran as run %d, want %d", got, waiting)
			}
		})
	}
}
