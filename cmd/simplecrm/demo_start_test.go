package main

import (
	"bufio"
	"context"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"simplecrm/internal/crm"
	"simplecrm/internal/store"
)

// The demo's sample data (internal/cli/demo_data.go): a restarted or
// reloaded demo must hold exactly this, never a part of it.
const (
	demoContactCount = 50
	demoCompanyCount = 12
	demoAliceGoogle  = 7 // her SimpleCRM group (6) and one contact outside it
)

// TestDemoInterruptedWhileLoading interrupts a kept demo while it loads the
// sample data: the Ctrl-C is a clean stop (status 0, one line, no error),
// and the next run finds the whole sample, not the part loaded before.
func TestDemoInterruptedWhileLoading(t *testing.T) {
	// Loading takes a few hundred milliseconds; step the Ctrl-C through
	// that window until one lands in the middle of the contacts.
	for delay := time.Duration(0); delay < 3*time.Second; delay += 10 * time.Millisecond {
		dir := t.TempDir()
		stdout, stderr, err := interruptDemoWhileLoading(t, dir, delay)
		if err != nil || stderr != "" {
			t.Fatalf("Ctrl-C %v into loading: %v, stderr %q, want a clean stop", delay, err, stderr)
		}
		if lines := strings.Split(strings.TrimSpace(stdout), "\n"); lines[len(lines)-1] != "Simple CRM demo stopped." {
			t.Fatalf("Ctrl-C %v into loading printed %q, want it to end with the stop line", delay, stdout)
		}
		n, _ := demoDataCounts(t, dir)
		t.Logf("Ctrl-C %v into loading: %d contacts", delay, n)
		if n == 0 || n == demoContactCount {
			continue // before or after the contacts: try later
		}
		d := startDemoBinary(t, "--keep", dir, "--addr", "127.0.0.1:0", "--google-addr", "127.0.0.1:0")
		if got := d.googleContacts(t, "alice@example.com"); got != demoAliceGoogle {
			t.Errorf("after the reload alice has %d Google contacts, want %d", got, demoAliceGoogle)
		}
		d.stop(t)
		mustHaveDemoData(t, dir)
		return
	}
	t.Fatal("no Ctrl-C landed while the demo was loading its contacts")
}

// interruptDemoWhileLoading starts a kept demo and sends Ctrl-C's signal
// delay after it says it loads the sample data.
func interruptDemoWhileLoading(t *testing.T, dir string, delay time.Duration) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(mustBuild(t), "demo", "--keep", dir, "--addr", "127.0.0.1:0", "--google-addr", "127.0.0.1:0")
	var errb strings.Builder
	cmd.Stderr = &errb
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var outb strings.Builder
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		outb.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "Loading the sample data") {
			time.Sleep(delay)
			cmd.Process.Signal(syscall.SIGINT)
			break
		}
	}
	for sc.Scan() {
		outb.WriteString(sc.Text() + "\n")
	}
	err = cmd.Wait()
	return outb.String(), errb.String(), err
}

// mustHaveDemoData checks a stopped demo's directory holds exactly the
// sample contacts and companies.
func mustHaveDemoData(t *testing.T, dir string) {
	t.Helper()
	contacts, companies := demoDataCounts(t, dir)
	if contacts != demoContactCount || companies != demoCompanyCount {
		t.Errorf("the demo in %s has %d contacts and %d companies, want %d and %d",
			dir, contacts, companies, demoContactCount, demoCompanyCount)
	}
}

// demoDataCounts counts the demo organization's contacts and companies in
// the database of a stopped demo (0, 0 before its admin exists).
func demoDataCounts(t *testing.T, dir string) (contacts, companies int) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(dir, "simplecrm.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := db.Services()
	admin, err := svc.Users.FindUserByEmail(ctx, "demo@example.com")
	if crm.ErrorCode(err) == crm.ENOTFOUND || (err != nil && strings.Contains(err.Error(), "no such table")) {
		return 0, 0
	} else if err != nil {
		t.Fatal(err)
	}
	cs, _, err := svc.Contacts.ListContacts(ctx, admin.OrgID, crm.ContactFilter{Limit: crm.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	cos, _, err := svc.Companies.ListCompanies(ctx, admin.OrgID, crm.CompanyFilter{Limit: crm.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return len(cs), len(cos)
}

// TestDemoBusyPorts takes the demo's default ports: it serves on free ones
// and prints those. A busy port that was asked for is a one-line error.
func TestDemoBusyPorts(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:8080", "127.0.0.1:8090"} {
		if l, err := net.Listen("tcp", addr); err == nil { // else busy already
			defer l.Close()
		}
	}
	d := startDemoBinary(t)
	for _, u := range []string{d.crm, d.google} {
		if strings.HasSuffix(u, ":8080") || strings.HasSuffix(u, ":8090") {
			t.Errorf("the banner names %s, a busy default port", u)
		}
	}
	mustLoginAndGet(t, d.crm, "demo@example.com", "demo-password", "/contacts")
	if got := d.googleContacts(t, "alice@example.com"); got != demoAliceGoogle {
		t.Errorf("alice has %d Google contacts, want %d", got, demoAliceGoogle)
	}
	d.stop(t)

	out, err := exec.Command(mustBuild(t), "demo", "--addr", "127.0.0.1:8080").CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if err == nil || !strings.HasPrefix(lines[len(lines)-1], "simplecrm: listen on 127.0.0.1:8080 (--addr / SIMPLECRM_ADDR): ") {
		t.Errorf("demo --addr on a busy port: %v, output %q, want a one-line listen error", err, out)
	}
}

// TestDemoSecondCtrlC holds the demo's shutdown up with a request whose body
// never comes (the server waits up to 15 s for it): the first Ctrl-C says a
// second one forces the stop, and the second one does, at once.
func TestDemoSecondCtrlC(t *testing.T) {
	d := startDemoBinary(t, "--addr", "127.0.0.1:0", "--google-addr", "127.0.0.1:0")
	conn, err := net.Dial("tcp", strings.TrimPrefix(d.crm, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("POST /login HTTP/1.1\r\nHost: demo\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the request is in its handler
	d.stopped = true
	d.cmd.Process.Signal(syscall.SIGINT)
	select {
	case line := <-nonEmpty(d.out):
		if !strings.Contains(line, "press Ctrl-C again to force") {
			t.Errorf("after Ctrl-C the demo printed %q, want it to say how to force the stop", line)
		}
	case <-d.done:
		t.Fatal("the demo stopped at once: this test no longer holds its shutdown up")
	case <-time.After(10 * time.Second):
		t.Fatal("no line from the demo within 10s of Ctrl-C")
	}
	time.Sleep(100 * time.Millisecond)
	d.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-d.done:
	case <-time.After(5 * time.Second):
		d.cmd.Process.Kill()
		t.Fatal("the demo was still stopping 5s after the second Ctrl-C")
	}
}

// nonEmpty passes on the first line that is not blank.
func nonEmpty(lines <-chan string) <-chan string {
	first := make(chan string, 1)
	go func() {
		for l := range lines {
			if strings.TrimSpace(l) != "" {
				first <- l
				return
			}
		}
	}()
	return first
}
