package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"simplecrm/internal/crm"
	"simplecrm/internal/jobs"
	"simplecrm/internal/server"
	"simplecrm/internal/store"
)

func (a *App) serve(ctx context.Context, args []string) error {
	fs := a.newFlags("serve")
	cfg := a.configFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.resolve(); err != nil {
		return err
	}
	// The key encrypts Google refresh tokens; make sure it exists (or is valid)
	// at start rather than at the first connect.
	if _, err := cfg.secretKey(); err != nil {
		return err
	}
	log := a.logger()
	db, err := openMigrated(ctx, cfg.DB, log)
	if err != nil {
		return err
	}
	defer db.Close()
	l, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (SIMPLECRM_ADDR): %w", cfg.Addr, err)
	}
	return a.runServer(ctx, cfg, db, l, log)
}

// runServer serves and runs the background jobs until ctx is cancelled, then
// gives running jobs 30 s to finish before cancelling them.
func (a *App) runServer(ctx context.Context, cfg *Config, db *store.DB, l net.Listener, log *slog.Logger) error {
	q, err := jobs.Start(ctx, db, jobs.Config{Logger: log, SyncInterval: cfg.SyncInterval, RunSync: syncNotWired(db)})
	if err != nil {
		return err
	}
	srv := server.New(server.Config{
		Services:      db.Services(),
		DB:            db,
		Logger:        log,
		SecureCookies: strings.HasPrefix(cfg.BaseURL, "https://"),
	})
	log.Info("simplecrm listening", "addr", l.Addr().String(), "url", cfg.BaseURL, "db", db.Engine())
	err = srv.Serve(ctx, l)
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	return errors.Join(err, q.Stop(stopCtx))
}

// syncNotWired stands in for the sync engine until it is wired here: it ends
// each run as failed, so that the queue does not retry it.
func syncNotWired(db *store.DB) func(ctx context.Context, accountID, runID int64) error {
	return func(ctx context.Context, accountID, runID int64) error {
		return db.SaveRunProgress(ctx, &crm.SyncRun{ID: runID, Status: crm.RunFailed,
			Error: "Synchronization is not available in this build yet."})
	}
}

// openMigrated opens the database and brings its schema up to date.
func openMigrated(ctx context.Context, dsn string, log *slog.Logger) (*store.DB, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := jobs.Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	if log != nil {
		cur, _, _ := db.SchemaVersion(ctx)
		log.Info("database ready", "engine", db.Engine(), "schema_version", cur)
	}
	return db, nil
}

func (a *App) migrate(ctx context.Context, args []string) error {
	fs := a.newFlags("migrate")
	cfg := a.configFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openMigrated(ctx, cfg.DB, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	cur, _, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "%s database at schema version %d\n", db.Engine(), cur)
	return nil
}
