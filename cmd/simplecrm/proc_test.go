package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"simplecrm/internal/googleemu"
	"simplecrm/internal/pgtest"
)

// Helpers of the reliability tests (security, crash, instances, load): a
// `simplecrm serve` process the test can kill and read the logs of, and a
// product wired to the emulator as Google.

// reliability reports whether the heavy versions run (.ci/run sets it).
func reliability() bool { return os.Getenv("SIMPLECRM_RELIABILITY") == "1" }

// serveProc is a running `simplecrm serve`.
type serveProc struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string
	done chan struct{}

	mu      sync.Mutex
	logs    bytes.Buffer
	waitErr error
}

// startServe starts `simplecrm serve` on addr, with more flags if given, and
// waits until it listens. At cleanup a live process gets SIGTERM and must
// exit cleanly.
func startServe(t *testing.T, env []string, addr string, flags ...string) *serveProc {
	t.Helper()
	p := &serveProc{t: t, done: make(chan struct{})}
	p.cmd = exec.Command(mustBuild(t), append([]string{"serve", "--addr", addr}, flags...)...)
	p.cmd.Env = append(os.Environ(), env...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan string, 1)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.logs.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if m := listenRe.FindStringSubmatch(sc.Text()); m != nil {
				listening <- m[1]
			}
		}
	}()
	go func() {
		<-scanned
		err := p.cmd.Wait()
		p.mu.Lock()
		p.waitErr = err
		p.mu.Unlock()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
			return
		default:
		}
		if err := p.stop(); err != nil {
			t.Errorf("serve did not exit cleanly on SIGTERM: %v\n%s", err, p.Logs())
		}
	})
	select {
	case a := <-listening:
		p.base = "http://" + a
		return p
	case <-p.done:
		t.Fatalf("serve exited early: %v\n%s", p.waitErr, p.Logs())
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not start listening within 60s\n%s", p.Logs())
	}
	return nil
}

// Logs returns everything the process wrote to stderr so far.
func (p *serveProc) Logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// kill ends the process with SIGKILL, as a crash or an OOM killer would.
func (p *serveProc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and waits for a clean exit.
func (p *serveProc) stop() error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.waitErr
	case <-time.After(40 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("no exit within 40s of SIGTERM")
	}
}

// product is Simple CRM on one database with the emulator as Google.
type product struct {
	dsn string
	emu *googleemu.Server
	// emuFile is the emulator's state, where the refresh tokens it issued are.
	emuFile string
}

// newProduct opens a fresh database of engine ("sqlite" or "postgres").
// persist keeps the emulator's state in a file (slow with many contacts:
// it is rewritten after every change).
func newProduct(t *testing.T, engine string, persist bool) *product {
	t.Helper()
	dir := t.TempDir()
	dsn := "sqlite:" + filepath.Join(dir, "crm.db")
	if engine == "postgres" {
		dsn = pgtest.Start(t)
	}
	p := &product{dsn: dsn, emuFile: filepath.Join(dir, "emulator.json")}
	opts := googleemu.Options{}
	if persist {
		opts.DataFile = p.emuFile
	}
	p.emu = googleemu.NewTestServer(t, opts)
	return p
}

// env is the configuration of an instance listening on addr.
func (p *product) env(addr string, extra ...string) []string {
	return append([]string{"SIMPLECRM_DB=" + p.dsn, "SIMPLECRM_ADDR=" + addr, "SIMPLECRM_BASE_URL=http://" + addr,
		"SIMPLECRM_SECRET_KEY=" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32)),
		"SIMPLECRM_GOOGLE_CLIENT_ID=crm", "SIMPLECRM_GOOGLE_CLIENT_SECRET=secret",
		"SIMPLECRM_GOOGLE_AUTH_URL=" + p.emu.URL + "/o/oauth2/v2/auth", "SIMPLECRM_GOOGLE_TOKEN_URL=" + p.emu.URL + "/token",
		"SIMPLECRM_GOOGLE_REVOKE_URL=" + p.emu.URL + "/revoke", "SIMPLECRM_GOOGLE_API_URL=" + p.emu.APIURL()}, extra...)
}

// mustUser adds a user of org (with the password pw) and returns an API token.
func (p *product) mustUser(t *testing.T, org, email string) string {
	t.Helper()
	env := p.env("127.0.0.1:0")
	mustRun(t, env, pw+"\n", "user", "add", "--org", org, "--email", email, "--admin")
	return strings.TrimSpace(mustRun(t, env, "", "token", "create", "--email", email))
}

const pw = "s3cret-passw0rd"

// mustConnect connects the Google account googleEmail for the CRM user
// email as a person would (the API gives the URL, a logged-in browser goes
// through the chooser and consent) and returns the account id and the
// first run's id.
func mustConnect(t *testing.T, api apiClient, email, googleEmail string) (accountID, runID int64) {
	t.Helper()
	var conn struct {
		AuthorizationURL string `json:"authorization_url"`
	}
	api.do("POST", "/api/v1/google-accounts/connect", ``, 200, &conn)
	landed, err := googleemu.ClickThrough(mustLogin(t, api.base, email, pw), conn.AuthorizationURL, googleEmail, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Sscanf(strings.TrimPrefix(landed, api.base+"/google/runs/"), "%d", &runID); err != nil {
		t.Fatalf("after consent the browser landed on %s", landed)
	}
	var accounts struct {
		Items []struct {
			ID    int64 `json:"id"`
			Email string
		}
	}
	api.do("GET", "/api/v1/google-accounts", "", 200, &accounts)
	for _, a := range accounts.Items {
		if a.Email == googleEmail {
			return a.ID, runID
		}
	}
	t.Fatalf("no account %s after connecting: %+v", googleEmail, accounts)
	return 0, 0
}

// refreshTokens returns the refresh tokens the emulator issued, from its
// state file.
func (p *product) refreshTokens(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(p.emuFile)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		State struct {
			Grants map[string]json.RawMessage
		}
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatalf("emulator state: %v", err)
	}
	var out []string
	for rt := range st.State.Grants {
		out = append(out, rt)
	}
	return out
}

// noRedirects is a client that shows redirects instead of following them.
func noRedirects(jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// queryParam returns the parameter name of rawURL.
func queryParam(t *testing.T, rawURL, name string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get(name)
}
