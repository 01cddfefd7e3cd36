// Package bench measures Simple CRM at several sizes — the Sync Mobile engine
// against the Google emulator, the CRM store on both engines, and the REST
// API of the real server — and renders the figures as a Markdown table with
// the ratio between sizes ("simplecrm bench", docs/benchmarks.md).
package bench

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to create databases

	"simplecrm/internal/pgtest"
)

// Config says what to measure.
type Config struct {
	Sizes []int // contacts on each side; default 1,000 and 10,000
	// Postgres is the URL of a PostgreSQL server's maintenance database on
	// which to create a throwaway database per size. Empty: start a local
	// server as the tests do when its binaries are installed, else skip.
	Postgres   string
	NoPostgres bool
	// Exe is the simplecrm binary, run as the sync child and the server.
	Exe string
	// Latency is the delay the emulator adds to each call in the latency
	// round (default 100 ms).
	Latency time.Duration
	// ProfileDir, when set, receives CPU and heap profiles of each measured
	// sync (NAME.cpu.pprof, NAME.heap.pprof).
	ProfileDir string
	Log        io.Writer // progress
}

// sizeReport holds every figure of one size.
type sizeReport struct {
	N           int
	Load        time.Duration // loading the CRM contacts through the store
	Initial     *syncFigures
	Latency     *syncFigures
	NoOp        *syncFigures
	Incremental map[int]*syncFigures // by number of changes
	Store       map[string]*storeFigures
	API         []apiFigures
}

// Report is the outcome of a bench run.
type Report struct {
	Sizes    []*sizeReport
	Latency  time.Duration
	Machine  string
	Date     time.Time
	Elapsed  time.Duration
	Postgres string // why PostgreSQL was not measured, if it was not
}

// incrementalChanges are the sizes of the incremental syncs measured.
var incrementalChanges = []int{1, 100, 1000}

