package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The bench itself runs only through "simplecrm bench"; these tests check
// its report and the file it writes.

func fakeReport(sizes ...int) *Report {
	r := &Report{Latency: 100 * time.Millisecond, Machine: "2 cores", Date: time.Now()}
	for _, n := range sizes {
		f := func(calls int, wall time.Duration) *syncFigures {
			return &syncFigures{Wall: wall, Calls: calls, ByMethod: map[string]int{"people.connections.list": calls}}
		}
		s := &sizeReport{N: n, Initial: f(n/300+2, time.Duration(n)*time.Millisecond), Latency: f(n/300+2, time.Second),
			NoOp: f(2, 5*time.Millisecond), Incremental: map[int]*syncFigures{100: f(4, 50*time.Millisecond)},
			Store: map[string]*storeFigures{"SQLite": {Search: latency{P95: 3 * time.Millisecond}}}}
		s.Initial.Counts.CRMCreated, s.Initial.Counts.GoogleCreated = n, n
		s.Initial.PeakRSS = int64(40000 + n/10)
		r.Sizes = append(r.Sizes, s)
	}
	return r
}

func TestMarkdownRatiosAndTargets(t *testing.T) {
	md := fakeReport(1000, 10000).Markdown()
	for _, want := range []string{"| figure | 1k | 10k | × (10k/1k) |", "| initial sync: wall time | 1.0 s | 10.0 s | ×10.0 |",
		"| no-op sync: API calls | 2 | 2 | ×1.0 |", "| initial sync of 10k+10k under 30 s | 10.0 s | yes |",
		"| incremental sync of 100 changes: at most 6 calls | 4 calls (10k) | yes |", "not measured in this run"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

func TestWriteDocReplacesOnlyItsSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "benchmarks.md")
	before, after := "# Benchmarks\n\nA colleague's section.\n\n", "\n\n## Appended later\n\nMore.\n"
	if err := os.WriteFile(path, []byte(before+BeginMarker+"\nold\n"+EndMarker+after), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := fakeReport(1000).WriteDoc(path); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(path)
	s := string(b)
	if !strings.HasPrefix(s, before+BeginMarker) || !strings.HasSuffix(s, EndMarker+after) || strings.Contains(s, "old") ||
		strings.Count(s, BeginMarker) != 1 || !strings.Contains(s, "initial sync: wall time") {
		t.Fatalf("file after two runs:\n%s", s)
	}
}

func TestVmHWM(t *testing.T) {
	kb, err := vmHWM("/proc/self/status")
	if err != nil {
		t.Skip(err) // not Linux
	}
	if kb < 1000 {
		t.Fatalf("VmHWM = %d kB", kb)
	}
}
