package bench

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"simplecrm/internal/crm"
	"simplecrm/internal/sample"
	"simplecrm/internal/store"
)

// apiFigures is the REST API's throughput for one kind of write.
type apiFigures struct {
	Op      string // "create" or "update"
	Clients int
	PerSec  float64
	Latency latency
}

const apiRound = 3 * time.Second

// measureAPI starts the real server ("simplecrm serve") on loopback over a
// copy of the loaded database and times contact creates and updates through
// the REST API with 1 and 8 concurrent clients.
func measureAPI(ctx context.Context, cfg *Config, tmpl *crmDB, d *dataset, dir string) ([]apiFigures, error) {
	path := filepath.Join(dir, "api.db")
	if err := copySQLite(ctx, tmpl.db, path); err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		return nil, err
	}
	_, token, err := db.CreateAPIToken(ctx, tmpl.owner.ID, "bench")
	db.Close()
	if err != nil {
		return nil, err
	}
	base, stop, err := startServer(ctx, cfg, "sqlite:"+path, dir)
	if err != nil {
		return nil, err
	}
	defer stop()

	client := &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 16, DisableCompression: true}}
	g, rng := sample.New(7), rand.New(rand.NewPCG(7, 8))
	var mu sync.Mutex
	nextBody := func() []byte { // the generator is not safe for concurrent use
		mu.Lock()
		defer mu.Unlock()
		return contactJSON(g.Contact(d.companies[rng.IntN(len(d.companies))]))
	}
	var out []apiFigures
	for _, op := range []string{"create", "update"} {
		for _, clients := range []int{1, 8} {
			f, err := apiRoundOf(ctx, client, clients, func(worker, i int) (*http.Request, error) {
				if op == "create" {
					return newRequest(ctx, "POST", base+"/api/v1/contacts", token, nextBody())
				}
				// Each client edits its own contacts, as people editing different records.
				share := len(tmpl.ids) / clients
				id := tmpl.ids[worker*share+i%share]
				body := fmt.Appendf(nil, `{"mobile_phone": "+33 6 12 %02d %02d %02d"}`, worker, i/100%100, i%100)
				return newRequest(ctx, "PATCH", fmt.Sprintf("%s/api/v1/contacts/%d", base, id), token, body)
			})
			if err != nil {
				return nil, fmt.Errorf("REST %s with %d clients: %w", op, clients, err)
			}
			f.Op = op
			out = append(out, *f)
		}
	}
	return out, nil
}

// apiRoundOf runs clients workers, each sending requests one after the other
// for apiRound, and returns the throughput and latency.
func apiRoundOf(ctx context.Context, client *http.Client, clients int, req func(worker, i int) (*http.Request, error)) (*apiFigures, error) {
	var (
		mu   sync.Mutex
		all  []time.Duration
		errs []error
		wg   sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(apiRound)
	for w := range clients {
		wg.Go(func() {
			var ds []time.Duration
			var err error
			for i := 0; time.Now().Before(deadline) && err == nil; i++ {
				var r *http.Request
				if r, err = req(w, i); err != nil {
					break
				}
				t := time.Now()
				err = send(client, r)
				ds = append(ds, time.Since(t))
			}
			mu.Lock()
			defer mu.Unlock()
			all = append(all, ds...)
			if err != nil {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, errs[0]
	}
	elapsed := time.Since(start)
	return &apiFigures{Clients: clients, PerSec: float64(len(all)) / elapsed.Seconds(), Latency: percentiles(all)}, nil
}

func newRequest(ctx context.Context, method, url, token string, body []byte) (*http.Request, error) {
	r, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	r.Header.Set("Authorization", "Bearer "+token)
	r.Header.Set("Content-Type", "application/json")
	return r, nil
}

func send(client *http.Client, r *http.Request) error {
	resp, err := client.Do(r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", r.Method, r.URL.Path, resp.Status, bytes.TrimSpace(body))
	}
	return nil
}

func contactJSON(c crm.Contact) []byte {
	type employment struct {
		CompanyName string `json:"company_name"`
		Function    string `json:"function"`
		WorkPhone   string `json:"work_phone"`
		WorkMobile  string `json:"work_mobile"`
		WorkEmail   string `json:"work_email"`
		Primary     bool   `json:"primary"`
	}
	body := map[string]any{
		"first_name": c.FirstName, "last_name": c.LastName, "home_phone": c.HomePhone,
		"mobile_phone": c.MobilePhone, "personal_email": c.PersonalEmail, "note": c.Note,
		"address": map[string]string{"street": c.Address.Street, "postal_code": c.Address.PostalCode,
			"city": c.Address.City, "region": c.Address.Region, "country": c.Address.Country},
	}
	var emps []employment
	for _, e := range c.Employments {
		emps = append(emps, employment{e.CompanyName, e.Function, e.WorkPhone, e.WorkMobile, e.WorkEmail, e.Primary})
	}
	if emps != nil {
		body["employments"] = emps
	}
	b, _ := json.Marshal(body)
	return b
}

// startServer runs "simplecrm serve" on a free loopback port over dsn until
// stop is called, and returns its base URL once it is ready.
func startServer(ctx context.Context, cfg *Config, dsn, dir string) (base string, stop func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := l.Addr().String()
	l.Close()
	logFile, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		return "", nil, err
	}
	key := make([]byte, 32)
	crand.Read(key)
	cmd := exec.Command(cfg.Exe, "serve")
	cmd.Env = append(os.Environ(), "SIMPLECRM_DB="+dsn, "SIMPLECRM_ADDR="+addr, "SIMPLECRM_SYNC_INTERVAL=0",
		"SIMPLECRM_SECRET_KEY="+base64.StdEncoding.EncodeToString(key))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return "", nil, err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop = func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		logFile.Close()
	}
	base = "http://" + addr
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); {
		select {
		case <-exited:
			logFile.Close()
			return "", nil, fmt.Errorf("serve exited early (log in %s)", logFile.Name())
		case <-ctx.Done():
			stop()
			return "", nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base, stop, nil
			}
		}
	}
	stop()
	return "", nil, fmt.Errorf("serve not ready after 60 s (log in %s)", logFile.Name())
}
