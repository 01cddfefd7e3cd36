package contactsync_test

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/crm"
	"simplecrm/internal/sample"
)

// BenchmarkInitialSync measures an initial two-way sync of N CRM contacts and
// N Google contacts (a tenth overlapping by email) against the emulator, then
// a no-op sync: wall time, API calls by method, and peak Go heap. N is 10,000
// unless SIMPLECRM_BENCH_CONTACTS says otherwise.
//
//	go test -run XXX -bench InitialSync -benchtime 1x ./internal/contactsync
func BenchmarkInitialSync(b *testing.B) {
	n := 10000
	if v := os.Getenv("SIMPLECRM_BENCH_CONTACTS"); v != "" {
		fmt.Sscan(v, &n)
	}
	for i := 0; i < b.N; i++ {
		runBench(b, n)
	}
}

func runBench(b *testing.B, n int) {
	b.StopTimer()
	f := newFixture(b, "sqlite")
	g := sample.New(42)
	companies := []string{"Acme", "Blue Bakery", "North Logistics", "Summit Dental"}
	crmEmails := make([]string, n)
	for i := 0; i < n; i++ {
		c := g.Contact(companies[i%len(companies)])
		c.OrgID, c.OwnerID = f.org.ID, f.user.ID
		if err := f.svc.Contacts.CreateContact(f.ctx, &c); err != nil {
			b.Fatal(err)
		}
		crmEmails[i] = c.PersonalEmail
	}
	var persons []*people.Person
	for i := 0; i < n; i++ {
		c := g.Contact("")
		email := c.PersonalEmail
		if i%10 == 0 { // overlaps a CRM contact by email
			email = crmEmails[i]
		}
		persons = append(persons, &people.Person{
			Names:          []*people.Name{{GivenName: c.FirstName, FamilyName: c.LastName}},
			EmailAddresses: []*people.EmailAddress{{Value: email, Type: "home"}},
			PhoneNumbers:   []*people.PhoneNumber{{Value: c.MobilePhone, Type: "mobile"}},
		})
	}
	if _, err := f.emu.SeedGroup(f.gmail, "SimpleCRM", persons...); err != nil {
		b.Fatal(err)
	}
	f.emu.ResetRequests()

	stopPeak := samplePeakHeap()
	b.StartTimer()
	start := time.Now()
	run := f.sync()
	elapsed := time.Since(start)
	b.StopTimer()
	peak := stopPeak()
	if run.Status != crm.RunSucceeded {
		b.Fatalf("initial sync %s: %s", run.Status, run.Error)
	}
	calls := f.calls()
	b.ReportMetric(elapsed.Seconds(), "initial-s")
	b.ReportMetric(float64(calls), "initial-calls")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.Logf("initial sync of %d+%d contacts: %s, %d calls %s, peak heap %.0f MiB, counts %+v",
		n, n, elapsed.Round(time.Millisecond), calls, callsByMethod(f), float64(peak)/(1<<20), run.Counts)

	f.sync() // takes in the echo of the initial sync's own writes
	f.emu.ResetRequests()
	start = time.Now()
	run = f.sync()
	elapsed = time.Since(start)
	b.ReportMetric(float64(elapsed.Milliseconds()), "noop-ms")
	b.ReportMetric(float64(f.calls()), "noop-calls")
	b.ReportMetric(float64(f.writes()), "noop-writes")
	b.Logf("no-op sync: %s, %d calls %s", elapsed.Round(time.Millisecond), f.calls(), callsByMethod(f))
}

func callsByMethod(f *fixture) string {
	var parts []string
	for method, byStatus := range f.emu.RequestCounts() {
		n := 0
		for _, c := range byStatus {
			n += c
		}
		parts = append(parts, fmt.Sprintf("%s=%d", method, n))
	}
	sort.Strings(parts)
	return "[" + strings.Join(parts, " ") + "]"
}

// samplePeakHeap samples the Go heap every 10 ms until the returned function
// is called, which returns the peak seen.
func samplePeakHeap() func() uint64 {
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var max uint64
		var ms runtime.MemStats
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > max {
				max = ms.HeapInuse
			}
			select {
			case <-done:
				peak <- max
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 { close(done); return <-peak }
}
