package browsertest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"simplecrm/internal/cli"
)

// demo is a running `simplecrm demo`: the command itself, in-process (so
// that the race detector sees the server, the jobs and the emulator), on
// free ports, with what its banner printed.
type demo struct {
	CRM, Google     string // base URLs
	Email, Password string // the login
	Accounts        []string
	Dir             string
}

var (
	crmLineRe    = regexp.MustCompile(`^\s+Simple CRM\s+(http\S+)`)
	loginLineRe  = regexp.MustCompile(`^\s+Log in\s+(\S+) / (\S+)`)
	googleLineRe = regexp.MustCompile(`^\s+Google\s+(http\S+)`)
	acctsLineRe  = regexp.MustCompile(`^\s+Google accts\s+(.+)$`)
)

// startDemo runs the demo command until the test ends, then stops it as
// Ctrl-C does and checks that it exits cleanly.
func startDemo(t *testing.T) *demo {
	t.Helper()
	d := &demo{Dir: t.TempDir()}
	ctx, cancel := context.WithCancel(context.Background())
	out, outW := io.Pipe()
	logs := &lockedBuffer{}
	app := &cli.App{Stdin: strings.NewReader(""), Stdout: outW, Stderr: logs,
		Getenv: func(string) string { return "" }} // no SIMPLECRM_* from the environment
	exited := make(chan int, 1)
	go func() {
		code := app.Main(ctx, []string{"demo", "--keep", d.Dir, "--addr", "127.0.0.1:0", "--google-addr", "127.0.0.1:0"})
		outW.Close()
		exited <- code
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-exited:
			if code != 0 {
				t.Errorf("demo exited with status %d after Ctrl-C; its log:\n%s", code, logs)
			}
		case <-time.After(60 * time.Second):
			t.Errorf("demo still running 60s after Ctrl-C; its log:\n%s", logs)
		}
	})

	banner := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		found := false
		for !found && sc.Scan() {
			line := sc.Text()
			if m := crmLineRe.FindStringSubmatch(line); m != nil {
				d.CRM = m[1]
			} else if m := loginLineRe.FindStringSubmatch(line); m != nil {
				d.Email, d.Password = m[1], m[2]
			} else if m := googleLineRe.FindStringSubmatch(line); m != nil {
				d.Google = m[1]
			} else if m := acctsLineRe.FindStringSubmatch(line); m != nil {
				d.Accounts = strings.Split(m[1], ", ")
			} else if strings.HasPrefix(line, "Press Ctrl-C") {
				found = true
				banner <- nil
			}
		}
		if !found {
			banner <- fmt.Errorf("the demo's output ended before its banner")
		}
		// Keep draining: the demo prints a last line when it stops.
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case err := <-banner:
		if err != nil {
			t.Fatalf("%v; its log:\n%s", err, logs)
		}
	case code := <-exited:
		exited <- code // for the cleanup
		t.Fatalf("demo exited with status %d before serving; its log:\n%s", code, logs)
	case <-time.After(60 * time.Second):
		t.Fatalf("no banner from the demo after 60s; its log:\n%s", logs)
	}
	if d.CRM == "" || d.Google == "" || d.Email == "" || len(d.Accounts) != 2 {
		t.Fatalf("the demo's banner lacks a URL, the login or the two Google accounts: %+v", d)
	}
	return d
}

// setLatency slows every People API call of the emulator down, so that a
// sync lasts long enough for its progress to be seen; 0 removes it.
func (d *demo) setLatency(t *testing.T, ms int) {
	t.Helper()
	resp, err := http.Post(d.Google+"/_emulator/latency", "application/json",
		strings.NewReader(fmt.Sprintf(`{"method": "", "ms": %d}`, ms)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("set the emulator's latency: %s", resp.Status)
	}
}

// login logs in to the CRM with the demo's login and lands on the contacts.
func (b *browser) login(d *demo) {
	b.t.Helper()
	b.do("log in",
		chromedp.Navigate(d.CRM+"/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), d.Email),
		chromedp.SendKeys(chromedp.ID("password"), d.Password),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("contact-list")),
	)
}

// chooseGoogleAccount does what a person does on Google's pages once the
// browser is on the account chooser: pick the account, then allow access on
// the consent page. shot, if not empty, names a README screenshot of the
// chooser.
func (b *browser) chooseGoogleAccount(email, shot string) {
	b.t.Helper()
	b.do("wait for Google's account chooser", chromedp.WaitVisible(chromedp.CSS(chooserButton(email))))
	if shot != "" {
		b.readmeShot(shot)
	}
	b.do("choose "+email+" in Google's account chooser",
		chromedp.Click(chromedp.CSS(chooserButton(email))),
		chromedp.WaitVisible(chromedp.CSS(allowButton)),
	)
	b.wantText("h1", "wants access to your Google Account")
	b.do("allow access on Google's consent page",
		chromedp.Click(chromedp.CSS(allowButton)),
		chromedp.WaitNotPresent(chromedp.CSS(allowButton)),
	)
}

// allowButton is the consent page's Allow.
const allowButton = `button[name="action"][value="allow"]`

// chooserButton selects the account's button in the emulator's chooser.
func chooserButton(email string) string {
	return fmt.Sprintf(`form:has(input[name="email"][value=%q]) button.acct`, email)
}

// connectGoogle clicks Sync Mobile on the contacts page, goes through
// Google's pages and waits for the end of the first sync on the run page.
func (b *browser) connectGoogle(d *demo, email string) {
	b.t.Helper()
	b.do("click Sync Mobile",
		chromedp.Navigate(d.CRM+"/contacts"),
		chromedp.Click(chromedp.ID("sync-mobile")),
	)
	b.chooseGoogleAccount(email, "")
	b.waitRunEnd()
}

// waitRunEnd waits on a run page for the end message, which the page's
// script loads when the progress stream says the run ended.
func (b *browser) waitRunEnd() {
	b.t.Helper()
	b.do("wait for the end of the sync", chromedp.WaitVisible(chromedp.ID("end-message")))
	if status := b.text("#run-status"); status != "Sync finished" {
		b.fatalf("the sync ended with %q, want Sync finished", status)
	}
}

// lockedBuffer collects the demo's log from its goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
