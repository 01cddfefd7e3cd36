package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
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
	// Listen before the database is opened and migrated: a bad or busy
	// address is refused before anything is logged or changed.
	l, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (%s): %w", cfg.Addr, setting("SIMPLECRM_ADDR"), err)
	}
	defer l.Close()
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
			return nil, fmt.Errorf(`no database at %s (%s): run "simplecrm migrate" or "simplecrm serve" first, or check the path`, path, setting("SIMPLECRM_DB"))
		}
	}
	return openMigrated(ctx, dsn, nil)
}

// dbError names the setting and the path of a SQLite database that cannot
// be opened ("ping sqlite: unable to open database file" says neither), and
// the setting of a URL that is neither SQLite nor PostgreSQL (without the
// URL, which may hold a password). PostgreSQL's errors are the store's,
// which mask the password.
func dbError(dsn string, err error) error {
	path, ok := strings.CutPrefix(dsn, "sqlite:")
	switch {
	case ok && (path == "" || strings.ContainsRune(path, '?')), !ok && !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://"):
		return fmt.Errorf("%s must be sqlite:PATH (without ?) or a postgres:// URL", setting("SIMPLECRM_DB"))
	case !ok:
		return err
	}
	if dir := filepath.Dir(path); !isDir(dir) {
		return fmt.Errorf("%s sqlite:%s: directory %s does not exist", setting("SIMPLECRM_DB"), path, dir)
	}
	return fmt.Errorf("%s sqlite:%s: %w", setting("SIMPLECRM_DB"), path, err)
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// openMigrated opens the database, creating a SQLite file if there is none,
// and brings its schema up to date.
func openMigrated(ctx context.Context, dsn string, log *slog.Logger) (*store.DB, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, dbError(dsn, err)
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
