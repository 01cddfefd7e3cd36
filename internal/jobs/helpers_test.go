package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"simplecrm/internal/crm"
	"simplecrm/internal/store"
	"simplecrm/internal/store/storetest"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// mustOpen opens a migrated database of the engine, River's tables included.
func mustOpen(t *testing.T, engine string) *store.DB {
	t.Helper()
	db := storetest.Open(t, engine)
	mustMigrate(t, db)
	return db
}

func mustMigrate(t *testing.T, db *store.DB) {
	t.Helper()
	if err := db.SetSecretKey(testKey); err != nil {
		t.Fatal(err)
	}
	if err := Migrate(context.Background(), db); err != nil {
		t.Fatalf("migrate: %v", err)
	}
}

// mustAccounts creates an organization, a user and n Google accounts of that
// user, and returns the accounts.
func mustAccounts(t *testing.T, db *store.DB, n int) []*crm.GoogleAccount {
	t.Helper()
	ctx := context.Background()
	svc := db.Services()
	org, err := svc.Users.EnsureOrganization(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	u := &crm.User{OrgID: org.ID, Email: fmt.Sprintf("ann%d@acme.example", time.Now().UnixNano()), Role: crm.RoleAdmin, PasswordHash: "x"}
	if err := svc.Users.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	var as []*crm.GoogleAccount
	for i := range n {
		a := &crm.GoogleAccount{OrgID: org.ID, UserID: u.ID, Sub: fmt.Sprintf("sub-%d", i),
			Email: fmt.Sprintf("ann%d@gmail.example", i), RefreshToken: "rt"}
		if err := svc.GoogleAccounts.SaveGoogleAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		as = append(as, a)
	}
	return as
}

// mustStart starts a queue with short intervals, stopped when the test ends.
func mustStart(t *testing.T, db *store.DB, cfg Config) *Queue {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 50 * time.Millisecond
	}
	q, err := Start(context.Background(), db, cfg)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return q
}

// syncRecorder is a RunSync that records its calls per account and the most
// calls it ever saw running at once for one account. It marks the run running,
// then succeeded, as the engine does, so that the scheduler sees when it
// started.
type syncRecorder struct {
	db      *store.DB
	hold    time.Duration // how long a sync takes
	release chan struct{} // when non-nil, a sync waits for it (or ctx)

	mu       sync.Mutex
	calls    map[int64][]int64 // account -> run ids, in call order
	running  map[int64]*atomic.Int32
	maxAtOne atomic.Int32
}

func newRecorder(db *store.DB) *syncRecorder {
	return &syncRecorder{db: db, calls: map[int64][]int64{}, running: map[int64]*atomic.Int32{}}
}

func (r *syncRecorder) RunSync(ctx context.Context, accountID, runID int64) error {
	r.mu.Lock()
	r.calls[accountID] = append(r.calls[accountID], runID)
	n := r.running[accountID]
	if n == nil {
		n = new(atomic.Int32)
		r.running[accountID] = n
	}
	r.mu.Unlock()

	now := n.Add(1)
	defer n.Add(-1)
	for {
		m := r.maxAtOne.Load()
		if now <= m || r.maxAtOne.CompareAndSwap(m, now) {
			break
		}
	}
	run, err := r.findRun(ctx, runID)
	if err != nil {
		return err
	}
	run.Status = crm.RunRunning
	if err := r.db.SaveRunProgress(ctx, run); err != nil {
		return err
	}
	if r.release != nil {
		select {
		case <-r.release:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	select {
	case <-time.After(r.hold):
	case <-ctx.Done():
		return ctx.Err()
	}
	run.Status = crm.RunSucceeded
	return r.db.SaveRunProgress(ctx, run)
}

// findRun finds a run without knowing its organization (the tests have one).
func (r *syncRecorder) findRun(ctx context.Context, runID int64) (*crm.SyncRun, error) {
	orgs, err := r.db.Services().Users.EnsureOrganization(ctx, "Acme")
	if err != nil {
		return nil, err
	}
	return r.db.Services().SyncRuns.FindSyncRun(ctx, orgs.ID, runID)
}

func (r *syncRecorder) runsOf(accountID int64) []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int64(nil), r.calls[accountID]...)
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// mustRuns returns the account's runs, newest first.
func mustRuns(t *testing.T, db *store.DB, a *crm.GoogleAccount) []*crm.SyncRun {
	t.Helper()
	runs, err := db.Services().SyncRuns.ListSyncRuns(context.Background(), a.OrgID, a.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
