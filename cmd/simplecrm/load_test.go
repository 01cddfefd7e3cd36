package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/api/people/v1"
)

// TestLoadDuringSync runs 50 API clients against `simplecrm serve` while a
// large first sync runs (10,000 Google contacts come into the CRM), on both
// engines, over loopback: no 5xx, no "database is locked", p99 reported.
// Light by default (2,000 contacts, 10 s); SIMPLECRM_RELIABILITY=1 runs
// 10,000 contacts for 30 s.
func TestLoadDuringSync(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	size, d := 2000, 10*time.Second
	if reliability() {
		size, d = 10000, 30*time.Second
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { loadDuringSync(t, engine, size, d) })
	}
}

func loadDuringSync(t *testing.T, engine string, size int, d time.Duration) {
	p := newProduct(t, engine, false)
	token := p.mustUser(t, "Acme", "ann@acme.example")
	addr := freeAddr(t)
	srv := startServe(t, p.env(addr, "SIMPLECRM_SYNC_INTERVAL=0"), addr)
	api := apiClient{t: t, base: srv.base, token: token}
	mustContacts(t, api, 200, func(i int) string {
		return fmt.Sprintf(`{"first_name":"Crm%d","last_name":"Person","personal_email":"c%d@example.org"}`, i, i)
	})
	const google = "ann@gmail.example"
	if _, err := p.emu.AddAccount(google, "Ann"); err != nil {
		t.Fatal(err)
	}
	var persons []*people.Person
	for i := range size {
		persons = append(persons, &people.Person{Names: []*people.Name{{GivenName: fmt.Sprintf("Goo%d", i), FamilyName: "Person"}},
			EmailAddresses: []*people.EmailAddress{{Value: fmt.Sprintf("g%d@example.org", i), Type: "home"}},
			PhoneNumbers:   []*people.PhoneNumber{{Value: fmt.Sprintf("+33 6 12 %02d %02d %02d", i/10000, i/100%100, i%100), Type: "mobile"}}})
	}
	if _, err := p.emu.SeedGroup(google, "SimpleCRM", persons...); err != nil {
		t.Fatal(err)
	}
	_, runID := mustConnect(t, api, "ann@acme.example", google)

	var mu sync.Mutex
	var lat []time.Duration
	statuses := map[int]int{}
	var errs []string
	stop := time.Now().Add(d)
	client := &http.Client{Timeout: 30 * time.Second}
	var wg sync.WaitGroup
	for c := range 50 {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(c), 1))
			for time.Now().Before(stop) {
				method, path, body := "GET", "/api/v1/contacts?q=person&limit=50", ""
				switch n := rnd.IntN(10); {
				case n < 3:
					path = fmt.Sprintf("/api/v1/contacts/%d", 1+rnd.IntN(200))
				case n < 5:
					method, path, body = "POST", "/api/v1/contacts", fmt.Sprintf(`{"first_name":"Load%d","last_name":"Client%d"}`, rnd.IntN(1e6), c)
				case n < 7:
					method, path, body = "PATCH", fmt.Sprintf("/api/v1/contacts/%d", 1+rnd.IntN(200)), fmt.Sprintf(`{"note":"load %d"}`, rnd.IntN(1e6))
				case n < 8:
					path = fmt.Sprintf("/api/v1/sync-runs/%d", runID)
				}
				req, _ := http.NewRequest(method, srv.base+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				start := time.Now()
				resp, err := client.Do(req)
				el := time.Since(start)
				mu.Lock()
				if err != nil {
					errs = append(errs, err.Error())
				} else {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					statuses[resp.StatusCode]++
					lat = append(lat, el)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	var run runJSON
	api.do("GET", fmt.Sprintf("/api/v1/sync-runs/%d", runID), "", 200, &run)
	slices.Sort(lat)
	pct := func(q float64) time.Duration {
		return lat[min(len(lat)-1, int(q*float64(len(lat))))].Round(100 * time.Microsecond)
	}
	t.Logf("%s: %d requests in %v (%.0f/s) by 50 clients during a sync of %d contacts (run %s after the window): p50 %v, p99 %v, max %v; statuses %v",
		engine, len(lat), d, float64(len(lat))/d.Seconds(), size, run.Status, pct(0.5), pct(0.99), lat[len(lat)-1].Round(time.Millisecond), statuses)
	for st, n := range statuses {
		if st >= 500 {
			t.Errorf("%d responses with status %d", n, st)
		}
	}
	if len(errs) > 0 {
		t.Errorf("%d failed requests, e.g. %s", len(errs), errs[0])
	}
	run = waitRunFor(t, api, fmt.Sprint(runID), 5*time.Minute)
	if run.Counts["crm_created"] != size {
		t.Errorf("the sync created %d CRM contacts, want %d: %v", run.Counts["crm_created"], size, run.Counts)
	}
	logs := srv.Logs()
	for _, bad := range []string{"database is locked", "SQLITE_BUSY", "level=ERROR"} {
		if strings.Contains(logs, bad) {
			t.Errorf("the server logged %q", bad)
		}
	}
}
