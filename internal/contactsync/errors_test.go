package contactsync_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
	"simplecrm/internal/googleemu"
)

// A full Google account stops the run with the number of every contact still
// to create, not only the refused batch's. Google's wording is UNCONFIRMED:
// the run must read the refusal the same with the emulator's message and
// with a message that says nothing of a limit (the status decides).
func TestContactLimitCountsEveryPendingCreate(t *testing.T) {
	for _, wording := range []string{"", "Precondition check failed."} {
		t.Run(fmt.Sprintf("message=%q", wording), func(t *testing.T) {
			f := newFixture(t, "sqlite")
			f.emu.Configure(func(o *googleemu.Options) { o.MaxContacts, o.ContactLimitMessage = 3, wording })
			for i := range 450 {
				f.crmContact(crm.Contact{FirstName: "C", LastName: itoa(int64(i)), PersonalEmail: "c" + itoa(int64(i)) + "@example.org"})
			}
			// Not counted: a duplicate of c449 (skipped, not created) and
			// one matching a Google contact outside the group (linked).
			f.crmContact(crm.Contact{FirstName: "Dup", PersonalEmail: "c449@example.org"})
			f.crmContact(crm.Contact{FirstName: "Out", PersonalEmail: "out@example.org"})
			if _, err := f.emu.CreateContact(f.gmail, person("Out", "Side", "out@example.org")); err != nil {
				t.Fatal(err)
			}
			run := f.sync()
			if run.Status != crm.RunFailed || !strings.Contains(run.Error, "450 contacts were not created") || run.Counts.Skipped != 450 {
				t.Fatalf("run %s %q, skipped %d: want 450 reported", run.Status, run.Error, run.Counts.Skipped)
			}
			f.emu.Configure(func(o *googleemu.Options) { o.MaxContacts = 1000 })
			f.mustSync()
			if n := len(f.groupMembers()); n != 451 {
				t.Errorf("the group has %d members, want 451 (450 created, 1 linked)", n)
			}
		})
	}
}

