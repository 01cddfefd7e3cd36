package store_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"simplecrm/internal/crm"
	"simplecrm/internal/store"
)

func mustRun(t testing.TB, db *store.DB, orgID, accountID int64) *crm.SyncRun {
	t.Helper()
	run := &crm.SyncRun{OrgID: orgID, AccountID: accountID, Trigger: "manual"}
	if err := db.CreateSyncRun(ctx, run); err != nil {
		t.Fatalf("CreateSyncRun: %v", err)
	}
	return run
}

func mustSaveRun(t testing.TB, db *store.DB, run *crm.SyncRun) {
	t.Helper()
	if err := db.SaveRunProgress(ctx, run); err != nil {
		t.Fatalf("SaveRunProgress(%s): %v", run.Status, err)
	}
}

func TestSyncRuns(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		mustKey(t, e.db, testKey)
		now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		store.SetClock(e.db, func() time.Time { return now })
		a := mustAccount(t, e.db, e.org.ID, e.user.ID, "111")

		run := mustRun(t, e.db, e.org.ID, a.ID)
		if run.ID == 0 || run.Status != crm.RunQueued || run.Phase != crm.PhaseQueued || !run.CreatedAt.Equal(now) || run.StartedAt != nil || run.FinishedAt != nil {
			t.Fatalf("new run: %+v", run)
		}
		// Running: started once, progress stored, the account's last run.
		now = now.Add(time.Second)
		run.Status, run.Phase, run.Done, run.Total = crm.RunRunning, "pull", 5, 10
		mustSaveRun(t, e.db, run)
		if run.StartedAt == nil || !run.StartedAt.Equal(now) || run.FinishedAt != nil {
			t.Fatalf("running: %+v", run)
		}
		started := *run.StartedAt
		now = now.Add(time.Second)
		run.Done = 10
		mustSaveRun(t, e.db, run)
		if !run.StartedAt.Equal(started) || run.Done != 10 {
			t.Fatalf("progress moved started_at or lost done: %+v", run)
		}
		if got := mustFindAccount(t, e.db, e.org.ID, a.ID); got.LastRunID != run.ID || got.LastError != "" {
			t.Fatalf("account after a running run: %+v", got)
		}
		// Failed: finished, counts and error kept, the account's last error.
		now = now.Add(time.Second)
		run.Status, run.Error = crm.RunFailed, "Google is unavailable; the next run resumes."
		run.Counts = crm.SyncCounts{CRMCreated: 1, CRMUpdated: 2, CRMDeleted: 3, GoogleCreated: 4, GoogleUpdated: 5,
			GoogleDeleted: 6, Conflicts: 7, Duplicates: 8, Skipped: 9, Errors: 10}
		mustSaveRun(t, e.db, run)
		if run.FinishedAt == nil || !run.FinishedAt.Equal(now) {
			t.Fatalf("failed run not finished: %+v", run)
		}
		got, err := e.db.FindSyncRun(ctx, e.org.ID, run.ID)
		if err != nil || !reflect.DeepEqual(got, run) {
			t.Fatalf("FindSyncRun\n%+v, %v\nwant\n%+v", got, err, run)
		}
		if acc := mustFindAccount(t, e.db, e.org.ID, a.ID); acc.LastError != run.Error {
			t.Fatalf("account last error %q", acc.LastError)
		}

		// A succeeding run clears the account's last error.
		run2 := mustRun(t, e.db, e.org.ID, a.ID)
		run2.Status = crm.RunSucceeded
		mustSaveRun(t, e.db, run2)
		if run2.StartedAt == nil || run2.FinishedAt == nil {
			t.Fatalf("a run straight to succeeded: %+v", run2)
		}
		if acc := mustFindAccount(t, e.db, e.org.ID, a.ID); acc.LastRunID != run2.ID || acc.LastError != "" {
			t.Fatalf("account after success: %+v", acc)
		}
		b := mustAccount(t, e.db, e.org.ID, e.user.ID, "222")
		run3 := mustRun(t, e.db, e.org.ID, b.ID)

		for _, tc := range []struct {
			account int64
			limit   int
			want    []int64
		}{
			{a.ID, 0, []int64{run2.ID, run.ID}},
			{a.ID, 1, []int64{run2.ID}},
			{b.ID, 0, []int64{run3.ID}},
			{0, 0, []int64{run3.ID, run2.ID, run.ID}},
		} {
			runs, err := e.db.ListSyncRuns(ctx, e.org.ID, tc.account, tc.limit)
			var ids []int64
			for _, r := range runs {
				ids = append(ids, r.ID)
			}
			if err != nil || !reflect.DeepEqual(ids, tc.want) {
				t.Fatalf("ListSyncRuns(account %d, limit %d) = %v, %v; want %v", tc.account, tc.limit, ids, err, tc.want)
			}
		}

		// Another organization sees none of it.
		_, err = e.db.FindSyncRun(ctx, e.other.ID, run.ID)
		wantCode(t, err, crm.ENOTFOUND)
		_, err = e.db.ListSyncRuns(ctx, e.other.ID, a.ID, 0)
		wantCode(t, err, crm.ENOTFOUND)
		if runs, err := e.db.ListSyncRuns(ctx, e.other.ID, 0, 0); err != nil || len(runs) != 0 {
			t.Fatalf("another organization's runs: %d, %v", len(runs), err)
		}
		wantCode(t, e.db.CreateSyncRun(ctx, &crm.SyncRun{OrgID: e.other.ID, AccountID: a.ID}), crm.ENOTFOUND)
		wantCode(t, e.db.SaveRunProgress(ctx, &crm.SyncRun{ID: 99999, Status: crm.RunRunning}), crm.ENOTFOUND)
	})
}

