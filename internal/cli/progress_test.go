package cli

import (
	"testing"

	"simplecrm/internal/crm"
)

// TestProgressLine: each line reads as the run's phase, never as a status
// with an empty phase or a lone 0 ("queued    : 0", "succeeded Done: 0").
func TestProgressLine(t *testing.T) {
	dots := "[..............................]"
	for _, c := range []struct {
		run  crm.SyncRun
		want string
	}{
		{crm.SyncRun{Status: crm.RunQueued, Phase: crm.PhaseQueued}, "Waiting to start"},
		{crm.SyncRun{Status: crm.RunQueued}, "Waiting to start"}, // a run stored without a phase
		{crm.SyncRun{Status: crm.RunRunning, Phase: "Starting"}, "Starting"},
		{crm.SyncRun{Status: crm.RunRunning, Phase: "Reading changes from Google", Done: 12}, "Reading changes from Google: 12"},
		{crm.SyncRun{Status: crm.RunRunning, Phase: "Reading changes from Google", Done: 120, Total: 400},
			"[#########.....................]  30% Reading changes from Google: 120/400"},
		{crm.SyncRun{Status: crm.RunRunning, Phase: "Sending CRM changes to Google", Total: 5},
			dots + "   0% Sending CRM changes to Google: 0/5"},
		{crm.SyncRun{Status: crm.RunSucceeded, Phase: "Done"}, "Done"},
		{crm.SyncRun{Status: crm.RunSucceeded, Phase: "Done", Done: 30, Total: 30},
			"[##############################] 100% Done: 30/30"},
		{crm.SyncRun{Status: crm.RunFailed, Phase: "Stopped", Done: 3}, "Stopped"},
	} {
		if got := progressLine(&c.run); got != c.want {
			t.Errorf("progressLine(%s %q %d/%d) = %q, want %q", c.run.Status, c.run.Phase, c.run.Done, c.run.Total, got, c.want)
		}
	}
}
