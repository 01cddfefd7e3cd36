package contactsync

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"
	"google.golang.org/api/people/v1"
)

// RateLimit spaces the People API calls of one Google account, so that a
// large sync stays under Google's per-user quotas instead of living on 429
// answers (people-api.md §12, §15 item 12). Google's real per-minute figures
// are UNCONFIRMED (60, 90 and 180 are quoted); read them on the Cloud
// console's quota page and set them here.
type RateLimit struct {
	ReadsPerMinute  int // connections.list, getBatchGet, contactGroups.list; 0 = unlimited
	WritesPerMinute int // creates, updates, deletes, members:modify; 0 = unlimited
	// Burst is how many calls may go at once after a quiet spell; 0 = 1.
	Burst int
}

// DefaultRateLimit is the conservative start the reference advises: one
// write a second per user, reads at the lowest rate quoted for Google's read
// quota, and a small burst so that a small sync is not slowed. Batch calls
// count once (whether Google counts them per item is UNCONFIRMED).
var DefaultRateLimit = RateLimit{ReadsPerMinute: 60, WritesPerMinute: 60, Burst: 5}

// limiters is the pair of token buckets of one account; it outlives runs,
// so that back-to-back runs share the account's budget of calls.
type limiters struct{ read, write *rate.Limiter }

func newLimiter(perMinute, burst int) *rate.Limiter {
	if perMinute <= 0 {
		return rate.NewLimiter(rate.Inf, 1)
	}
	return rate.NewLimiter(rate.Every(time.Minute/time.Duration(perMinute)), max(burst, 1))
}

// accountLimits holds the limiters of every account the engine synced.
type accountLimits struct {
	mu sync.Mutex
	by map[int64]*limiters
}

func (a *accountLimits) get(accountID int64, rl RateLimit) *limiters {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.by == nil {
		a.by = map[int64]*limiters{}
	}
	l := a.by[accountID]
	if l == nil {
		l = &limiters{read: newLimiter(rl.ReadsPerMinute, rl.Burst), write: newLimiter(rl.WritesPerMinute, rl.Burst)}
		a.by[accountID] = l
	}
	return l
}

// limitedGoogle waits for the account's limiter before every call.
type limitedGoogle struct {
	g Google
	l *limiters
}

func wait(ctx context.Context, l *rate.Limiter) error {
	if err := l.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// The wait would pass the run's deadline: the budget is spent.
		return fmt.Errorf("%w: %w", errBudget, err)
	}
	return nil
}

func (lg limitedGoogle) ListConnections(ctx context.Context, syncToken, pageToken string) (*people.ListConnectionsResponse, error) {
	if err := wait(ctx, lg.l.read); err != nil {
		return nil, err
	}
	return lg.g.ListConnections(ctx, syncToken, pageToken)
}

func (lg limitedGoogle) BatchGet(ctx context.Context, names []string) (map[string]*people.Person, error) {
	if err := wait(ctx, lg.l.read); err != nil {
		return nil, err
	}
	return lg.g.BatchGet(ctx, names)
}

func (lg limitedGoogle) ListGroups(ctx context.Context) ([]*people.ContactGroup, error) {
	if err := wait(ctx, lg.l.read); err != nil {
		return nil, err
	}
	return lg.g.ListGroups(ctx)
}

func (lg limitedGoogle) GetGroups(ctx context.Context, names []string) ([]*people.ContactGroup, error) {
	if err := wait(ctx, lg.l.read); err != nil {
		return nil, err
	}
	return lg.g.GetGroups(ctx, names)
}

func (lg limitedGoogle) BatchCreate(ctx context.Context, persons []*people.Person) ([]*people.Person, error) {
	if err := wait(ctx, lg.l.write); err != nil {
		return nil, err
	}
	return lg.g.BatchCreate(ctx, persons)
}

func (lg limitedGoogle) BatchUpdate(ctx context.Context, persons map[string]*people.Person, mask []string) (map[string]*people.Person, error) {
	if err := wait(ctx, lg.l.write); err != nil {
		return nil, err
	}
	return lg.g.BatchUpdate(ctx, persons, mask)
}

func (lg limitedGoogle) BatchDelete(ctx context.Context, names []string) error {
	if err := wait(ctx, lg.l.write); err != nil {
		return err
	}
	return lg.g.BatchDelete(ctx, names)
}

func (lg limitedGoogle) CreateGroup(ctx context.Context, name string) (*people.ContactGroup, error) {
	if err := wait(ctx, lg.l.write); err != nil {
		return nil, err
	}
	return lg.g.CreateGroup(ctx, name)
}

func (lg limitedGoogle) ModifyMembers(ctx context.Context, group string, add, remove []string) (*people.ModifyContactGroupMembersResponse, error) {
	if err := wait(ctx, lg.l.write); err != nil {
		return nil, err
	}
	return lg.g.ModifyMembers(ctx, group, add, remove)
}
