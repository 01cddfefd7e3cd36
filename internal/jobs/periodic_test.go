package jobs

import (
	"context"
	"testing"
	"time"

	"simplecrm/internal/crm"
	"simplecrm/internal/store/storetest"
)

// due decides from the account's period (its own, else the default), its
// reconnect state and when its last run started.
func TestDue(t *testing.T) {
	db := mustOpen(t, "sqlite")
	ctx := context.Background()
	as := mustAccounts(t, db, 2)
	never, synced := as[0], as[1]
	run := &crm.SyncRun{OrgID: synced.OrgID, AccountID: synced.ID}
	if err := db.Services().SyncRuns.CreateSyncRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	run.Status = crm.RunSucceeded
	if err := db.SaveRunProgress(ctx, run); err != nil {
		t.Fatal(err)
	}
	synced, err := db.Services().GoogleAccounts.FindGoogleAccount(ctx, synced.OrgID, synced.ID)
	if err != nil {
		t.Fatal(err)
	}
	if synced.LastRunID != run.ID {
		t.Fatalf("LastRunID = %d, want %d", synced.LastRunID, run.ID)
	}
	started := *run.StartedAt

	dur := func(d time.Duration) *time.Duration { return &d }
	for _, tc := range []struct {
		name      string
		account   *crm.GoogleAccount
		dflt      time.Duration
		own       *time.Duration
		reconnect bool
		since     time.Duration // now - last run's start
		want      bool
	}{
		{name: "never synced", account: never, dflt: 15 * time.Minute, want: true},
		{name: "never synced, off", account: never, dflt: 0},
		{name: "within the default period", account: synced, dflt: 15 * time.Minute, since: 14 * time.Minute},
		{name: "default period over", account: synced, dflt: 15 * time.Minute, since: 15 * time.Minute, want: true},
		{name: "own period longer", account: synced, dflt: 15 * time.Minute, own: dur(time.Hour), since: 30 * time.Minute},
		{name: "own period shorter", account: synced, dflt: 15 * time.Minute, own: dur(5 * time.Minute), since: 6 * time.Minute, want: true},
		{name: "own period off", account: synced, dflt: 15 * time.Minute, own: dur(0), since: 24 * time.Hour},
		{name: "own period on, default off", account: synced, dflt: 0, own: dur(time.Minute), since: 2 * time.Minute, want: true},
		{name: "reconnect needed", account: synced, dflt: 15 * time.Minute, reconnect: true, since: 24 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := started.Add(tc.since)
			q := &Queue{db: db, cfg: Config{SyncInterval: tc.dflt, Now: func() time.Time { return now }}}
			a := *tc.account
			a.SyncInterval, a.ReconnectNeeded = tc.own, tc.reconnect
			got, err := q.due(ctx, &a)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("due = %v, want %v", got, tc.want)
			}
		})
	}
}

// The purge job, run by the leader at start and then every PurgeEvery,
// deletes what has been in the trash longer than the retention period and
// nothing else.
func TestPurgeJob(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			db := mustOpen(t, engine)
			ctx := context.Background()
			svc := db.Services()
			a := mustAccounts(t, db, 0+1)[0]
			var ids []int64
			for _, name := range []string{"Trashed", "Kept"} {
				c := &crm.Contact{OrgID: a.OrgID, OwnerID: a.UserID, LastName: name}
				if err := svc.Contacts.CreateContact(ctx, c); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, c.ID)
			}
			if err := svc.Contacts.TrashContact(ctx, a.OrgID, ids[0]); err != nil {
				t.Fatal(err)
			}
			noSync := func(context.Context, int64, int64) error { return nil }

			// Trashed just now: today's purge keeps it.
			q := &Queue{db: db, log: discard(), cfg: Config{Now: time.Now}}
			if err := q.purgeTrash(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Contacts.FindContact(ctx, a.OrgID, ids[0]); err != nil {
				t.Fatalf("contact trashed today was purged: %v", err)
			}
			// A queue started 31 days later purges it; the live contact stays.
			later := time.Now().Add(crm.TrashRetention + 24*time.Hour)
			mustStart(t, db, Config{RunSync: noSync, Now: func() time.Time { return later }})
			waitFor(t, 10*time.Second, "the purge", func() bool {
				_, err := svc.Contacts.FindContact(ctx, a.OrgID, ids[0])
				return crm.ErrorCode(err) == crm.ENOTFOUND
			})
			if _, err := svc.Contacts.FindContact(ctx, a.OrgID, ids[1]); err != nil {
				t.Fatalf("live contact lost: %v", err)
			}
		})
	}
}
