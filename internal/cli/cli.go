// Package cli implements the simplecrm commands of DESIGN.md §4. Each command
// parses its own flags, reads configuration from the environment, and returns
// an error whose message is printed on one line.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"simplecrm/internal/crm"
	"simplecrm/internal/googleemu"
)

// App is one invocation of the binary: its streams and environment.
type App struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

const usage = `simplecrm — a CRM whose contacts sync with phones.

Usage:
  simplecrm serve            run the web UI, REST API and background jobs
  simplecrm migrate          apply database migrations
  simplecrm demo [--keep DIR]  try the product with sample data
  simplecrm google-emulator  run the Google OAuth + People API emulator
  simplecrm user add --org NAME --email EMAIL [--admin]   (password on stdin)
  simplecrm token create --email EMAIL [--name NAME]      (prints an API token)
  simplecrm app-password create --email EMAIL [--name NAME]  (prints a CardDAV app password)
  simplecrm import FILE --email OWNER [--dry-run]  (.vcf or Google Contacts CSV)
  simplecrm export --format vcf|csv --email USER [--mine]  (to stdout)
  simplecrm sync --email EMAIL [--account GOOGLE_EMAIL]   (sync now, with progress)
  simplecrm bench [--sizes 1000,10000,100000]  measure sync, store and API (docs/benchmarks.md)

Configuration comes from SIMPLECRM_* environment variables; see README.md.
`

// Main runs the command in args (without the program name) and returns the
// process exit status.
func (a *App) Main(ctx context.Context, args []string) int {
	if err := a.run(ctx, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 2
		}
		fmt.Fprintln(a.Stderr, "simplecrm: "+oneLine(err))
		return 1
	}
	return 0
}

func (a *App) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(a.Stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return a.serve(ctx, rest)
	case "migrate":
		return a.migrate(ctx, rest)
	case "demo":
		return a.demo(ctx, rest)
	case "google-emulator":
		return googleemu.Command(ctx, rest, a.Stdout, a.Stderr)
	case "user":
		if len(rest) > 0 && rest[0] == "add" {
			return a.userAdd(ctx, rest[1:])
		}
		return errors.New("usage: simplecrm user add --org NAME --email EMAIL [--admin]")
	case "token":
		if len(rest) > 0 && rest[0] == "create" {
			return a.tokenCreate(ctx, rest[1:])
		}
		return errors.New("usage: simplecrm token create --email EMAIL [--name NAME]")
	case "app-password":
		if len(rest) > 0 && rest[0] == "create" {
			return a.appPasswordCreate(ctx, rest[1:])
		}
		return errors.New("usage: simplecrm app-password create --email EMAIL [--name NAME]")
	case "import":
		return a.importCmd(ctx, rest)
	case "export":
		return a.exportCmd(ctx, rest)
	case "sync":
		return a.syncCmd(ctx, rest)
	case "bench":
		return a.benchCmd(ctx, rest)
	case "bench-child":
		return a.benchChild(ctx, rest)
	case "help", "-h", "--help":
		fmt.Fprint(a.Stdout, usage)
		return nil
	}
	fmt.Fprint(a.Stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// newFlags returns a flag set that reports errors instead of exiting.
func (a *App) newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	return fs
}

func (a *App) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(a.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// quietLogger logs only warnings and errors, for commands that draw on the
// terminal themselves.
func (a *App) quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(a.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// oneLine turns an error into the single line the CLI prints: user-facing
// errors show their message (with field details), others their full chain.
func oneLine(err error) string {
	var e *crm.Error
	if errors.As(err, &e) && e.Code != crm.EINTERNAL {
		return strings.ReplaceAll(e.Error(), "\n", " ")
	}
	return strings.ReplaceAll(err.Error(), "\n", " ")
}

// NewApp returns an App on the process's streams and environment.
func NewApp() *App {
	return &App{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}
