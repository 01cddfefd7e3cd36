package syncmobile

import (
	"strings"
	"testing"
	"time"

	"simplecrm/internal/crm"
)

func TestEndMessage(t *testing.T) {
	start := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	end := start.Add(2500 * time.Millisecond)
	run := &crm.SyncRun{Status: crm.RunSucceeded, StartedAt: &start, FinishedAt: &end,
		Counts: crm.SyncCounts{CRMCreated: 3, GoogleUpdated: 2, Conflicts: 1, Duplicates: 4}}
	got := EndMessage(run)
	for _, want := range []string{"Sync finished in 2.5s.", "CRM: 3 created, 0 updated", "Google: 0 created, 2 updated", "1 conflicts, 4 duplicate emails"} {
		if !strings.Contains(got, want) {
			t.Errorf("end message lacks %q:\n%s", want, got)
		}
	}
	run.Status, run.Error = crm.RunFailed, "Reconnect the account."
	if got := EndMessage(run); !strings.HasPrefix(got, "Sync stopped") || !strings.HasSuffix(got, "Reconnect the account.") {
		t.Errorf("failed run message:\n%s", got)
	}
}
