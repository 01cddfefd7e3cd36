package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/store"
)

// TestCrashDuringSync kills `simplecrm serve` with SIGKILL at random points
// of a large first sync, on both engines, restarts it and lets the run
// finish; then no contact is lost or doubled on either side and the batches
// done before each crash were not repeated. The restarted process resumes the
// run by itself once the dead one's lease expires (SIMPLECRM_SYNC_LEASE).
// Seeded: SIMPLECRM_CRASH_SEED replays a failure. Light by default (3 kills);
// SIMPLECRM_RELIABILITY=1 (CI) runs 20 kills of a 3,000 + 3,000 contact sync
// per engine.
func TestCrashDuringSync(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	size, kills := 600, 3
	if os.Getenv("SIMPLECRM_RELIABILITY") != "" || os.Getenv("SIMPLECRM_CRASH_HEAVY") != "" {
		size, kills = 3000, 20
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("SIMPLECRM_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Logf("seed %d (SIMPLECRM_CRASH_SEED=%d replays it)", seed, seed)
			crashSync(t, engine, size, kills, rand.New(rand.NewPCG(seed, 0)))
		})
	}
}

func crashSync(t *testing.T, engine string, size, kills int, rnd *rand.Rand) {
	p := newProduct(t, engine, false)
	token := p.mustUser(t, "Acme", "ann@acme.example")
	addr := freeAddr(t)
	env := p.env(addr, "SIMPLECRM_SYNC_INTERVAL=0", "SIMPLECRM_SYNC_LEASE=1s")
	srv := startServe(t, env, addr)
	api := apiClient{t: t, base: srv.base, token: token}
	t.Cleanup(func() {
		if t.Failed() {
			logs := strings.Split(srv.Logs(), "\n")
			t.Logf("last server logs:\n%s", strings.Join(logs[max(0, len(logs)-20):], "\n"))
		}
	})

	// CRM contacts c0..c(size-1), Google contacts g0..g(size-1); the first
	// tenth of each side share an email with the other side.
	overlap := size / 10
	mustContacts(t, api, size, func(i int) string {
		return fmt.Sprintf(`{"first_name":"Crm%d","last_name":"Person","personal_email":"c%d@example.org"}`, i, i)
	})
	const google = "ann@gmail.example"
	if _, err := p.emu.AddAccount(google, "Ann"); err != nil {
		t.Fatal(err)
	}
	var persons []*people.Person
	for i := range size {
		email := fmt.Sprintf("g%d@example.org", i)
		if i < overlap {
			email = fmt.Sprintf("c%d@example.org", i)
		}
		persons = append(persons, &people.Person{Names: []*people.Name{{GivenName: fmt.Sprintf("Goo%d", i), FamilyName: "Person"}},
			EmailAddresses: []*people.EmailAddress{{Value: email, Type: "home"}}})
	}
	if _, err := p.emu.SeedGroup(google, "SimpleCRM", persons...); err != nil {
		t.Fatal(err)
	}
	p.emu.SetLatency("", 150*time.Millisecond) // a run of several seconds: room to crash in

	start := time.Now()
	acct, runID := mustConnect(t, api, "ann@acme.example", google)
	// Crash at random points of the run, each 0.1 to 1.5 s after the
	// (re)start; count the kills that hit a run still going.
	midRun := 0
	for k := range kills {
		time.Sleep(100*time.Millisecond + time.Duration(rnd.Int64N(int64(1400*time.Millisecond))))
		srv.kill()
		status := runStatus(t, p.dsn, runID)
		if !strings.HasPrefix(status, "succeeded") {
			midRun++
		}
		t.Logf("kill %d at %v: run %s", k+1, time.Since(start).Round(time.Millisecond), status)
		srv = startServe(t, env, addr)
	}
	// Kills after the run finished still test a restart; none during it
	// would test nothing.
	if midRun == 0 {
		t.Errorf("none of the %d kills hit the run while it was going: make it longer", kills)
	}
	api.base = srv.base
	first := waitRunFor(t, api, fmt.Sprint(runID), 5*time.Minute)
	t.Logf("the run finished after %d kills, %v: %v", kills, time.Since(start).Round(time.Millisecond), first.Counts)
	p.emu.SetLatency("", 0)
	var queued struct {
		RunID int64 `json:"run_id"`
	}
	// Just after a run succeeds its job may still be "running" in River, and
	// a request then answers that finished run: ask until a new one comes.
	for deadline := time.Now().Add(10 * time.Second); queued.RunID == 0 || queued.RunID == runID && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		api.do("POST", fmt.Sprintf("/api/v1/google-accounts/%d/sync", acct), "", 202, &queued)
	}
	second := waitRunFor(t, api, fmt.Sprint(queued.RunID), 5*time.Minute)
	for k, n := range second.Counts {
		if n != 0 && (strings.HasPrefix(k, "google_") || strings.HasPrefix(k, "crm_")) {
			t.Errorf("the sync after convergence still did %s = %d: %v", k, n, second.Counts)
		}
	}

	creates := p.emu.RequestCounts()["people.batchCreateContacts"]
	calls := 0
	for _, n := range creates {
		calls += n
	}
	need := size - overlap
	if max := (need+199)/200 + 2*kills; calls > max {
		t.Errorf("%d batch creates for %d contacts and %d kills: checkpoints lost (at most %d expected)", calls, need, kills, max)
	}
	t.Logf("batch creates: %v (%d contacts to create, %d kills)", creates, need, kills)
	checkConverged(t, p, api, google, 2*size-overlap)
}