// A token without the contacts scope ends the run with a reconnect request,
// whether Google adds the ErrorInfo reason or not (UNCONFIRMED for People).
func TestInsufficientScopeBothShapes(t *testing.T) {
	for _, info := range []bool{false, true} {
		t.Run(fmt.Sprintf("ErrorInfo=%v", info), func(t *testing.T) {
			f := newFixture(t, "sqlite")
			f.emu.Configure(func(o *googleemu.Options) { o.ScopeErrorInfo = info })
			ea, err := f.emu.AddAccount("bob@gmail.example", "")
			if err != nil {
				t.Fatal(err)
			}
			tok, err := f.emu.IssueToken("bob@gmail.example", "openid email")
			if err != nil {
				t.Fatal(err)
			}
			a := &crm.GoogleAccount{OrgID: f.org.ID, UserID: f.user.ID, Sub: ea.Sub, Email: "bob@gmail.example", RefreshToken: tok.RefreshToken}
			if err := f.svc.GoogleAccounts.SaveGoogleAccount(f.ctx, a); err != nil {
				t.Fatal(err)
			}
			run := f.sync(a)
			if run.Status != crm.RunFailed || !strings.Contains(run.Error, "tick the contacts permission") {
				t.Fatalf("run %s %q: want the scope message", run.Status, run.Error)
			}
			got, err := f.svc.GoogleAccounts.FindGoogleAccount(f.ctx, f.org.ID, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.ReconnectNeeded {
				t.Error("account not marked reconnect needed")
			}
		})
	}
}

// clockedCreates advances the engine's clock by step at every batch create:
// a run that takes long, made deterministic on a busy machine.
type clockedCreates struct {
	contactsync.Google
	now  *time.Time
	step time.Duration
}

func (c clockedCreates) BatchCreate(ctx context.Context, ps []*people.Person) ([]*people.Person, error) {
	*c.now = c.now.Add(c.step)
	return c.Google.BatchCreate(ctx, ps)
}

// A run longer than its budget (no error at all, only long) stops at a
// checkpoint as failed-but-resumable with a clear message, before the job
// queue's own limit would cancel it; the next run goes on from there.
func TestBudgetStopsALongRunAtACheckpoint(t *testing.T) {
	f := newFixture(t, "sqlite")
	for i := range 450 {
		f.crmContact(crm.Contact{FirstName: "C", LastName: itoa(int64(i)), PersonalEmail: "c" + itoa(int64(i)) + "@example.org"})
	}
	now := time.Now()
	f.engine = contactsync.New(f.db, contactsync.Options{Phones: contactsync.Phones{Region: "FR"},
		Now: func() time.Time { return now }}, nil) // the default budget, 25 minutes
	first := f.runWith(func(g contactsync.Google) contactsync.Google {
		return clockedCreates{Google: g, now: &now, step: 15 * time.Minute}
	})
	if first.Status != crm.RunFailed || !strings.Contains(first.Error, "time limit") || !strings.Contains(first.Error, "resumes") {
		t.Fatalf("run %s %q: want failed-but-resumable on the time limit", first.Status, first.Error)
	}
	if first.Counts.GoogleCreated != 400 {
		t.Fatalf("first run created %d: want the two batches done within the budget", first.Counts.GoogleCreated)
	}
	if st, err := f.db.LoadState(f.ctx, f.acct.ID); err != nil || st.CRMVersion == 0 {
		t.Fatalf("state %+v, %v: the checkpoint of the batches done was not kept", st, err)
	}
	f.engine = contactsync.New(f.db, contactsync.Options{Phones: contactsync.Phones{Region: "FR"}}, nil)
	if second := f.mustSync(); second.Counts.GoogleCreated != 50 {
		t.Errorf("second run created %d, want the 50 left", second.Counts.GoogleCreated)
	}
	assertConverged(t, f, 450)
}

// The budget also bounds a call in flight: one slow answer does not carry
// the run past it, and the run still ends failed-but-resumable, not queued.
func TestBudgetCutsASlowCall(t *testing.T) {
	f := newFixture(t, "sqlite")
	for i := range 3 {
		f.crmContact(crm.Contact{FirstName: "C", LastName: itoa(int64(i)), PersonalEmail: "c" + itoa(int64(i)) + "@example.org"})
	}
	f.engine = contactsync.New(f.db, contactsync.Options{Phones: contactsync.Phones{Region: "FR"}, Budget: time.Second}, nil)
	f.emu.SetLatency("people.batchCreateContacts", time.Minute)
	start := time.Now()
	run := f.sync()
	if run.Status != crm.RunFailed || !strings.Contains(run.Error, "time limit") {
		t.Fatalf("run %s %q: want failed on the time limit", run.Status, run.Error)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("the run took %s with a 1s budget", d)
	}
	f.emu.SetLatency("people.batchCreateContacts", 0)
	f.mustSync()
	assertConverged(t, f, 3)
}

// A failure that is not the budget's (here Google refusing a listing for a
// reason the engine does not know) says so; it used to be reported as the
// time limit, whatever it was.
func TestUnexpectedFailureIsNotTheBudget(t *testing.T) {
	f := newFixture(t, "sqlite")
	f.crmContact(crm.Contact{FirstName: "Ann", PersonalEmail: "ann@example.org"})
	f.emu.FailNext("people.connections.list", 1, http.StatusBadRequest)
	run := f.sync()
	if run.Status != crm.RunFailed || strings.Contains(run.Error, "time limit") || !strings.Contains(run.Error, "unexpected error") {
		t.Fatalf("run %s %q: want failed on an unexpected error, not the time limit", run.Status, run.Error)
	}
	f.mustSync()
	assertConverged(t, f, 1)
}

// The client-side rate limit spaces an account's write calls, and keeps
// doing so across runs (the account's bucket outlives a run).
func TestRateLimitSpacesCalls(t *testing.T) {
	f := newFixture(t, "sqlite")
	f.engine = contactsync.New(f.db, contactsync.Options{Phones: contactsync.Phones{Region: "FR"},
		Rate: contactsync.RateLimit{WritesPerMinute: 300, Burst: 1}}, nil) // one write every 200 ms
	for i := range 450 {
		f.crmContact(crm.Contact{FirstName: "C", LastName: itoa(int64(i)), PersonalEmail: "c" + itoa(int64(i)) + "@example.org"})
	}
	f.mustSync() // group create + 3 batch creates
	c := f.find(f.live()[0].ID)
	c.LastName = "Edited"
	if err := f.svc.Contacts.UpdateContact(f.ctx, c); err != nil {
		t.Fatal(err)
	}
	f.mustSync() // 1 batch update, right after the first run's last write
	var writes []time.Time
	for _, e := range f.emu.Requests() {
		if isWrite(e.Method) {
			writes = append(writes, e.Time)
		}
	}
	if len(writes) != 5 {
		t.Fatalf("%d writes, want 5", len(writes))
	}
	// Times are logged when the emulator gets a request, after the client
	// built and sent it: a single gap may look shorter, the span may not.
	if span := writes[4].Sub(writes[0]); span < 750*time.Millisecond {
		t.Errorf("5 writes within %s, want at least 4 × 200ms", span)
	}
	for i := 1; i < len(writes); i++ {
		if gap := writes[i].Sub(writes[i-1]); gap < 100*time.Millisecond {
			t.Errorf("write %d came %s after the previous one, want about 200ms", i, gap)
		}
	}
}
