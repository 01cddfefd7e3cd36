package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/google"
	"simplecrm/internal/jobs"
	"simplecrm/internal/server"
	"simplecrm/internal/store"
	"simplecrm/internal/syncmobile"
)

func (a *App) serve(ctx context.Context, args []string) error {
	fs := a.newFlags("serve")
	cfg := a.configFlags(fs)
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if err := cfg.resolve(); err != nil {
		return err
	}
	// The key encrypts Google refresh tokens: check it before touching the
	// database, so that a misconfigured PostgreSQL server fails fast.
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
	svc, q, err := startSync(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	srv := server.New(server.Config{
		Services:      db.Services(),
		DB:            db,
		Logger:        log,
		SecureCookies: strings.HasPrefix(cfg.BaseURL, "https://"),
		Sync:          svc,
		GoogleAuthURL: cfg.GoogleAuthURL,
	})
	log.Info("simplecrm listening", "addr", l.Addr().String(), "url", cfg.BaseURL, "db", db.Engine())
	err = srv.Serve(ctx, l)
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	return errors.Join(err, q.Stop(stopCtx))
}

// startSync builds Sync Mobile over db — the engine, the service, and the job
// queue whose workers run it — and starts the queue.
func startSync(ctx context.Context, cfg *Config, db *store.DB, log *slog.Logger) (*syncmobile.Service, *jobs.Queue, error) {
	key, err := cfg.secretKey()
	if err != nil {
		return nil, nil, err
	}
	if err := db.SetSecretKey(key); err != nil {
		return nil, nil, err
	}
	engine := contactsync.New(db, cfg.Sync.Options(), log)
	svc := syncmobile.New(db, google.Config{
		ClientID:     cfg.GoogleClient,
		ClientSecret: cfg.GoogleSecret,
		AuthURL:      cfg.GoogleAuthURL,
		TokenURL:     cfg.GoogleToken,
		RevokeURL:    cfg.GoogleRevoke,
		APIURL:       cfg.GoogleAPI,
		RedirectURL:  cfg.BaseURL + "/google/callback",
	}, engine, log)
	q, err := jobs.Start(ctx, db, jobs.Config{Logger: log, SyncInterval: cfg.SyncInterval, LeaseTTL: cfg.SyncLease, RunSync: svc.RunSync})
	if err != nil {
		return nil, nil, err
	}
	svc.SetQueue(q)
	return svc, q, nil
}

// openExisting opens a database that must already exist, and brings its
// schema up to date. Only serve, migrate, user add and demo create a SQLite
// database: for the other commands a missing file is a mistyped path, which
// would otherwise leave an empty database behind and then report "no user".
func openExisting(ctx context.Context, dsn string) (*store.DB, error) {
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok && path != "" {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf(`no database at %s (SIMPLECRM_DB): run "simplecrm migrate" or "simplecrm serve" first, or check the path`, path)
		}
	}
	return openMigrated(ctx, dsn, nil)
}

// openMigrated opens the database, creating a SQLite file if there is none,
// and brings its schema up to date.
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
	if err := a.parse(fs, args); err != nil {
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
