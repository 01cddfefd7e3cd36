package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"simplecrm/internal/googleemu"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/api/people/v1"
)

// cliRun runs the binary to completion: stdout, stderr, exit status.
func cliRun(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(mustBuild(t), args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

var progressRe = regexp.MustCompile(`^\[[#.]{30}\] +\d+% .+: \d+/\d+$`)

// TestSyncCommand is `simplecrm sync --email --account` against the
// emulator, stderr a pipe: the account is chosen, progress comes as lines,
// the end message and the exit status tell the outcome; Ctrl-C stops the
// run, which the next `simplecrm sync` resumes.
func TestSyncCommand(t *testing.T) {
	p := newProduct(t, "sqlite", false)
	for _, g := range []string{"ann@gmail.example", "ann.work@gmail.example"} {
		if _, err := p.emu.AddAccount(g, "Ann"); err != nil {
			t.Fatal(err)
		}
	}
	token := p.mustUser(t, "Acme", "ann@acme.example")
	addr := freeAddr(t)
	env := p.env(addr, "SIMPLECRM_SYNC_INTERVAL=0")
	srv := startServe(t, env, addr)
	api := apiClient{t: t, base: srv.base, token: token}
	for _, g := range []string{"ann@gmail.example", "ann.work@gmail.example"} {
		_, run := mustConnect(t, api, "ann@acme.example", g)
		waitRun(t, api, fmt.Sprint(run))
	}
	// The CLI's own queue runs its syncs: no server takes the job.
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}

	_, stderr, code := cliRun(t, env, "sync", "--email", "ann@acme.example")
	if code == 0 || !strings.Contains(stderr, "has several Google accounts: choose one with --account") {
		t.Fatalf("without --account: exit %d, stderr %q", code, stderr)
	}
	_, stderr, code = cliRun(t, env, "sync", "--email", "ann@acme.example", "--account", "nobody@gmail.example")
	if code == 0 || !strings.Contains(stderr, "has no Google account nobody@gmail.example") {
		t.Fatalf("unknown --account: exit %d, stderr %q", code, stderr)
	}

	for i := range 30 {
		if _, err := p.emu.SeedGroup("ann.work@gmail.example", "SimpleCRM", &people.Person{
			Names:          []*people.Name{{GivenName: "G", FamilyName: fmt.Sprint(i)}},
			EmailAddresses: []*people.EmailAddress{{Value: fmt.Sprintf("g%d@example.org", i), Type: "home"}}}); err != nil {
			t.Fatal(err)
		}
	}
	// Retried rate limits are the run's business, not lines in the way of
	// the progress.
	p.emu.AddFault(googleemu.Fault{Status: 429, Times: 2})
	stdout, stderr, code := cliRun(t, env, "sync", "--email", "ann@acme.example", "--account", "ann.work@gmail.example")
	if code != 0 || !strings.Contains(stdout, "Sync finished") || !strings.Contains(stdout, "CRM: 30 created") {
		t.Fatalf("sync: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	if strings.Contains(stderr, "level=WARN") {
		t.Errorf("retries logged among the progress lines:\n%s", stderr)
	}
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if strings.Contains(stderr, "\r") || !progressRe.MatchString(lines[len(lines)-1]) ||
		!strings.Contains(lines[len(lines)-1], "100% Done") {
		t.Fatalf("progress on a pipe is not one line per change ending at 100%%:\n%q", stderr)
	}

	interruptAndResume(t, p, env)
}

// interruptAndResume sends Ctrl-C to a slow sync: it stops, says the next
// run resumes, and the next `simplecrm sync` finishes the job.
func interruptAndResume(t *testing.T, p *product, env []string) {
	for i := range 30 {
		if _, err := p.emu.SeedGroup("ann@gmail.example", "SimpleCRM", &people.Person{
			Names:          []*people.Name{{GivenName: "H", FamilyName: fmt.Sprint(i)}},
			EmailAddresses: []*people.EmailAddress{{Value: fmt.Sprintf("h%d@example.org", i), Type: "home"}}}); err != nil {
			t.Fatal(err)
		}
	}
	p.emu.SetLatency("people.connections.list", 3*time.Second)
	cmd := exec.Command(mustBuild(t), "sync", "--email", "ann@acme.example", "--account", "ann@gmail.example")
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	var out strings.Builder
	for sc.Scan() { // the first progress line: the run is under way
		out.WriteString(sc.Text() + "\n")
		if line := sc.Text(); line == "Starting" || strings.HasPrefix(line, "Reading changes from Google") ||
			progressRe.MatchString(line) {
			break
		}
	}
	cmd.Process.Signal(syscall.SIGINT)
	for sc.Scan() {
		out.WriteString(sc.Text() + "\n")
	}
	err = cmd.Wait()
	if err == nil || !strings.Contains(out.String(), "interrupted: the sync stopped; it resumes from its last checkpoint") {
		t.Fatalf("after Ctrl-C: %v\n%s", err, out.String())
	}
	p.emu.SetLatency("people.connections.list", 0)
	stdout, errOut, code := cliRun(t, env, "sync", "--email", "ann@acme.example", "--account", "ann@gmail.example")
	if code != 0 || !strings.Contains(stdout, "Sync finished") {
		t.Fatalf("the sync after Ctrl-C: exit %d\nstdout %s\nstderr %s", code, stdout, errOut)
	}
	all, _ := p.emu.Contacts("ann@gmail.example")
	seen := map[string]bool{}
	for _, c := range all {
		for _, e := range c.EmailAddresses {
			if seen[e.Value] {
				t.Errorf("%s twice in Google", e.Value)
			}
			seen[e.Value] = true
		}
	}
	if !seen["h29@example.org"] || !seen["g29@example.org"] {
		t.Errorf("after resuming, Google lacks contacts: %d emails", len(seen))
	}
}
