package jobs

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"simplecrm/internal/crm"
)

// On SQLite River shares the store's single write connection. Under load —
// syncs of many accounts writing contacts while users write too — nothing
// fails with "database is locked", and a user's write waits a bounded time.
func TestSQLiteUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	db := mustOpen(t, "sqlite")
	ctx := context.Background()
	accounts := mustAccounts(t, db, 20)
	org, owner := accounts[0].OrgID, accounts[0].UserID
	const perSync = 50
	var mu sync.Mutex
	var syncErrs []error
	done := make(chan int64, len(accounts))
	q := mustStart(t, db, Config{Workers: 8, RunSync: func(ctx context.Context, accountID, runID int64) error {
		for i := range perSync {
			c := &crm.Contact{OrgID: org, OwnerID: owner, LastName: fmt.Sprintf("Sync %d-%d", accountID, i)}
			if err := db.CreateContact(ctx, c); err != nil {
				mu.Lock()
				syncErrs = append(syncErrs, err)
				mu.Unlock()
				return nil
			}
		}
		done <- accountID
		return nil
	}})

	userWrite := func() time.Duration {
		start := time.Now()
		if err := db.CreateContact(ctx, &crm.Contact{OrgID: org, OwnerID: owner, LastName: "User"}); err != nil {
			t.Error(err)
		}
		return time.Since(start)
	}
	var idle []time.Duration
	for range 50 {
		idle = append(idle, userWrite())
	}

	start := time.Now()
	for _, a := range accounts {
		if _, err := q.EnqueueSync(ctx, a.OrgID, a.ID, "manual"); err != nil {
			t.Fatal(err)
		}
	}
	var busy []time.Duration
	var wg sync.WaitGroup
	var bmu sync.Mutex
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				d := userWrite()
				bmu.Lock()
				busy = append(busy, d)
				bmu.Unlock()
			}
		})
	}
	for range accounts {
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("syncs did not finish in 30 s")
		}
	}
	close(stop)
	wg.Wait()
	elapsed := time.Since(start)
	if len(syncErrs) > 0 {
		t.Fatalf("%d sync writes failed, first: %v", len(syncErrs), syncErrs[0])
	}
	slices.Sort(idle)
	slices.Sort(busy)
	p := func(ds []time.Duration, f float64) time.Duration { return ds[int(float64(len(ds)-1)*f)] }
	t.Logf("%d syncs x %d contacts in %s; user writes idle p50 %s p99 %s; during syncs (%d) p50 %s p99 %s max %s",
		len(accounts), perSync, elapsed.Round(time.Millisecond), p(idle, .5), p(idle, .99),
		len(busy), p(busy, .5), p(busy, .99), busy[len(busy)-1])
	if worst := busy[len(busy)-1]; worst > 2*time.Second {
		t.Errorf("a user write waited %s behind the queue", worst)
	}
}
