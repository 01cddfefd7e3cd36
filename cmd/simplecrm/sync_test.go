package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/googleemu"
	"simplecrm/internal/pgtest"
)

// TestSyncMobileJourney runs the Sync Mobile journey through the real binary
// and the REST API: connect a Google account (the emulator's chooser and
// consent pages), first sync, edits on both sides, second sync.
func TestSyncMobileJourney(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			dsn := "sqlite:" + t.TempDir() + "/crm.db"
			if engine == "postgres" {
				dsn = pgtest.Start(t)
			}
			emu := googleemu.NewTestServer(t, googleemu.Options{})
			if _, err := emu.AddAccount("ann@gmail.example", "Ann"); err != nil {
				t.Fatal(err)
			}
			if _, err := emu.SeedGroup("ann@gmail.example", "SimpleCRM", &people.Person{
				Names:          []*people.Name{{GivenName: "Max", FamilyName: "Mustermann"}},
				EmailAddresses: []*people.EmailAddress{{Value: "max@example.de", Type: "home"}},
				Organizations:  []*people.Organization{{Name: "Muster GmbH", Title: "CEO"}},
			}); err != nil {
				t.Fatal(err)
			}
			addr := freeAddr(t)
			base := "http://" + addr
			env := []string{"SIMPLECRM_DB=" + dsn, "SIMPLECRM_ADDR=" + addr, "SIMPLECRM_BASE_URL=" + base,
				"SIMPLECRM_SECRET_KEY=" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32)),
				"SIMPLECRM_GOOGLE_CLIENT_ID=crm", "SIMPLECRM_GOOGLE_CLIENT_SECRET=secret",
				"SIMPLECRM_GOOGLE_AUTH_URL=" + emu.URL + "/o/oauth2/v2/auth", "SIMPLECRM_GOOGLE_TOKEN_URL=" + emu.URL + "/token",
				"SIMPLECRM_GOOGLE_REVOKE_URL=" + emu.URL + "/revoke", "SIMPLECRM_GOOGLE_API_URL=" + emu.APIURL()}
			mustRun(t, env, "s3cret-passw0rd\n", "user", "add", "--org", "Acme", "--email", "ann@acme.example")
			token := strings.TrimSpace(mustRun(t, env, "", "token", "create", "--email", "ann@acme.example"))
			mustServeAt(t, env, addr)
			api := apiClient{t: t, base: base, token: token}
			var zoe map[string]any
			api.do("POST", "/api/v1/contacts", `{"first_name":"Zoé","last_name":"Durand","personal_email":"zoe@example.org",
				"employments":[{"company_name":"Blue Bakery","function":"Baker"}]}`, 201, &zoe)

			// Connect: the API gives Google's URL; the browser (a cookie jar
			// logged in to the CRM) goes through the chooser and consent.
			var conn struct {
				AuthorizationURL string `json:"authorization_url"`
			}
			api.do("POST", "/api/v1/google-accounts/connect", ``, 200, &conn)
			browser := mustLogin(t, base, "ann@acme.example", "s3cret-passw0rd")
			landed, err := googleemu.ClickThrough(browser, conn.AuthorizationURL, "ann@gmail.example", true, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(landed, base+"/google/runs/") {
				t.Fatalf("after consent the browser landed on %s", landed)
			}
			var accounts struct {
				Items []struct {
					ID        int64 `json:"id"`
					Email     string
					LastRunID int64 `json:"last_run_id"`
				}
			}
			api.do("GET", "/api/v1/google-accounts", "", 200, &accounts)
			if len(accounts.Items) != 1 || accounts.Items[0].Email != "ann@gmail.example" {
				t.Fatalf("accounts = %+v", accounts)
			}
			acct := accounts.Items[0].ID
			runPath := strings.TrimPrefix(landed, base+"/google/runs/")
			first := waitRun(t, api, runPath)
			if first.Counts["google_created"] != 1 || first.Counts["crm_created"] != 1 {
				t.Fatalf("first run counts = %v", first.Counts)
			}

			// Edits on both sides, then a sync requested through the API.
			api.do("PATCH", "/api/v1/contacts/"+fmt.Sprint(zoe["id"]), `{"mobile_phone":"+33 6 12 34 56 78"}`, 200, nil)
			all, _ := emu.Contacts("ann@gmail.example")
			for _, p := range all {
				if p.Names[0].GivenName == "Max" {
					p.Names[0].GivenName = "Maximilian"
					if _, err := emu.UpdateContact("ann@gmail.example", p, "names"); err != nil {
						t.Fatal(err)
					}
				}
			}
			var queued struct {
				RunID int64 `json:"run_id"`
			}
			api.do("POST", fmt.Sprintf("/api/v1/google-accounts/%d/sync", acct), "", 202, &queued)
			second := waitRun(t, api, fmt.Sprint(queued.RunID))
			if second.Counts["crm_updated"] != 1 || second.Counts["google_updated"] != 1 {
				t.Fatalf("second run counts = %v", second.Counts)
			}
			var list struct{ Items []map[string]any }
			api.do("GET", "/api/v1/contacts?q=maximilian", "", 200, &list)
			if len(list.Items) != 1 || !strings.Contains(fmt.Sprint(list.Items[0]["note"]), "Company: Muster GmbH") {
				t.Fatalf("Max in the CRM = %v", list.Items)
			}
			all, _ = emu.Contacts("ann@gmail.example")
			found := false
			for _, p := range all {
				for _, ph := range p.PhoneNumbers {
					found = found || ph.Value == "+33 6 12 34 56 78"
				}
			}
			if !found {
				t.Fatal("the CRM's new mobile did not reach Google")
			}

			// The terminal way: same engine, same queue, an end message.
			out := mustRun(t, env, "", "sync", "--email", "ann@acme.example")
			if !strings.Contains(out, "Sync finished") || !strings.Contains(out, "CRM: 0 created, 0 updated") {
				t.Fatalf("simplecrm sync printed:\n%s", out)
			}
		})
	}
}

type runJSON struct {
	Status string
	Error  string
	Counts map[string]int
}

func waitRun(t *testing.T, api apiClient, id string) runJSON {
	t.Helper()
	return waitRunFor(t, api, id, 60*time.Second)
}

func waitRunFor(t *testing.T, api apiClient, id string, d time.Duration) runJSON {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		var run runJSON
		api.do("GET", "/api/v1/sync-runs/"+id, "", 200, &run)
		switch run.Status {
		case "succeeded":
			return run
		case "failed":
			t.Fatalf("run %s failed: %s", id, run.Error)
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s still %s after %v", id, run.Status, d)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func mustLogin(t *testing.T, base, email, pw string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {pw}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return c
}
