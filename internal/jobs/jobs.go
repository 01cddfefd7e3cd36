// Package jobs runs Simple CRM's background work — sync runs, the periodic
// automatic syncs and the trash purge — through River
// (github.com/riverqueue/river), a job queue kept in the application's own
// database: riversqlite on SQLite, riverdatabasesql on PostgreSQL. Jobs
// survive restarts, a sync runs at most once at a time per Google account
// across every instance, and periodic work is enqueued by the one elected
// leader. See docs/jobs.md.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"simplecrm/internal/crm"
	"simplecrm/internal/store"
)

// Defaults of Config.
const (
	DefaultWorkers       = 4
	DefaultScheduleEvery = time.Minute
	DefaultPurgeEvery    = time.Hour
	DefaultPollInterval  = time.Second
)

// SyncTimeout bounds one attempt of a sync job; the engine has its own, shorter
// time budget and ends a long run as resumable. River rescues a job still
// "running" a while after this (a crashed instance), so a live sync is never
// rescued and started a second time.
const SyncTimeout = 30 * time.Minute

// rescueAfter is when River considers a running job abandoned by a dead
// instance and makes it available again.
const rescueAfter = SyncTimeout + 5*time.Minute

// Config is what the queue needs from the outside.
type Config struct {
	Logger *slog.Logger
	// SyncInterval is the default period of automatic syncs
	// (SIMPLECRM_SYNC_INTERVAL); 0 = off. An account's own setting overrides it.
	SyncInterval time.Duration
	// RunSync synchronizes one account and records the outcome in the run: it
	// returns nil for a run that finished, even as "failed", and an error only
	// for a run that should be tried again later.
	RunSync func(ctx context.Context, accountID, runID int64) error
	// Workers is how many jobs one instance runs at once; 0 = DefaultWorkers.
	Workers int
	// Now is the clock of the schedules; nil = time.Now.
	Now func() time.Time

	// ScheduleEvery is how often the leader looks for accounts due for an
	// automatic sync, PurgeEvery how often it purges the trash, PollInterval
	// how often an idle instance looks for new jobs. Zero = the defaults; tests
	// shorten them.
	ScheduleEvery time.Duration
	PurgeEvery    time.Duration
	PollInterval  time.Duration
	// LeaseTTL is how long a sync's lease lasts without a heartbeat, so how
	// soon a sync whose process died is resumed (SIMPLECRM_SYNC_LEASE);
	// 0 = DefaultLeaseTTL.
	LeaseTTL time.Duration
}

// Queue is a started job queue: this instance works jobs and, while it is the
// leader, enqueues the periodic ones.
type Queue struct {
	db     *store.DB
	cfg    Config
	log    *slog.Logger
	client *river.Client[sqlTx]

	// enqueueMu serializes EnqueueSync in this process; on PostgreSQL an
	// advisory lock extends that across instances.
	enqueueMu sync.Mutex

	id        string             // this instance, in the holders of sync leases
	stopWatch context.CancelFunc // stops watchAbandoned
}

