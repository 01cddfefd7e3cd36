package syncmobile

import (
	"fmt"
	"strings"
	"time"

	"simplecrm/internal/crm"
)

// EndMessage is the message a finished run ends with (the seed's "end
// message", with figures): what changed on each side, what needs a look, and
// how long it took.
func EndMessage(run *crm.SyncRun) string {
	c := run.Counts
	var b strings.Builder
	switch run.Status {
	case crm.RunSucceeded:
		b.WriteString("Sync finished")
	case crm.RunFailed:
		b.WriteString("Sync stopped")
	default:
		b.WriteString("Sync " + run.Status)
	}
	if run.StartedAt != nil && run.FinishedAt != nil {
		d := run.FinishedAt.Sub(*run.StartedAt)
		if d < time.Second {
			d = d.Round(time.Millisecond)
		} else {
			d = d.Round(100 * time.Millisecond)
		}
		fmt.Fprintf(&b, " in %s", d)
	}
	b.WriteString(".\n")
	fmt.Fprintf(&b, "CRM: %d created, %d updated, %d moved to the trash.\n", c.CRMCreated, c.CRMUpdated, c.CRMDeleted)
	fmt.Fprintf(&b, "Google: %d created, %d updated, %d deleted or removed from the group.\n", c.GoogleCreated, c.GoogleUpdated, c.GoogleDeleted)
	fmt.Fprintf(&b, "%d conflicts, %d duplicate emails, %d skipped, %d errors.", c.Conflicts, c.Duplicates, c.Skipped, c.Errors)
	if run.Error != "" {
		b.WriteString("\n" + run.Error)
	}
	return b.String()
}

// Finished reports whether a run has ended.
func Finished(run *crm.SyncRun) bool {
	return run.Status == crm.RunSucceeded || run.Status == crm.RunFailed
}
