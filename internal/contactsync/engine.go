package contactsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/crm"
	"simplecrm/internal/google"
)

// ClientDataKey is the clientData key under which a Google contact created by
// the CRM carries the CRM contact id, so that a create whose answer was lost
// is found again instead of repeated.
const ClientDataKey = "simplecrm-id"

// Engine runs syncs. It holds no per-run state and is safe for concurrent use
// on different accounts; the job queue ensures one run per account at a time.
type Engine struct {
	store   Store
	opts    Options
	log     *slog.Logger
	backoff google.Backoff
	limits  accountLimits
}

// DefaultBudget bounds a run's wall time. It is clearly shorter than the job
// queue's own limit (jobs.SyncTimeout, 30 minutes), so that a long run ends
// as failed-but-resumable with its message, not cancelled by the queue.
const DefaultBudget = 25 * time.Minute

// New returns an engine over the CRM store.
func New(store Store, opts Options, log *slog.Logger) *Engine {
	if opts.Budget == 0 {
		opts.Budget = DefaultBudget
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Engine{store: store, opts: opts, log: log, backoff: opts.Backoff}
}

// Progress is called after every applied batch with the run as it stands.
type Progress func(run *crm.SyncRun)

// run is one sync of one account.
type run struct {
	*Engine
	g        Google
	acct     *crm.GoogleAccount
	rec      *crm.SyncRun
	owner    int64 // 0 = every contact of the organization
	state    State
	group    string // contactGroups/... of the account's group
	deadline time.Time
	events   []crm.SyncEvent
	progress Progress
	work     work // what Done and Total count, see progress.go
	// trashedNow holds the contacts this run trashed for a Google deletion.
	trashedNow map[int64]bool
}

// errBudget ends a run that ran out of time; its checkpoints are kept.
var errBudget = errors.New("sync time budget exhausted")

// Run synchronizes one account both ways and records the outcome in rec
// (status, counts, events, error). It returns an error only when the outcome
// could not be recorded or ctx was cancelled (the run is then left to be
// retried); a run that failed for Google reasons returns nil with rec.Status
// failed and a user-facing rec.Error.
func (e *Engine) Run(ctx context.Context, g Google, acct *crm.GoogleAccount, rec *crm.SyncRun, progress Progress) error {
	g = limitedGoogle{g: g, l: e.limits.get(acct.ID, e.opts.Rate)}
	r := &run{Engine: e, g: g, acct: acct, rec: rec, progress: progress,
		deadline: e.opts.Now().Add(e.opts.Budget), trashedNow: map[int64]bool{}}
	if acct.Scope != crm.ScopeAll {
		r.owner = acct.UserID
	}
	rec.Status, rec.Phase, rec.Error = crm.RunRunning, "Starting", ""
	if err := r.flush(ctx); err != nil {
		return err
	}
	// The budget is also a deadline on every call, so that one slow answer
	// cannot carry the run past it.
	bctx, cancel := context.WithDeadline(ctx, r.deadline)
	err := r.sync(bctx)
	// Only the budget's own deadline makes a failure a budget failure; read
	// it before cancel, which would make every failure look like one.
	if err != nil && ctx.Err() == nil && errors.Is(bctx.Err(), context.DeadlineExceeded) && !errors.Is(err, errBudget) {
		err = fmt.Errorf("%w: %w", errBudget, err)
	}
	cancel()
	if ctx.Err() != nil {
		rec.Status, rec.Phase = crm.RunQueued, "Interrupted; will resume"
		_ = r.flush(context.WithoutCancel(ctx))
		return ctx.Err()
	}
	rec.Status, rec.Phase = crm.RunSucceeded, "Done"
	r.finishProgress(err == nil)
	if err != nil {
		rec.Status, rec.Phase = crm.RunFailed, "Stopped"
		rec.Error = r.userMessage(err)
		rec.Counts.Errors++
		r.event(crm.EventError, 0, rec.Error)
		e.log.Error("sync run failed", "account", acct.ID, "run", rec.ID, "err", err)
	}
	reconnect := google.Classify(err) == google.KindReconnect || google.Classify(err) == google.KindScope
	if rerr := e.store.MarkGoogleAccountReconnect(ctx, acct.ID, reconnect, rec.Error); rerr != nil {
		return fmt.Errorf("sync %s: %w", acct.Email, rerr)
	}
	return r.flush(ctx)
}

func (r *run) sync(ctx context.Context) error {
	var err error
	if r.state, err = r.store.LoadState(ctx, r.acct.ID); err != nil {
		return err
	}
	if err := r.startProgress(ctx); err != nil {
		return err
	}
	if err := r.ensureGroup(ctx); err != nil {
		return err
	}
	if err := r.pull(ctx); err != nil {
		return err
	}
	r.pushing()
	return r.push(ctx)
}

// call runs one Google call, retrying rate limits, server errors and lost
// answers with backoff and jitter (honouring Retry-After) until the run's
// budget is spent. Every call but create is safe to repeat: a repeated update
// meets a stale etag and is merged again (see create for creates).
func (r *run) call(ctx context.Context, fn func() error) error {
	for attempt := 0; ; attempt++ {
		err := fn()
		if k := google.Classify(err); err == nil || (k != google.KindRetry && k != google.KindAmbiguous) {
			return err
		}
		wait := r.backoff.Delay(attempt, err)
		if r.opts.Now().Add(wait).After(r.deadline) {
			return fmt.Errorf("%w: %w", errBudget, err)
		}
		r.log.Warn("google call failed, retrying", "account", r.acct.ID, "wait", wait, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// event records something worth telling the user about one contact.
func (r *run) event(kind string, contactID int64, msg string) {
	r.events = append(r.events, crm.SyncEvent{RunID: r.rec.ID, Kind: kind, ContactID: contactID, Message: msg,
		CreatedAt: r.opts.Now()})
}

// flush saves the run's progress and pending events, then tells the watcher.
func (r *run) flush(ctx context.Context) error {
	if len(r.events) > 0 {
		if err := r.store.AddEvents(ctx, r.rec.ID, r.events); err != nil {
			return fmt.Errorf("sync %s: save events: %w", r.acct.Email, err)
		}
		r.events = r.events[:0]
	}
	if err := r.store.SaveRunProgress(ctx, r.rec); err != nil {
		return fmt.Errorf("sync %s: save progress: %w", r.acct.Email, err)
	}
	if r.progress != nil {
		r.progress(r.rec)
	}
	return nil
}

// checkpoint saves the account's state and the run's progress after a batch.
func (r *run) checkpoint(ctx context.Context) error {
	if err := r.store.SaveState(ctx, r.acct.ID, r.state); err != nil {
		return fmt.Errorf("sync %s: checkpoint: %w", r.acct.Email, err)
	}
	if err := r.flush(ctx); err != nil {
		return err
	}
	if r.opts.Now().After(r.deadline) {
		return errBudget // checkpointed: the next run goes on from here
	}
	return nil
}

func (r *run) userMessage(err error) string {
	switch google.Classify(err) {
	case google.KindReconnect:
		return "Google no longer accepts this account's authorization. Reconnect the account to resume syncing."
	case google.KindScope:
		return "The account did not allow access to its contacts. Reconnect it and tick the contacts permission."
	}
	var full *contactLimitError
	if errors.As(err, &full) {
		return fmt.Sprintf("Google's contact limit for this account is reached: %d contacts were not created. Make room in Google Contacts; the next sync creates them.", full.n)
	}
	if errors.Is(err, errGroupNotFound) {
		return "Google has a contact group of this account's group name that Simple CRM cannot read (an old group with no contacts?). Rename that group in Google Contacts, or choose another group name in the account settings."
	}
	if errors.Is(err, errBudget) {
		if google.Classify(err) == google.KindRetry {
			return "Google kept refusing requests (rate limits or errors) for too long. The sync stopped; the next run resumes where it left off."
		}
		return fmt.Sprintf("The sync reached its time limit (%s) before finishing. Everything done so far is kept; the next run resumes where this one stopped.", r.opts.Budget)
	}
	return "The sync stopped on an unexpected error; the next run resumes where it left off. Details are in the server log."
}

func isConflict(err error) bool { return google.StatusCode(err) == 409 }

// googleUpdated returns the update time of the person's CONTACT source, the
// Google side of "last writer wins".
func googleUpdated(p *people.Person) time.Time {
	if p.Metadata == nil {
		return time.Time{}
	}
	for _, s := range p.Metadata.Sources {
		if s.Type == "CONTACT" {
			t, _ := time.Parse(time.RFC3339Nano, s.UpdateTime)
			return t
		}
	}
	return time.Time{}
}

func inGroup(p *people.Person, group string) bool {
	for _, m := range p.Memberships {
		if m.ContactGroupMembership != nil && m.ContactGroupMembership.ContactGroupResourceName == group {
			return true
		}
	}
	return false
}

// crmIDOf returns the CRM contact id a person carries in its clientData.
func crmIDOf(p *people.Person) int64 {
	for _, d := range p.ClientData {
		if d.Key == ClientDataKey {
			id, _ := strconv.ParseInt(d.Value, 10, 64)
			return id
		}
	}
	return 0
}

func isDeleted(p *people.Person) bool { return p.Metadata != nil && p.Metadata.Deleted }

func chunks[T any](list []T, n int) [][]T {
	var out [][]T
	for len(list) > n {
		out = append(out, list[:n])
		list = list[n:]
	}
	if len(list) > 0 {
		out = append(out, list)
	}
	return out
}
