package contactsync_test

import (
	"testing"

	"simplecrm/internal/crm"
)

// runProgress runs a sync and returns every (Done, Total) it reported.
func (f *fixture) runProgress() (*crm.SyncRun, [][2]int) {
	f.t.Helper()
	var seen [][2]int
	run := f.runOnce(f.acct, nil, func(r *crm.SyncRun) {
		seen = append(seen, [2]int{r.Done, r.Total})
	})
	if run.Status != crm.RunSucceeded {
		f.t.Fatalf("run %s %q", run.Status, run.Error)
	}
	return run, seen
}

// checkProgress: the bar is monotonic, never past 100%, reaches 100% only at
// the end, and its total is fixed once known.
func checkProgress(t *testing.T, seen [][2]int, wantTotal int) {
	t.Helper()
	total, last := 0, -1.0
	for i, s := range seen {
		done, tot := s[0], s[1]
		if tot == 0 {
			continue
		}
		if total != 0 && tot != total {
			t.Fatalf("step %d: total changed from %d to %d", i, total, tot)
		}
		total = tot
		pct := float64(done) / float64(tot)
		if pct > 1 || pct < last {
			t.Fatalf("step %d: %d/%d after %.3f", i, done, tot, last)
		}
		if pct == 1 && i != len(seen)-1 {
			t.Fatalf("step %d of %d: 100%% before the end", i, len(seen))
		}
		last = pct
	}
	if total != wantTotal || last != 1 {
		t.Fatalf("total %d (want %d), ended at %.3f (want 1)", total, wantTotal, last)
	}
}

// Progress counts both sides: an initial sync of 250 CRM and 1100 Google
// contacts (two listing pages, two push batches) is 1350 contacts, and an
// incremental run shows a bar too.
func TestProgressCountsBothSides(t *testing.T) {
	f := newFixture(t, "sqlite")
	for i := range 250 {
		f.crmContact(crm.Contact{FirstName: "C", LastName: itoa(int64(i)), PersonalEmail: "c" + itoa(int64(i)) + "@example.org"})
	}
	for i := range 1100 {
		f.googleContact(person("G", itoa(int64(i)), "g"+itoa(int64(i))+"@example.org"))
	}
	_, seen := f.runProgress()
	checkProgress(t, seen, 1350)
	halfway := false
	for _, s := range seen {
		halfway = halfway || s[1] > 0 && s[0]*2 >= s[1] && s[0] < s[1]
	}
	if !halfway {
		t.Errorf("no step between half and all: %v", seen)
	}

	// Incremental: 3 CRM edits; Google lists the 250 contacts we created
	// (our own writes come back once) and nothing else.
	for _, c := range f.live()[:3] {
		c.LastName += " edited"
		if err := f.svc.Contacts.UpdateContact(f.ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	_, seen = f.runProgress()
	if len(seen) == 0 || seen[len(seen)-1][1] == 0 {
		t.Fatalf("incremental run without a total: %v", seen)
	}
	checkProgress(t, seen, seen[len(seen)-1][1])
}
