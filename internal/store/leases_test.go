package store_test

import (
	"testing"
	"time"
)

func TestSyncLeases(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		mustKey(t, e.db, testKey)
		a := mustAccount(t, e.db, e.org.ID, e.user.ID, "111")
		b := mustAccount(t, e.db, e.org.ID, e.user.ID, "222")
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
		check := func(what string, got bool, err error, want bool) {
			t.Helper()
			if err != nil || got != want {
				t.Fatalf("%s = %v, %v; want %v", what, got, err, want)
			}
		}

		ok, err := e.db.AcquireSyncLease(ctx, a.ID, "one", at(30), at(0))
		check("first acquire", ok, err, true)
		ok, err = e.db.SyncLeaseLive(ctx, a.ID, at(10))
		check("live while held", ok, err, true)
		ok, err = e.db.AcquireSyncLease(ctx, a.ID, "two", at(40), at(10))
		check("acquire of a live lease", ok, err, false)
		ok, err = e.db.AcquireSyncLease(ctx, b.ID, "two", at(40), at(10))
		check("acquire of another account's lease", ok, err, true)
		ok, err = e.db.RenewSyncLease(ctx, a.ID, "one", at(60))
		check("renew by the holder", ok, err, true)
		ok, err = e.db.AcquireSyncLease(ctx, a.ID, "two", at(70), at(40))
		check("acquire before the renewed expiry", ok, err, false)

		// The holder died: its lease expires and another takes it over.
		ok, err = e.db.SyncLeaseLive(ctx, a.ID, at(61))
		check("live after expiry", ok, err, false)
		ok, err = e.db.AcquireSyncLease(ctx, a.ID, "two", at(90), at(61))
		check("acquire of an expired lease", ok, err, true)
		ok, err = e.db.RenewSyncLease(ctx, a.ID, "one", at(100))
		check("renew by the former holder", ok, err, false)
		if err := e.db.ReleaseSyncLease(ctx, a.ID, "one"); err != nil {
			t.Fatal(err)
		}
		ok, err = e.db.SyncLeaseLive(ctx, a.ID, at(62))
		check("live after a release by the former holder", ok, err, true)
		if err := e.db.ReleaseSyncLease(ctx, a.ID, "two"); err != nil {
			t.Fatal(err)
		}
		ok, err = e.db.SyncLeaseLive(ctx, a.ID, at(62))
		check("live after the release", ok, err, false)
		ok, err = e.db.AcquireSyncLease(ctx, a.ID, "three", at(90), at(62))
		check("acquire after a release", ok, err, true)
	})
}
