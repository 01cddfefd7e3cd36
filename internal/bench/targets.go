package bench

import (
	"fmt"
	"time"
)

type target struct{ name, measured, verdict string }

func verdict(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func (r *Report) size(n int) *sizeReport {
	for _, s := range r.Sizes {
		if s.N == n {
			return s
		}
	}
	return nil
}

const notRun = "not measured in this run"

// targets checks the figures against issue 8's targets.
func (r *Report) targets() []target {
	var ts []target
	// A run has a fixed cost of a few calls (groups, first listing page),
	// so the ratio is a target from 1,000 contacts up.
	worst, at := 0.0, 0
	for _, s := range r.Sizes {
		if s.N < 1000 {
			continue
		}
		if per := float64(s.Initial.Calls) * 100 / float64(max(moved(s.Initial), 1)); per >= worst {
			worst, at = per, s.N
		}
	}
	ts = append(ts, target{"initial sync: at most 1 API call per 100 contacts moved (1k and up)",
		fmt.Sprintf("%.2f calls per 100 at worst (%s)", worst, sizeName(at)), verdict(worst <= 1)})

	if s := r.size(10000); s != nil {
		ts = append(ts,
			target{"initial sync of 10k+10k under 30 s", fmtSeconds(s.Initial.Wall.Seconds()), verdict(s.Initial.Wall < 30*time.Second)},
			target{fmt.Sprintf("initial sync of 10k+10k under 60 s with %v per call", r.Latency), fmtSeconds(s.Latency.Wall.Seconds()),
				verdict(s.Latency.Wall < 60*time.Second)})
	} else {
		ts = append(ts, target{"initial sync of 10k+10k under 30 s (60 s with latency)", notRun, "–"})
	}

	ok, worstNoop := true, ""
	var slowest time.Duration
	for _, s := range r.Sizes {
		f := s.NoOp
		ok = ok && f.Calls <= 2 && f.Writes == 0 && f.Wall < 100*time.Millisecond
		if f.Wall >= slowest {
			slowest = f.Wall
			worstNoop = fmt.Sprintf("%d calls, %d writes, %s (%s)", f.Calls, f.Writes, fmtSeconds(f.Wall.Seconds()), sizeName(s.N))
		}
	}
	ts = append(ts, target{"no-op sync: at most 2 calls, 0 writes, under 100 ms (every size)", worstNoop, verdict(ok)})

	mostCalls, where := -1, ""
	for _, s := range r.Sizes {
		if f := s.Incremental[100]; f != nil && f.Calls >= mostCalls {
			mostCalls, where = f.Calls, sizeName(s.N)
		}
	}
	if mostCalls >= 0 {
		ts = append(ts, target{"incremental sync of 100 changes: at most 6 calls", fmt.Sprintf("%d calls (%s)", mostCalls, where), verdict(mostCalls <= 6)})
	}

	if s := r.size(100000); s != nil {
		for _, engine := range []string{"SQLite", "PostgreSQL"} {
			if f := s.Store[engine]; f != nil {
				ts = append(ts, target{"search p95 under 30 ms at 100k, " + engine, fmtSeconds(f.Search.P95.Seconds()), verdict(f.Search.P95 < 30*time.Millisecond)})
			} else {
				ts = append(ts, target{"search p95 under 30 ms at 100k, " + engine, notRun, "–"})
			}
		}
		mb := float64(s.Initial.PeakRSS) / 1024
		ts = append(ts, target{"100k+100k initial sync: peak RSS under 300 MB", fmt.Sprintf("%.0f MB", mb), verdict(mb < 300)})
		if s10 := r.size(10000); s10 != nil {
			x := float64(s.Initial.PeakRSS) / float64(s10.Initial.PeakRSS)
			ts = append(ts, target{"sync memory flat: peak RSS at 100k at most twice that at 10k", fmt.Sprintf("×%.2f", x), verdict(x <= 2)})
		}
	} else {
		ts = append(ts, target{"search p95 under 30 ms and sync peak RSS at 100k", notRun + " (`--sizes 1000,10000,100000`)", "–"})
	}
	return ts
}