// Start starts working jobs on db, whose River schema must be migrated (see
// Migrate). ctx only bounds the start: the queue runs until Stop.
func Start(ctx context.Context, db *store.DB, cfg Config) (*Queue, error) {
	if cfg.RunSync == nil {
		return nil, errors.New("jobs: Config.RunSync is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Workers <= 0 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.ScheduleEvery = orDefault(cfg.ScheduleEvery, DefaultScheduleEvery)
	cfg.PurgeEvery = orDefault(cfg.PurgeEvery, DefaultPurgeEvery)
	cfg.PollInterval = orDefault(cfg.PollInterval, DefaultPollInterval)
	cfg.LeaseTTL = orDefault(cfg.LeaseTTL, DefaultLeaseTTL)

	q := &Queue{db: db, cfg: cfg, log: cfg.Logger, id: newInstanceID()}
	workers := river.NewWorkers()
	river.AddWorker(workers, &syncWorker{q: q})
	river.AddWorker(workers, &scheduleWorker{q: q})
	river.AddWorker(workers, &purgeWorker{q: q})

	client, err := river.NewClient(driverFor(db), &river.Config{
		Logger:               slog.New(warnOnly{cfg.Logger.Handler()}),
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: cfg.Workers}},
		Workers:              workers,
		PeriodicJobs:         q.periodicJobs(),
		JobTimeout:           SyncTimeout,
		RescueStuckJobsAfter: rescueAfter,
		FetchPollInterval:    cfg.PollInterval,
		FetchCooldown:        min(cfg.PollInterval, 100*time.Millisecond),
		// Poll for jobs on both engines. riverdatabasesql has no listener
		// without a pgx pool; riversqlite's polls an outbox table every
		// 50 ms over the single write connection, which costs the store's
		// writers more than a fetch every PollInterval. A new job waits at
		// most PollInterval (on PostgreSQL, none when enqueued locally).
		PollOnly: true,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: new client: %w", err)
	}
	q.client = client
	// River stops working jobs when its start context ends; the queue's
	// lifetime is Stop's business, so detach it from ctx's cancellation.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return nil, fmt.Errorf("jobs: start: %w", err)
	}
	watch, stopWatch := context.WithCancel(context.WithoutCancel(ctx))
	q.stopWatch = stopWatch
	go q.watchAbandoned(watch)
	return q, nil
}

// Stop stops fetching jobs and waits for the running ones to finish. When ctx
// ends first, it cancels them and waits a little more for them to return; a
// sync cancelled this way is retried later, by this instance or another.
func (q *Queue) Stop(ctx context.Context) error {
	q.stopWatch()
	err := q.client.Stop(ctx)
	if err == nil || ctx.Err() == nil {
		return err
	}
	q.log.Warn("jobs still running at shutdown; cancelling them")
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := q.client.StopAndCancel(cctx); err != nil {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	return nil
}

// EnqueueSync queues a sync of the account and returns its run, created with
// status queued and the given trigger ("manual", "periodic", "connect").
// When a sync of the account is already waiting or running, anywhere, it
// returns that run instead and creates nothing.
func (q *Queue) EnqueueSync(ctx context.Context, orgID, accountID int64, trigger string) (int64, error) {
	return q.enqueueSync(ctx, orgID, accountID, trigger)
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// periodicJobs are enqueued by the leader only. Each is unique while it waits
// or runs, so a change of leader never doubles one.
func (q *Queue) periodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(q.cfg.ScheduleEvery),
			func() (river.JobArgs, *river.InsertOpts) { return scheduleArgs{}, singletonOpts() },
			&river.PeriodicJobOpts{ID: "sync_schedule", RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(q.cfg.PurgeEvery),
			func() (river.JobArgs, *river.InsertOpts) { return purgeArgs{}, singletonOpts() },
			&river.PeriodicJobOpts{ID: "purge_trash", RunOnStart: true}),
	}
}

// warnOnly passes River's warnings and errors to our logger and drops its
// routine info and debug lines.
type warnOnly struct{ slog.Handler }

func (h warnOnly) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.Handler.Enabled(ctx, l)
}

func (h warnOnly) WithAttrs(as []slog.Attr) slog.Handler { return warnOnly{h.Handler.WithAttrs(as)} }
func (h warnOnly) WithGroup(name string) slog.Handler    { return warnOnly{h.Handler.WithGroup(name)} }

// purgeTrash deletes what has been in the trash longer than crm.TrashRetention.
func (q *Queue) purgeTrash(ctx context.Context) error {
	n, err := q.db.Services().Contacts.PurgeTrash(ctx, q.cfg.Now().Add(-crm.TrashRetention))
	if err != nil {
		return fmt.Errorf("purge trash: %w", err)
	}
	if n > 0 {
		q.log.Info("purged trash", "contacts", n)
	}
	return nil
}
