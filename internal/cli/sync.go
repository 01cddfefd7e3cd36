package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
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
	log := a.quietLogger()
	db, err := openMigrated(ctx, cfg.DB, nil)
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
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		q.Stop(stopCtx)
	}()
	acct, err := pickAccount(ctx, svc, u, *account)
	if err != nil {
		return err
	}
	runID, err := svc.SyncNow(ctx, u, acct.ID, "cli")
	if err != nil {
		return err
	}
	run, err := a.follow(ctx, svc, u, runID)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.Stdout, syncmobile.EndMessage(run))
	if run.Status == crm.RunFailed {
		return fmt.Errorf("sync of %s failed: %s", acct.Email, run.Error)
	}
	return nil
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

// follow polls the run until it ends, drawing its progress.
func (a *App) follow(ctx context.Context, svc *syncmobile.Service, u *crm.User, runID int64) (*crm.SyncRun, error) {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		run, err := svc.Run(ctx, u, runID)
		if err != nil {
			return nil, err
		}
		drawProgress(a.Stderr, run)
		if syncmobile.Finished(run) {
			fmt.Fprintln(a.Stderr)
			return run, nil
		}
		select {
		case <-ctx.Done():
			fmt.Fprintln(a.Stderr)
			return nil, fmt.Errorf("interrupted; the run goes on in the background (run %d)", runID)
		case <-tick.C:
		}
	}
}

// drawProgress redraws one line: a bar when the total is known, else a count.
func drawProgress(w io.Writer, run *crm.SyncRun) {
	const width = 30
	line := fmt.Sprintf("%-9s %s: %d", run.Status, run.Phase, run.Done)
	if run.Total > 0 {
		done := min(run.Done, run.Total)
		filled := width * done / run.Total
		line = fmt.Sprintf("[%s%s] %3d%% %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled),
			100*done/run.Total, run.Phase)
	}
	fmt.Fprintf(w, "\r%-78s", line)
}