func TestSyncEvents(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		mustKey(t, e.db, testKey)
		a := mustAccount(t, e.db, e.org.ID, e.user.ID, "111")
		run := mustRun(t, e.db, e.org.ID, a.ID)
		other := mustRun(t, e.db, e.org.ID, a.ID)

		// More than one multi-row insert's worth, in order.
		var events []crm.SyncEvent
		for i := range 1200 {
			events = append(events, crm.SyncEvent{Kind: crm.EventConflict, ContactID: int64(i), Message: fmt.Sprint("event ", i)})
		}
		// Stored to the microsecond, like every other timestamp.
		at := time.Date(2026, 1, 2, 3, 4, 5, 6789, time.UTC)
		events[0].Kind, events[0].CreatedAt = crm.EventDuplicateEmail, at
		if err := e.db.AddEvents(ctx, run.ID, events[:700]); err != nil {
			t.Fatalf("AddEvents: %v", err)
		}
		if err := e.db.AddEvents(ctx, other.ID, []crm.SyncEvent{{Kind: crm.EventError, Message: "other run"}}); err != nil {
			t.Fatal(err)
		}
		if err := e.db.AddEvents(ctx, run.ID, events[700:]); err != nil {
			t.Fatal(err)
		}
		if err := e.db.AddEvents(ctx, run.ID, nil); err != nil {
			t.Fatalf("no events: %v", err)
		}
		got, err := e.db.ListSyncEvents(ctx, run.ID, 0)
		if err != nil || len(got) != 1200 {
			t.Fatalf("ListSyncEvents: %d, %v", len(got), err)
		}
		for i, ev := range got {
			if ev.RunID != run.ID || ev.ContactID != int64(i) || ev.Message != fmt.Sprint("event ", i) || ev.CreatedAt.IsZero() ||
				(i > 0 && ev.ID <= got[i-1].ID) {
				t.Fatalf("event %d: %+v", i, ev)
			}
		}
		if got[0].Kind != crm.EventDuplicateEmail || !got[0].CreatedAt.Equal(at.Truncate(time.Microsecond)) {
			t.Fatalf("first event: %+v", got[0])
		}
		if first, _ := e.db.ListSyncEvents(ctx, run.ID, 3); len(first) != 3 || first[2].ContactID != 2 {
			t.Fatalf("limit 3: %+v", first)
		}
		wantCode(t, e.db.AddEvents(ctx, 99999, events[:1]), crm.ENOTFOUND)
	})
}
