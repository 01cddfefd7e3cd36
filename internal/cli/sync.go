package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"simplecrm/internal/crm"
	"simplecrm/internal/syncmobile"
)

// syncCmd runs a sync of one of the user's Google accounts now, through the
// job queue (so it never overlaps a run of a server instance), showing a
// progress bar on stderr and the end message on stdout.
func (a *App) syncCmd(ctx context.Context, args []string) error {
	fs := a.newFlags("sync")
	cfg := a.configFlags(fs)
	email := fs.String("email", "", "the CRM user whose Google account to sync")
	account := fs.String("account", "", "the Google account's email, when the user has several")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("sync needs --email EMAIL (the CRM user)")
	}
	if err := cfg.resolve(); err != nil {
		return err
	}
	// Retries and other warnings are the run's own business (its end
	// message and history tell the outcome): only errors are logged, on
	// their own lines, not over the progress bar.
	out := &barWriter{w: a.Stderr, tty: isTerminal(a.Stderr)}
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelError}))
	db, err := openExisting(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.Services().Users.FindUserByEmail(ctx, *email)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return fmt.Errorf("no user with email %s", *email)
	} else if err != nil {
		return err
	}
	svc, q, err := startSync(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	var stopOnce sync.Once
	stop := func(d time.Duration) {
		stopOnce.Do(func() {
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d)
			defer cancel()
			q.Stop(stopCtx)
		})
	}
	defer stop(30 * time.Second)
	acct, err := pickAccount(ctx, svc, u, *account)
	if err != nil {
		return err
	}
	runID, err := svc.SyncNow(ctx, u, acct.ID, "cli")
	if err != nil {
		return err
	}
	run, err := follow(ctx, out, svc, u, runID)
	if errors.Is(err, errInterrupted) {
		// Our queue is the one running the sync: stop it now, which
		// cancels the run at its next call; it keeps its checkpoints and
		// waits, queued, for the next server or simplecrm sync.
		stop(time.Second)
		return interrupted(context.WithoutCancel(ctx), svc, u, runID)
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(a.Stdout, syncmobile.EndMessage(run))
	if run.Status == crm.RunFailed {
		return fmt.Errorf("sync of %s failed: %s", acct.Email, run.Error)
	}
	return nil
}

var errInterrupted = errors.New("interrupted")

// interrupted says what became of a run the user interrupted, once our queue
// stopped: ended meanwhile, still running (a server's worker had taken the
// job, not ours), or stopped and waiting.
func interrupted(ctx context.Context, svc *syncmobile.Service, u *crm.User, runID int64) error {
	run, err := svc.Run(ctx, u, runID)
	switch {
	case err != nil:
		return fmt.Errorf("interrupted (run %d): %w", runID, err)
	case syncmobile.Finished(run):
		return fmt.Errorf("interrupted after the sync ended (%s): see run %d", run.Status, runID)
	case run.Status == crm.RunRunning:
		return fmt.Errorf("interrupted: the sync goes on in a server's background worker (run %d)", runID)
	}
	return fmt.Errorf("interrupted: the sync stopped; it resumes from its last checkpoint the next time a server or simplecrm sync runs (run %d)", runID)
}

func pickAccount(ctx context.Context, svc *syncmobile.Service, u *crm.User, email string) (*crm.GoogleAccount, error) {
	accounts, err := svc.Accounts(ctx, u)
	if err != nil {
		return nil, err
	}
	var emails []string
	for _, a := range accounts {
		if email == "" && len(accounts) == 1 || strings.EqualFold(a.Email, email) {
			return a, nil
		}
		emails = append(emails, a.Email)
	}
	switch {
	case len(accounts) == 0:
		return nil, fmt.Errorf("%s has no Google account connected: use Sync Mobile in the web UI first", u.Email)
	case email == "":
		return nil, fmt.Errorf("%s has several Google accounts: choose one with --account (%s)", u.Email, strings.Join(emails, ", "))
	}
	return nil, fmt.Errorf("%s has no Google account %s (connected: %s)", u.Email, email, strings.Join(emails, ", "))
}

// follow polls the run until it ends, drawing its progress: a bar redrawn in
// place on a terminal, otherwise (a log, a pipe) one line per change.
func follow(ctx context.Context, out *barWriter, svc *syncmobile.Service, u *crm.User, runID int64) (*crm.SyncRun, error) {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	last := ""
	for {
		run, err := svc.Run(ctx, u, runID)
		if ctx.Err() != nil {
			return nil, errInterrupted
		}
		if err != nil {
			return nil, err
		}
		if line := progressLine(run); line != last || out.overwritten() {
			last = line
			out.progress(line)
		}
		if syncmobile.Finished(run) {
			out.endBar()
			return run, nil
		}
		select {
		case <-ctx.Done():
			out.endBar()
			return nil, errInterrupted
		case <-tick.C:
		}
	}
}

// progressLine reads as the run's phase: with a bar and "done/total" when
// the total is known ("[###...]  30% Reading changes from Google: 120/400"),
// with the count alone while it is not ("Reading changes from Google: 120"),
// and the phase alone before any work or once the run is over with nothing
// counted ("Waiting to start", "Starting", "Done").
func progressLine(run *crm.SyncRun) string {
	const width = 30
	phase := run.Phase
	if phase == "" { // a run stored before runs had a phase from the start
		phase = map[string]string{crm.RunQueued: crm.PhaseQueued, crm.RunRunning: "Running",
			crm.RunSucceeded: "Done", crm.RunFailed: "Stopped"}[run.Status]
	}
	if run.Total <= 0 {
		if run.Done <= 0 || syncmobile.Finished(run) {
			return phase
		}
		return fmt.Sprintf("%s: %d", phase, run.Done)
	}
	done := min(run.Done, run.Total)
	filled := width * done / run.Total
	return fmt.Sprintf("[%s%s] %3d%% %s: %d/%d", strings.Repeat("#", filled), strings.Repeat(".", width-filled),
		100*done/run.Total, phase, done, run.Total)
}

// barWriter shares stderr between the progress and the log. On a terminal
// the progress is a bar redrawn in place: a log record first clears the
// bar's line, and the bar is drawn again under it. Elsewhere each progress
// change is a line of its own.
type barWriter struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	dirty bool // a log record took the bar's line
}

func (b *barWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tty {
		b.dirty = true
		if _, err := io.WriteString(b.w, "\r\033[K"); err != nil {
			return 0, err
		}
	}
	return b.w.Write(p)
}

func (b *barWriter) progress(line string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.dirty = false
	if b.tty {
		fmt.Fprintf(b.w, "\r%-78s", line)
	} else {
		fmt.Fprintln(b.w, line)
	}
}

// overwritten reports whether a log record took the bar's line since the
// bar was last drawn.
func (b *barWriter) overwritten() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dirty
}

// endBar ends the bar's line, so that what follows starts on its own.
func (b *barWriter) endBar() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.tty {
		fmt.Fprintln(b.w)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