// Run measures every size in turn.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if len(cfg.Sizes) == 0 {
		cfg.Sizes = []int{1000, 10000}
	}
	if cfg.Latency == 0 {
		cfg.Latency = 100 * time.Millisecond
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	dir, err := os.MkdirTemp("", "simplecrm-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	rep := &Report{Latency: cfg.Latency, Machine: machine(), Date: time.Now()}
	pgURL := ""
	if !cfg.NoPostgres {
		pgURL = cfg.Postgres
		if pgURL == "" {
			if pgURL, err = pgtest.Server(); err != nil {
				rep.Postgres = err.Error()
				pgURL = ""
			} else {
				defer pgtest.Stop()
			}
		}
	} else {
		rep.Postgres = "skipped (--postgres off)"
	}
	start := time.Now()
	for _, n := range cfg.Sizes {
		sdir := filepath.Join(dir, fmt.Sprint(n))
		if err := os.Mkdir(sdir, 0o700); err != nil {
			return nil, err
		}
		s, err := runSize(ctx, &cfg, n, sdir, pgURL)
		if err != nil {
			return nil, fmt.Errorf("%d contacts: %w", n, err)
		}
		rep.Sizes = append(rep.Sizes, s)
		os.RemoveAll(sdir)
	}
	rep.Elapsed = time.Since(start)
	return rep, nil
}

func runSize(ctx context.Context, cfg *Config, n int, dir, pgURL string) (*sizeReport, error) {
	logf := func(format string, args ...any) {
		fmt.Fprintf(cfg.Log, "%s %7d  %s\n", time.Now().Format("15:04:05"), n, fmt.Sprintf(format, args...))
	}
	s := &sizeReport{N: n, Incremental: map[int]*syncFigures{}, Store: map[string]*storeFigures{}}
	d := generate(n)
	start := time.Now()
	tmpl, err := loadCRM(ctx, "sqlite:"+filepath.Join(dir, "crm.db"), d)
	if err != nil {
		return nil, err
	}
	defer tmpl.db.Close()
	s.Load = time.Since(start)
	logf("loaded %d CRM contacts in %v", n, s.Load.Round(time.Millisecond))

	if err := runSyncs(ctx, cfg, s, tmpl, d, dir, logf); err != nil {
		return nil, err
	}

	if s.Store["SQLite"], err = measureStore(ctx, tmpl, d); err != nil {
		return nil, err
	}
	logf("SQLite search p95 %v", s.Store["SQLite"].Search.P95)
	if pgURL != "" {
		if s.Store["PostgreSQL"], err = measurePostgres(ctx, pgURL, d, logf); err != nil {
			return nil, err
		}
		logf("PostgreSQL search p95 %v", s.Store["PostgreSQL"].Search.P95)
	}

	if s.API, err = measureAPI(ctx, cfg, tmpl, d, dir); err != nil {
		return nil, err
	}
	logf("REST API measured")
	return s, nil
}

// runSyncs measures the initial sync, the echo-free no-op and incremental
// syncs on one copy of the data, then the initial sync with latency on another.
func runSyncs(ctx context.Context, cfg *Config, s *sizeReport, tmpl *crmDB, d *dataset, dir string, logf func(string, ...any)) error {
	sy, err := newSyncer(ctx, cfg, tmpl, filepath.Join(dir, "sync.db"), d, 0)
	if err != nil {
		return err
	}
	defer sy.close()
	name := func(what string) string { return fmt.Sprintf("%d-%s", s.N, what) }
	if s.Initial, err = sy.sync(ctx, name("initial")); err != nil {
		return err
	}
	logf("initial sync %v, %d calls, peak RSS %d MB", s.Initial.Wall.Round(time.Millisecond), s.Initial.Calls, s.Initial.PeakRSS/1024)
	// The next run takes in the echo of the initial sync's own writes.
	if _, err := sy.sync(ctx, ""); err != nil {
		return err
	}
	if s.NoOp, err = sy.sync(ctx, name("noop")); err != nil {
		return err
	}
	logf("no-op sync %v, %d calls", s.NoOp.Wall.Round(time.Millisecond), s.NoOp.Calls)
	for _, k := range incrementalChanges {
		if k > s.N {
			continue
		}
		if err := sy.edit(ctx, k); err != nil {
			return err
		}
		f, err := sy.sync(ctx, name(fmt.Sprintf("incremental-%d", k)))
		if err != nil {
			return err
		}
		s.Incremental[k] = f
		logf("incremental sync of %d changes %v, %d calls", k, f.Wall.Round(time.Millisecond), f.Calls)
		if _, err := sy.sync(ctx, ""); err != nil { // settles the echo
			return err
		}
	}
	sy.close()

	lat, err := newSyncer(ctx, cfg, tmpl, filepath.Join(dir, "latency.db"), d, cfg.Latency)
	if err != nil {
		return err
	}
	defer lat.close()
	if s.Latency, err = lat.sync(ctx, name("latency")); err != nil {
		return err
	}
	logf("initial sync with %v latency %v, %d calls", cfg.Latency, s.Latency.Wall.Round(time.Millisecond), s.Latency.Calls)
	return nil
}

// measurePostgres loads the dataset's CRM contacts into a new database on the
// server and measures the store there; the database is dropped afterwards.
func measurePostgres(ctx context.Context, adminURL string, d *dataset, logf func(string, ...any)) (*storeFigures, error) {
	name := fmt.Sprintf("simplecrm_bench_%d_%d", os.Getpid(), d.n)
	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	defer admin.ExecContext(context.WithoutCancel(ctx), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	dsn, err := withDatabase(adminURL, name)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	c, err := loadCRM(ctx, dsn, d)
	if err != nil {
		return nil, err
	}
	defer c.db.Close()
	logf("loaded %d CRM contacts into PostgreSQL in %v", d.n, time.Since(start).Round(time.Millisecond))
	if _, err := c.db.SQL().ExecContext(ctx, `ANALYZE`); err != nil {
		return nil, err
	}
	return measureStore(ctx, c, d)
}

// withDatabase returns the server URL with the database name replaced.
func withDatabase(serverURL, name string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", fmt.Errorf("--postgres: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}
