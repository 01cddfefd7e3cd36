package jobs

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"simplecrm/internal/crm"
	"simplecrm/internal/pgtest"
	"simplecrm/internal/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// mustTwoInstances opens two *store.DB on one new PostgreSQL database and
// migrates both at once, as two instances starting together would.
func mustTwoInstances(t *testing.T) (*store.DB, *store.DB) {
	t.Helper()
	dsn := pgtest.Start(t)
	ctx := context.Background()
	dbs := make([]*store.DB, 2)
	for i := range dbs {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	if err := dbs[0].Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, db := range dbs {
		if err := db.SetSecretKey(testKey); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { errs[i] = Migrate(ctx, db) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent migrate: %v", err)
		}
	}
	return dbs[0], dbs[1]
}

// Two instances enqueueing syncs of the same accounts as fast as they can
// never run one account's sync twice at once, and leave no run behind: every
// run created is run exactly once.
func TestTwoInstancesOneSyncPerAccount(t *testing.T) {
	db1, db2 := mustTwoInstances(t)
	accounts := mustAccounts(t, db1, 2)
	rec := newRecorder(db1)
	rec.hold = 30 * time.Millisecond
	qs := []*Queue{
		mustStart(t, db1, Config{RunSync: rec.RunSync}),
		mustStart(t, db2, Config{RunSync: rec.RunSync}),
	}

	ctx := context.Background()
	stop := time.Now().Add(2 * time.Second)
	var wg sync.WaitGroup
	for _, q := range qs {
		for _, a := range accounts {
			wg.Go(func() {
				for time.Now().Before(stop) {
					if _, err := q.EnqueueSync(ctx, a.OrgID, a.ID, "manual"); err != nil {
						t.Error(err)
						return
					}
					time.Sleep(5 * time.Millisecond)
				}
			})
		}
	}
	wg.Wait()
	for _, a := range accounts {
		waitIdle(t, qs[0], a)
		runs := mustRuns(t, db1, a)
		var stored []int64
		for _, r := range runs {
			if r.Status != crm.RunSucceeded {
				t.Errorf("run %d of account %d is %s, want succeeded", r.ID, a.ID, r.Status)
			}
			stored = append(stored, r.ID)
		}
		ran := rec.runsOf(a.ID)
		slices.Sort(stored)
		if !slices.Equal(ran, stored) {
			t.Errorf("account %d: RunSync ran %v, stored runs %v", a.ID, ran, stored)
		}
		if len(ran) < 3 {
			t.Errorf("account %d: only %d syncs in 2 s", a.ID, len(ran))
		}
	}
	if m := rec.maxAtOne.Load(); m != 1 {
		t.Fatalf("%d syncs of one account ran at once", m)
	}
}

// With two instances, the periodic sync of an account fires once per period
// (the leader alone schedules), an account with automatic sync off or needing
// a reconnect is left alone. (The store accepts no per-account period under a
// minute; TestDue covers the override.)
func TestTwoInstancesPeriodicSync(t *testing.T) {
	db1, db2 := mustTwoInstances(t)
	ctx := context.Background()
	as := mustAccounts(t, db1, 3)
	dflt, off, reconnect := as[0], as[1], as[2]
	setInterval(t, db1, off, 0)
	if err := db1.MarkGoogleAccountReconnect(ctx, reconnect.ID, true, "revoked"); err != nil {
		t.Fatal(err)
	}

	const period = time.Second
	rec := newRecorder(db1)
	rec.hold = 50 * time.Millisecond
	cfg := Config{RunSync: rec.RunSync, SyncInterval: period, ScheduleEvery: 100 * time.Millisecond}
	start := time.Now()
	qs := []*Queue{mustStart(t, db1, cfg), mustStart(t, db2, cfg)}
	// The leader starts its periodic enqueuer after River's staggered
	// maintenance start-up (a few seconds); count from the first sync.
	waitFor(t, 10*time.Second, "the first periodic sync", func() bool { return len(rec.runsOf(dflt.ID)) > 0 })
	first := time.Now()
	time.Sleep(3200 * time.Millisecond)
	for _, q := range qs {
		if err := q.Stop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	window, elapsed := time.Since(first), time.Since(start)

	maxRuns := int(window/period) + 1
	if n := len(rec.runsOf(dflt.ID)); n < 3 || n > maxRuns {
		t.Errorf("default period %s: %d syncs in %s, want 3..%d", period, n, window, maxRuns)
	}
	if n := len(rec.runsOf(off.ID)); n != 0 {
		t.Errorf("automatic sync off: %d syncs", n)
	}
	if n := len(rec.runsOf(reconnect.ID)); n != 0 {
		t.Errorf("reconnect needed: %d syncs", n)
	}
	for _, r := range mustRuns(t, db1, dflt) {
		if r.Trigger != "periodic" {
			t.Errorf("run %d trigger %q, want periodic", r.ID, r.Trigger)
		}
	}
	// One schedule pass per ScheduleEvery across both instances, not two.
	res, err := qs[0].client.JobList(ctx, river.NewJobListParams().
		Kinds(scheduleArgs{}.Kind()).States(rivertype.JobStateCompleted).First(10000))
	if err != nil {
		t.Fatal(err)
	}
	if n, most := len(res.Jobs), int(elapsed/cfg.ScheduleEvery)+2; n > most {
		t.Errorf("%d schedule passes in %s, want at most %d", n, elapsed, most)
	}
	if m := rec.maxAtOne.Load(); m != 1 {
		t.Fatalf("%d syncs of one account ran at once", m)
	}
}

func setInterval(t *testing.T, db *store.DB, a *crm.GoogleAccount, d time.Duration) {
	t.Helper()
	a.SyncInterval = &d
	if err := db.UpdateGoogleAccountSettings(context.Background(), a); err != nil {
		t.Fatal(err)
	}
}
