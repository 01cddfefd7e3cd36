package bench

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Markers around the generated part of docs/benchmarks.md.
const (
	BeginMarker = "<!-- simplecrm bench: begin (generated, replaced on each run) -->"
	EndMarker   = "<!-- simplecrm bench: end -->"
)

// Markdown renders the report: one column per size, each followed by its
// ratio to the previous size, then the targets of issue 8.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Run of %s on %s; %s in all.\n\n", r.Date.Format("2 January 2006 15:04 MST"), r.Machine,
		r.Elapsed.Round(time.Second))
	head := []string{"figure"}
	align := []string{"---"}
	for i, s := range r.Sizes {
		head = append(head, sizeName(s.N))
		align = append(align, "---:")
		if i > 0 {
			head = append(head, fmt.Sprintf("× (%s/%s)", sizeName(s.N), sizeName(r.Sizes[i-1].N)))
			align = append(align, "---:")
		}
	}
	table := func(title string, rows []row) {
		fmt.Fprintf(&b, "%s\n\n| %s |\n|%s|\n", title, strings.Join(head, " | "), strings.Join(align, "|"))
		for _, rw := range rows {
			cells := []string{rw.name}
			for i, s := range r.Sizes {
				v, ok := rw.value(s)
				cells = append(cells, cell(v, ok, rw.unit))
				if i > 0 {
					prev, pok := rw.value(r.Sizes[i-1])
					cells = append(cells, ratio(prev, pok, v, ok))
				}
			}
			fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
		}
		b.WriteString("\n")
	}
	table("**Sync Mobile** (N CRM + N Google contacts, one in ten sharing an email; SQLite; emulator on loopback; each sync in a child process)", r.syncRows())
	table("**CRM store** (in process; first page of a search, one page of the listing by cursor)", r.storeRows())
	table("**REST API** (`simplecrm serve` on loopback, SQLite, 3 s per round; requests per second, p95 latency)", r.apiRows())
	if r.Postgres != "" {
		fmt.Fprintf(&b, "PostgreSQL not measured: %s.\n\n", r.Postgres)
	}
	b.WriteString("**Targets** (issue 8)\n\n| target | measured | met |\n|---|---|---|\n")
	for _, t := range r.targets() {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", t.name, t.measured, t.verdict)
	}
	return b.String()
}

// row is one figure across sizes; value reports false when not measured.
type row struct {
	name  string
	unit  string // "dur", "n", "MB", "x", "rps"
	value func(s *sizeReport) (float64, bool)
}

func syncRow(name, unit string, f func(s *sizeReport) *syncFigures, v func(*syncFigures) float64) row {
	return row{name, unit, func(s *sizeReport) (float64, bool) {
		if fig := f(s); fig != nil {
			return v(fig), true
		}
		return 0, false
	}}
}

func wall(f *syncFigures) float64   { return f.Wall.Seconds() }
func calls(f *syncFigures) float64  { return float64(f.Calls) }
func writes(f *syncFigures) float64 { return float64(f.Writes) }

func moved(f *syncFigures) int {
	c := f.Counts
	return c.CRMCreated + c.CRMUpdated + c.GoogleCreated + c.GoogleUpdated
}

func (r *Report) syncRows() []row {
	initial := func(s *sizeReport) *syncFigures { return s.Initial }
	latency := func(s *sizeReport) *syncFigures { return s.Latency }
	noop := func(s *sizeReport) *syncFigures { return s.NoOp }
	rows := []row{
		syncRow("initial sync: wall time", "dur", initial, wall),
		syncRow("initial sync: of which answering in the emulator", "dur", initial, func(f *syncFigures) float64 { return f.InEmu.Seconds() }),
		syncRow("initial sync: contacts moved (created + updated, both sides)", "n", initial, func(f *syncFigures) float64 { return float64(moved(f)) }),
		syncRow("initial sync: API calls", "n", initial, calls),
		syncRow("initial sync: contacts moved per call", "n", initial, func(f *syncFigures) float64 { return float64(moved(f)) / float64(max(f.Calls, 1)) }),
		syncRow("initial sync: write calls", "n", initial, writes),
	}
	var methods []string
	for _, s := range r.Sizes {
		for m := range s.Initial.ByMethod {
			if !slices.Contains(methods, m) {
				methods = append(methods, m)
			}
		}
	}
	slices.Sort(methods)
	for _, m := range methods {
		rows = append(rows, syncRow("initial sync: `"+m+"`", "n", initial, func(f *syncFigures) float64 { return float64(f.ByMethod[m]) }))
	}
	rows = append(rows,
		syncRow("initial sync: peak RSS of the process", "MB", initial, func(f *syncFigures) float64 { return float64(f.PeakRSS) / 1024 }),
		syncRow(fmt.Sprintf("initial sync, %v per call: wall time", r.Latency), "dur", latency, wall),
		syncRow(fmt.Sprintf("initial sync, %v per call: API calls", r.Latency), "n", latency, calls),
		syncRow("no-op sync: wall time", "dur", noop, wall),
		syncRow("no-op sync: of which answering in the emulator", "dur", noop, func(f *syncFigures) float64 { return f.InEmu.Seconds() }),
		syncRow("no-op sync: API calls", "n", noop, calls),
		syncRow("no-op sync: write calls", "n", noop, writes),
	)
	for _, k := range incrementalChanges {
		inc := func(s *sizeReport) *syncFigures { return s.Incremental[k] }
		rows = append(rows,
			syncRow(fmt.Sprintf("incremental sync, %d change(s): wall time", k), "dur", inc, wall),
			syncRow(fmt.Sprintf("incremental sync, %d change(s): API calls", k), "n", inc, calls),
			syncRow(fmt.Sprintf("incremental sync, %d change(s): write calls", k), "n", inc, writes))
	}
	return rows
}

