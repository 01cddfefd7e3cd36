package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestDemo runs `simplecrm demo` as a newcomer does: the banner names the
// CRM, the login and the Google emulator with its two accounts; both
// answer; Ctrl-C stops everything and removes the throwaway data. With
// --keep, a second run finds the same data, Google's included, unchanged.
// (internal/browsertest drives the demo in a browser.)
func TestDemo(t *testing.T) {
	t.Run("throwaway", func(t *testing.T) {
		d := startDemoBinary(t, "--addr", "127.0.0.1:0", "--google-addr", "127.0.0.1:0")
		page := mustLoginAndGet(t, d.crm, "demo@example.com", "demo-password", "/contacts")
		if !strings.Contains(page, `id="sync-mobile"`) {
			t.Fatal("the demo's contacts page has no Sync Mobile button")
		}
		if got := d.googleContacts(t, "alice@example.com"); got != demoAliceGoogle {
			t.Errorf("alice has %d Google contacts, want %d", got, demoAliceGoogle)
		}
		dir := d.stop(t)
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("the throwaway data directory %s is still there after Ctrl-C (%v)", dir, err)
		}
	})
	t.Run("keep", func(t *testing.T) {
		dir := t.TempDir()
		args := []string{"--keep", dir, "--addr", "127.0.0.1:0", "--google-addr", "127.0.0.1:0"}
		d := startDemoBinary(t, args...)
		// A change on the Google side must survive the restart.
		resp, err := http.Post(d.google+"/_emulator/contacts", "application/json", strings.NewReader(
			`{"email": "bob@example.com", "person": {"names": [{"givenName": "Kept"}]}, "groups": ["SimpleCRM"]}`))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("add a Google contact: %v %v", resp, err)
		}
		resp.Body.Close()
		before := d.googleContacts(t, "bob@example.com")
		d.stop(t)
		for _, f := range []string{"simplecrm.db", "google-emulator.json"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("--keep: %v", err)
			}
		}
		d = startDemoBinary(t, args...)
		if got := d.googleContacts(t, "bob@example.com"); got != before {
			t.Errorf("after a restart bob has %d Google contacts, want the %d kept", got, before)
		}
		mustLoginAndGet(t, d.crm, "demo@example.com", "demo-password", "/contacts")
		d.stop(t)
		mustHaveDemoData(t, dir)
	})
}

type demoProcess struct {
	cmd         *exec.Cmd
	crm, google string
	dir         string
	out         chan string // stdout lines after the banner
	done        chan struct{}
	waitErr     error
	stopped     bool
	bannerLines []string
}

var (
	demoCRMRe    = regexp.MustCompile(`^\s+Simple CRM\s+(http\S+)`)
	demoGoogleRe = regexp.MustCompile(`^\s+Google\s+(http\S+)`)
	demoDataRe   = regexp.MustCompile(`^\s+Data in\s+(\S+)`)
)

// startDemoBinary starts the demo and reads its banner; the process is
// stopped with SIGINT at the latest when the test ends.
func startDemoBinary(t *testing.T, args ...string) *demoProcess {
	t.Helper()
	cmd := exec.Command(mustBuild(t), append([]string{"demo"}, args...)...)
	cmd.Env = os.Environ()
	cmd.Stderr = os.Stderr // warnings and errors only
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &demoProcess{cmd: cmd, out: make(chan string, 100), done: make(chan struct{})}
	banner := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		inBanner := true
		for sc.Scan() {
			line := sc.Text()
			if !inBanner {
				d.out <- line
				continue
			}
			d.bannerLines = append(d.bannerLines, line)
			if m := demoCRMRe.FindStringSubmatch(line); m != nil {
				d.crm = m[1]
			} else if m := demoGoogleRe.FindStringSubmatch(line); m != nil {
				d.google = m[1]
			} else if m := demoDataRe.FindStringSubmatch(line); m != nil {
				d.dir = m[1]
			} else if strings.HasPrefix(line, "Press Ctrl-C") {
				inBanner = false
				close(banner)
			}
		}
		close(d.out)
	}()
	go func() { d.waitErr = cmd.Wait(); close(d.done) }()
	t.Cleanup(func() {
		if !d.stopped {
			d.stop(t)
		}
	})
	select {
	case <-banner:
	case <-d.done:
		t.Fatalf("demo exited before its banner: %v", d.waitErr)
	case <-time.After(60 * time.Second):
		t.Fatal("no banner from the demo within 60s")
	}
	if d.crm == "" || d.google == "" || d.dir == "" {
		t.Fatalf("the banner lacks a URL or the data directory:\n%s", strings.Join(d.bannerLines, "\n"))
	}
	for _, want := range []string{"demo@example.com / demo-password", "alice@example.com, bob@example.com"} {
		if !strings.Contains(strings.Join(d.bannerLines, "\n"), want) {
			t.Errorf("the banner lacks %q:\n%s", want, strings.Join(d.bannerLines, "\n"))
		}
	}
	return d
}

// stop sends Ctrl-C's signal and checks the demo exits cleanly and says so;
// it returns the data directory the banner named.
func (d *demoProcess) stop(t *testing.T) string {
	t.Helper()
	d.stopped = true
	d.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-d.done:
	case <-time.After(40 * time.Second):
		d.cmd.Process.Kill()
		t.Fatal("the demo did not stop within 40s of SIGINT")
	}
	if d.waitErr != nil {
		t.Errorf("the demo did not exit cleanly on SIGINT: %v", d.waitErr)
	}
	var rest []string
	for line := range d.out {
		rest = append(rest, line)
	}
	if !strings.Contains(strings.Join(rest, "\n"), "demo stopped") {
		t.Errorf("after SIGINT the demo printed %q, want it to say it stopped", rest)
	}
	return d.dir
}

// googleContacts counts the account's contacts in the demo's emulator.
func (d *demoProcess) googleContacts(t *testing.T, email string) int {
	t.Helper()
	resp, err := http.Get(d.google + "/_emulator/contacts?email=" + email)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Contacts []json.RawMessage }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return len(body.Contacts)
}
