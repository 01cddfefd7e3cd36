package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/api/people/v1"
)

// TestTwoInstances runs two `simplecrm serve` on one PostgreSQL database:
// sync requests for one account through both APIs at once never run two
// syncs of it at the same time, and when the instance running a sync is
// killed, the other one finishes it. Each instance reaches Google through
// its own loopback proxy, which tells which instance does the work.
func TestTwoInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	p := newProduct(t, "postgres", false)
	token := p.mustUser(t, "Acme", "ann@acme.example")
	var calls [2]atomic.Int64
	var srv [2]*serveProc
	var addrs [2]string
	var apis [2]apiClient
	for i := range srv {
		target, _ := url.Parse(p.emu.URL)
		rp := httputil.NewSingleHostReverseProxy(target)
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls[i].Add(1)
			rp.ServeHTTP(w, r)
		}))
		t.Cleanup(proxy.Close)
		addrs[i] = freeAddr(t)
		env := append(p.env(addrs[i], "SIMPLECRM_SYNC_INTERVAL=0", "SIMPLECRM_SYNC_LEASE=2s"), "SIMPLECRM_GOOGLE_API_URL="+proxy.URL+"/")
		srv[i] = startServe(t, env, addrs[i])
		apis[i] = apiClient{t: t, base: srv[i].base, token: token}
	}
	const google = "ann@gmail.example"
	if _, err := p.emu.AddAccount(google, "Ann"); err != nil {
		t.Fatal(err)
	}
	mustContacts(t, apis[0], 300, func(i int) string {
		return fmt.Sprintf(`{"first_name":"Crm%d","last_name":"Person","personal_email":"c%d@example.org"}`, i, i)
	})
	var persons []*people.Person
	for i := range 300 {
		persons = append(persons, &people.Person{Names: []*people.Name{{GivenName: fmt.Sprintf("Goo%d", i), FamilyName: "Person"}},
			EmailAddresses: []*people.EmailAddress{{Value: fmt.Sprintf("g%d@example.org", i), Type: "home"}}})
	}
	if _, err := p.emu.SeedGroup(google, "SimpleCRM", persons...); err != nil {
		t.Fatal(err)
	}
	acct, first := mustConnect(t, apis[0], "ann@acme.example", google)
	waitRunFor(t, apis[0], fmt.Sprint(first), 2*time.Minute)

	// Rounds of simultaneous requests through both instances, with an edit
	// before each so that every run has work; 20 ms per Google call.
	p.emu.SetLatency("", 20*time.Millisecond)
	runs := map[int64]bool{first: true}
	for round := range 5 {
		apis[round%2].do("PATCH", "/api/v1/contacts/"+fmt.Sprint(round+1), fmt.Sprintf(`{"mobile_phone":"+33 6 12 34 56 %02d"}`, round), 200, nil)
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Go(func() {
				var queued struct {
					RunID int64 `json:"run_id"`
				}
				apis[i%2].do("POST", fmt.Sprintf("/api/v1/google-accounts/%d/sync", acct), "", 202, &queued)
				mu.Lock()
				runs[queued.RunID] = true
				mu.Unlock()
			})
		}
		wg.Wait()
		time.Sleep(time.Duration(round) * 300 * time.Millisecond) // sometimes mid-run, sometimes after
	}
	type span struct {
		id            int64
		start, finish time.Time
	}
	var spans []span
	for id := range runs {
		waitRunFor(t, apis[0], fmt.Sprint(id), 2*time.Minute)
		var run struct {
			StartedAt  time.Time `json:"started_at"`
			FinishedAt time.Time `json:"finished_at"`
		}
		apis[1].do("GET", fmt.Sprintf("/api/v1/sync-runs/%d", id), "", 200, &run)
		spans = append(spans, span{id, run.StartedAt, run.FinishedAt})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start.Before(spans[j].start) })
	for i := 1; i < len(spans); i++ {
		if spans[i].start.Before(spans[i-1].finish) {
			t.Errorf("run %d started at %v, before run %d finished at %v", spans[i].id, spans[i].start, spans[i-1].id, spans[i-1].finish)
		}
	}
	t.Logf("%d requests in 5 rounds made %d runs, none overlapping; Google calls by instance: %d, %d",
		50, len(spans), calls[0].Load(), calls[1].Load())

	// Kill the instance that runs a sync, mid-run.
	p.emu.SetLatency("", 200*time.Millisecond)
	apis[0].do("PATCH", "/api/v1/contacts/10", `{"first_name":"Killed"}`, 200, nil)
	before := [2]int64{calls[0].Load(), calls[1].Load()}
	var queued struct {
		RunID int64 `json:"run_id"`
	}
	apis[0].do("POST", fmt.Sprintf("/api/v1/google-accounts/%d/sync", acct), "", 202, &queued)
	worker := -1
	for deadline := time.Now().Add(30 * time.Second); worker < 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		for i := range calls {
			if calls[i].Load() > before[i] {
				worker = i
			}
		}
	}
	if worker < 0 {
		t.Fatal("no instance started the sync")
	}
	srv[worker].kill()
	other := apis[1-worker]
	// Until the dead instance's lease expires (SIMPLECRM_SYNC_LEASE), a
	// request returns the same run and starts nothing; then the survivor
	// resumes it.
	var again struct {
		RunID int64 `json:"run_id"`
	}
	other.do("POST", fmt.Sprintf("/api/v1/google-accounts/%d/sync", acct), "", 202, &again)
	if again.RunID != queued.RunID {
		t.Errorf("a request while the dead instance's run is stuck made run %d, not %d", again.RunID, queued.RunID)
	}
	p.emu.SetLatency("", 0)
	otherBefore := calls[1-worker].Load()
	waitRunFor(t, other, fmt.Sprint(queued.RunID), 2*time.Minute)
	if calls[1-worker].Load() == otherBefore {
		t.Error("the surviving instance made no Google call, yet the run finished")
	}
	var ct map[string]any
	other.do("GET", "/api/v1/contacts/10", "", 200, &ct)
	checkConverged(t, p, other, google, 600)
	t.Logf("instance %d killed mid-run; instance %d finished run %d once its lease expired", worker+1, 2-worker, queued.RunID)
}