func runStatus(t *testing.T, dsn string, runID int64) string {
	db, err := store.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var status string
	var n int
	db.SQL().QueryRowContext(t.Context(), fmt.Sprintf(`SELECT status FROM sync_runs WHERE id = %d`, runID)).Scan(&status)
	db.SQL().QueryRowContext(t.Context(), `SELECT count(*) FROM google_links`).Scan(&n)
	return fmt.Sprintf("%s, %d links", status, n)
}

// mustContacts creates n contacts through the API, 8 at a time.
func mustContacts(t *testing.T, api apiClient, n int, body func(i int) string) {
	t.Helper()
	var wg sync.WaitGroup
	next := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				api.do("POST", "/api/v1/contacts", body(i), 201, nil)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// checkConverged is the oracle after a finished sync of the account google
// with every CRM contact in scope: want contacts on each side, each CRM
// contact exactly once in the group with the same names and email, every
// member linked, no duplicate simplecrm-id or email on Google.
func checkConverged(t *testing.T, p *product, api apiClient, google string, want int) {
	t.Helper()
	var crmList struct {
		Items []struct {
			ID            int64
			FirstName     string `json:"first_name"`
			LastName      string `json:"last_name"`
			PersonalEmail string `json:"personal_email"`
		}
		NextCursor string `json:"next_cursor"`
	}
	type crmContact struct{ id, first, last string }
	crm := map[string]crmContact{} // by email
	cursor := ""
	for {
		crmList.Items, crmList.NextCursor = nil, ""
		api.do("GET", "/api/v1/contacts?limit=1000&cursor="+cursor, "", 200, &crmList)
		for _, c := range crmList.Items {
			if _, dup := crm[c.PersonalEmail]; dup {
				t.Errorf("CRM: two contacts with %s", c.PersonalEmail)
			}
			crm[c.PersonalEmail] = crmContact{fmt.Sprint(c.ID), c.FirstName, c.LastName}
		}
		if crmList.NextCursor == "" {
			break
		}
		cursor = crmList.NextCursor
	}
	if len(crm) != want {
		t.Errorf("CRM has %d contacts, want %d", len(crm), want)
	}

	groups, err := p.emu.Groups(google)
	if err != nil {
		t.Fatal(err)
	}
	group := ""
	for _, g := range groups {
		if g.Name == "SimpleCRM" {
			group = g.ResourceName
		}
	}
	all, err := p.emu.Contacts(google)
	if err != nil {
		t.Fatal(err)
	}
	byEmail, byID, members := map[string]int{}, map[string]int{}, 0
	for _, person := range all {
		for _, cd := range person.ClientData {
			if cd.Key == "simplecrm-id" {
				byID[cd.Value]++
			}
		}
		for _, e := range person.EmailAddresses {
			byEmail[strings.ToLower(e.Value)]++
		}
		in := false
		for _, m := range person.Memberships {
			in = in || (m.ContactGroupMembership != nil && m.ContactGroupMembership.ContactGroupResourceName == group)
		}
		if !in {
			continue
		}
		members++
		if len(person.EmailAddresses) != 1 {
			t.Errorf("Google %s has emails %v", person.ResourceName, person.EmailAddresses)
			continue
		}
		c, ok := crm[person.EmailAddresses[0].Value]
		switch {
		case !ok:
			t.Errorf("Google %s (%s) is not in the CRM", person.ResourceName, person.EmailAddresses[0].Value)
		case len(person.Names) == 0 || person.Names[0].GivenName != c.first || person.Names[0].FamilyName != c.last:
			t.Errorf("Google %s names %v, CRM %+v", person.ResourceName, person.Names, c)
		}
	}
	for id, n := range byID {
		if n > 1 {
			t.Errorf("Google: %d contacts with simplecrm-id %s", n, id)
		}
	}
	for email := range crm {
		if byEmail[email] != 1 {
			t.Errorf("Google: %d contacts with %s", byEmail[email], email)
		}
	}
	if members != want || len(all) != want {
		t.Errorf("Google: %d contacts, %d in the group, want %d", len(all), members, want)
	}
	db, err := store.Open(t.Context(), p.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var links int
	db.SQL().QueryRowContext(t.Context(), `SELECT count(*) FROM google_links`).Scan(&links)
	if links != want {
		t.Errorf("%d links, want %d", links, want)
	}
}