func (r *Report) storeRows() []row {
	var rows []row
	for _, engine := range []string{"SQLite", "PostgreSQL"} {
		for _, kind := range []string{"search", "list page"} {
			for _, p := range []string{"p50", "p95", "p99"} {
				rows = append(rows, row{fmt.Sprintf("%s: %s %s", engine, kind, p), "dur", func(s *sizeReport) (float64, bool) {
					f := s.Store[engine]
					if f == nil {
						return 0, false
					}
					l := f.Search
					if kind == "list page" {
						l = f.List
					}
					return map[string]time.Duration{"p50": l.P50, "p95": l.P95, "p99": l.P99}[p].Seconds(), true
				}})
			}
		}
	}
	return rows
}

func (r *Report) apiRows() []row {
	var rows []row
	for _, op := range []string{"create", "update"} {
		for _, clients := range []int{1, 8} {
			find := func(s *sizeReport) *apiFigures {
				for i := range s.API {
					if s.API[i].Op == op && s.API[i].Clients == clients {
						return &s.API[i]
					}
				}
				return nil
			}
			name := fmt.Sprintf("contact %s, %d client(s)", op, clients)
			rows = append(rows,
				row{name + ": requests/s", "rps", func(s *sizeReport) (float64, bool) {
					if f := find(s); f != nil {
						return f.PerSec, true
					}
					return 0, false
				}},
				row{name + ": p95", "dur", func(s *sizeReport) (float64, bool) {
					if f := find(s); f != nil {
						return f.Latency.P95.Seconds(), true
					}
					return 0, false
				}})
		}
	}
	return rows
}

func sizeName(n int) string {
	if n >= 1000 && n%1000 == 0 {
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}

func cell(v float64, ok bool, unit string) string {
	if !ok {
		return "–"
	}
	switch unit {
	case "dur":
		return fmtSeconds(v)
	case "MB":
		return fmt.Sprintf("%.0f MB", v)
	case "rps":
		return fmt.Sprintf("%.0f/s", v)
	}
	if v == float64(int64(v)) {
		return fmt.Sprint(int64(v))
	}
	return fmt.Sprintf("%.1f", v)
}

func fmtSeconds(v float64) string {
	switch {
	case v >= 1:
		return fmt.Sprintf("%.1f s", v)
	case v >= 0.01:
		return fmt.Sprintf("%.0f ms", v*1000)
	}
	return fmt.Sprintf("%.2f ms", v*1000)
}

func ratio(prev float64, pok bool, v float64, ok bool) string {
	if !pok || !ok {
		return "–"
	}
	if prev == 0 {
		if v == 0 {
			return "="
		}
		return "–"
	}
	return fmt.Sprintf("×%.1f", v/prev)
}

// machine describes the computer the bench ran on.
func machine() string {
	model, mem := "", ""
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() && model == "" {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
			}
		}
		f.Close()
	}
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() && mem == "" {
			var kb int64
			if _, err := fmt.Sscanf(sc.Text(), "MemTotal: %d kB", &kb); err == nil {
				mem = fmt.Sprintf("%.0f GB RAM", float64(kb)/(1<<20))
			}
		}
		f.Close()
	}
	parts := []string{fmt.Sprintf("%d cores", runtime.NumCPU())}
	for _, p := range []string{model, mem, runtime.GOOS + "/" + runtime.GOARCH, runtime.Version()} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// WriteDoc replaces the generated part of the Markdown file at path (between
// BeginMarker and EndMarker) with the report, appending a section with the
// markers when the file has none.
func (r *Report) WriteDoc(path string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	body := BeginMarker + "\n\n" + r.Markdown() + "\n" + EndMarker
	s := string(old)
	i, j := strings.Index(s, BeginMarker), strings.Index(s, EndMarker)
	if i >= 0 && j > i {
		s = s[:i] + body + s[j+len(EndMarker):]
	} else {
		s = strings.TrimRight(s, "\n") + "\n\n## Sync, store and REST API by size (`simplecrm bench`)\n\n" + body + "\n"
	}
	return os.WriteFile(path, []byte(s), 0o644)
}
