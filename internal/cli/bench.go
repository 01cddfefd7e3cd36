package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"simplecrm/internal/bench"
)

// benchCmd measures sync, store and REST API at several sizes, prints the
// table and writes it into docs/benchmarks.md (see that file).
func (a *App) benchCmd(ctx context.Context, args []string) error {
	fs := a.newFlags("bench")
	sizes := fs.String("sizes", "1000,10000", "contacts on each side, comma-separated (add 100000 for the large run)")
	pg := fs.String("postgres", "", "URL of a PostgreSQL server's maintenance database for the store figures; "+
		"default: start a throwaway local server when its binaries are installed; \"off\" to skip")
	doc := fs.String("doc", "docs/benchmarks.md", "Markdown file whose generated section is replaced; empty for none")
	latency := fs.Duration("latency", 100*time.Millisecond, "delay per call in the latency round")
	profiles := fs.String("profile-dir", "", "write CPU and heap profiles of each measured sync here")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	cfg := bench.Config{Latency: *latency, ProfileDir: *profiles, Log: a.Stderr}
	for _, f := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 10 {
			return fmt.Errorf("--sizes: %q is not a number of contacts (at least 10)", f)
		}
		cfg.Sizes = append(cfg.Sizes, n)
	}
	switch *pg {
	case "off":
		cfg.NoPostgres = true
	default:
		cfg.Postgres = *pg
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench: find the simplecrm binary: %w", err)
	}
	cfg.Exe = exe
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprint(a.Stdout, rep.Markdown())
	if *doc != "" {
		if err := rep.WriteDoc(*doc); err != nil {
			return fmt.Errorf("bench: write %s: %w", *doc, err)
		}
		fmt.Fprintf(a.Stderr, "table written to %s\n", *doc)
	}
	return nil
}

// benchChild is the hidden command the bench runs each sync in.
func (a *App) benchChild(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("bench-child is run by simplecrm bench")
	}
	return bench.Child(ctx, args, a.Getenv, a.Stdout, a.Stderr)
}
