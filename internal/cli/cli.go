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
	"maps"
	"os"
	"slices"
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
// process exit status. Every error is one line on stderr (DESIGN.md §4);
// the full usage is printed only when asked for.
func (a *App) Main(ctx context.Context, args []string) int {
	err := a.run(ctx, args)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp): // -h: the help was asked for and printed
		return 0
	}
	fmt.Fprintln(a.Stderr, "simplecrm: "+oneLine(err))
	return 1
}

func (a *App) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(`no command given; run "simplecrm help"`)
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
		return a.group(ctx, rest, "user add --org NAME --email EMAIL [--admin]", a.userAdd)
	case "token":
		return a.group(ctx, rest, "token create --email EMAIL [--name NAME]", a.tokenCreate)
	case "app-password":
		return a.group(ctx, rest, "app-password create --email EMAIL [--name NAME]", a.appPasswordCreate)
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
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 {
			return fmt.Errorf(`%s: unexpected argument %q; run "simplecrm help"`, cmd, rest[0])
		}
		fmt.Fprint(a.Stdout, usage)
		return nil
	}
	return fmt.Errorf(`unknown command %q; run "simplecrm help"`, cmd)
}

// group runs the one subcommand of a command group ("user add"), whose
// usage is "GROUP SUB FLAGS". GROUP -h prints that usage on stdout, like any
// command's -h; anything else but SUB is one line with the usage.
func (a *App) group(ctx context.Context, args []string, usage string, sub func(context.Context, []string) error) error {
	name, rest, _ := strings.Cut(usage, " ")
	subName, _, _ := strings.Cut(rest, " ")
	switch {
	case len(args) > 0 && args[0] == subName:
		return sub(ctx, args[1:])
	case len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help"):
		fmt.Fprintf(a.Stdout, "Usage: simplecrm %s\n\nRun \"simplecrm %s %s -h\" for its flags.\n", usage, name, subName)
		return flag.ErrHelp
	}
	return errors.New("usage: simplecrm " + usage)
}

// newFlags returns a flag set that reports errors instead of exiting and
// prints nothing itself: parse turns its errors into one line.
func (a *App) newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parse parses the flags of a command that takes no other argument: a
// stray word is more likely a mistake (a flag without its dashes, a value
// without quotes) than something to ignore.
func (a *App) parse(fs *flag.FlagSet, args []string) error {
	if err := a.parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf(`%s: unexpected argument %q; run "simplecrm %s -h"`, fs.Name(), fs.Arg(0), fs.Name())
	}
	return nil
}

// parseFlags parses args into fs, leaving positional arguments to the
// caller. -h prints the command's flags on stdout and returns flag.ErrHelp;
// a bad flag is one line that says where to find the good ones, instead of
// the flag package's list of every flag on stderr.
func (a *App) parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(a.Stdout, "Usage of simplecrm %s:\n", fs.Name())
		fs.SetOutput(a.Stdout)
		fs.PrintDefaults()
		return err
	case err != nil:
		return fmt.Errorf(`%s: %v; run "simplecrm %s -h"`, fs.Name(), err, fs.Name())
	}
	return nil
}

func (a *App) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(a.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// quietLogger logs only warnings and errors, for commands that draw on the
// terminal themselves.
func (a *App) quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(a.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// oneLine turns an error into the single line the CLI prints. An error for
// the user (*crm.Error) shows its message, or for invalid input each field
// with what to fix, and never its wrapped cause: a driver's "UNIQUE
// constraint failed: users.email (2067)" tells the person at the terminal
// nothing the message does not. Any other error is the CLI's own message
// (usage, configuration) or a fault of the database or the system
// (unreachable, disk full, schema too new): the person at the terminal is
// then the operator who must fix it, and a one-shot command's stderr is its
// only log, so the whole chain is shown. None of them holds a secret: keys
// and passwords are never put into errors, and the PostgreSQL driver masks
// the password of a URL it cannot use.
func oneLine(err error) string {
	var e *crm.Error
	msg := err.Error()
	if errors.As(err, &e) && e.Code != crm.EINTERNAL {
		msg = userMessage(e)
	}
	return strings.Join(strings.Fields(msg), " ")
}

// userMessage is e's message without its cause. Field errors replace the
// web UI's "Please correct the highlighted fields.", which means nothing
// on a terminal: "name: Use at most 200 characters."
func userMessage(e *crm.Error) string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	keys := slices.Sorted(maps.Keys(e.Fields))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + e.Fields[k]
	}
	return strings.Join(parts, "; ")
}

// NewApp returns an App on the process's streams and environment.
func NewApp() *App {
	return &App{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}
