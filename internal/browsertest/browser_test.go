package browsertest

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write the README's screenshots into docs/screenshots")

// stepTimeout bounds one step (a click and the page it leads to). A sync of
// the demo takes well under a second; the margin is for -race on a busy CI.
const stepTimeout = 45 * time.Second

// chromium finds the browser, or skips the test (fails it when
// SIMPLECRM_REQUIRE_BROWSER=1, as in CI).
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SIMPLECRM_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found (install it: apt-get install -y chromium, or set SIMPLECRM_CHROMIUM)"
	if os.Getenv("SIMPLECRM_REQUIRE_BROWSER") == "1" {
		t.Fatal(msg + "; SIMPLECRM_REQUIRE_BROWSER=1 makes the browser tests mandatory")
	}
	t.Skip(msg + "; skipping the browser tests")
	return ""
}

// browser is one headless Chromium with one tab, bound to a test. Its
// methods fail the test with a screenshot of the page.
type browser struct {
	t     *testing.T
	ctx   context.Context
	shots string // directory of failure screenshots, made on first use
	n     int    // screenshots taken, to number them
}

// newBrowser starts Chromium with a window of width×height. Its network is
// the loopback interface only: every host name but localhost fails to
// resolve, and the background services that call Google are off.
func newBrowser(t *testing.T, width, height int) *browser {
	t.Helper()
	path := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // the CI machines run as root
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); acancel() })
	// The first Run starts the browser for the life of ctx: no timeout here.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	b := &browser{t: t, ctx: ctx}
	// A failure outside the browser's own steps (the demo, an HTTP check)
	// still leaves a picture of where the browser was. Cleanups run last
	// in first out, so this one runs while the browser is still open.
	t.Cleanup(func() {
		if t.Failed() && b.n == 0 {
			t.Logf("the browser's last page: %s", b.screenshot("at-failure"))
		}
	})
	return b
}

// do runs steps with a timeout; what names them in a failure.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fatalf("%s: %v", what, err)
	}
}

// run runs one action that returns a value.
func run[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.fatalf("%s: %v", what, err)
	}
	return v
}

// text is the visible text of the first element matching the CSS selector.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(run(b, "read "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// value is the value of the input matching the CSS selector.
func (b *browser) value(sel string) string {
	b.t.Helper()
	return run(b, "read "+sel, chromedp.Value(chromedp.CSS(sel)))
}

func (b *browser) location() string {
	b.t.Helper()
	return run(b, "read the location", chromedp.Location())
}

// exists tells whether the CSS selector matches an element now, without
// waiting for one.
func (b *browser) exists(sel string) bool {
	b.t.Helper()
	return run(b, "look for "+sel, chromedp.Evaluate[bool](fmt.Sprintf("document.querySelector(%q) !== null", sel)))
}

// wantText fails unless the element's text contains each of want.
func (b *browser) wantText(sel string, want ...string) {
	b.t.Helper()
	got := b.text(sel)
	for _, w := range want {
		if !strings.Contains(got, w) {
			b.fatalf("%s reads %q, want it to contain %q", sel, got, w)
		}
	}
}

// fatalf saves a screenshot and the HTML of the page, then fails the test
// with the message and where they are.
func (b *browser) fatalf(format string, args ...any) {
	b.t.Helper()
	b.t.Fatalf("%s\n%s", fmt.Sprintf(format, args...), b.screenshot("failure"))
}

// screenshot saves the page as PNG and HTML into the test's screenshot
// directory (kept after the test) and says where. Before any page has
// loaded there is nothing to see: it says so instead of saving a blank PNG.
func (b *browser) screenshot(name string) string {
	// A fresh timeout: the failed step may have used up its own.
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	url, _ := chromedp.Run(ctx, chromedp.Location())
	if url == "" || url == "about:blank" {
		return "no screenshot: the browser had not loaded any page yet"
	}
	if b.shots == "" {
		dir, err := os.MkdirTemp("", "simplecrm-browsertest-"+safeName(b.t.Name())+"-")
		if err != nil {
			return "no screenshot: " + err.Error()
		}
		b.shots = dir
	}
	b.n++
	base := filepath.Join(b.shots, fmt.Sprintf("%02d-%s", b.n, name))
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return fmt.Sprintf("no screenshot of %s: %v", url, err)
	}
	if err := os.WriteFile(base+".png", png, 0o644); err != nil {
		return "no screenshot: " + err.Error()
	}
	if html, err := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html"))); err == nil {
		_ = os.WriteFile(base+".html", []byte(html), 0o644)
	}
	return fmt.Sprintf("screenshot of %s: %s.png (and .html) in %s", url, filepath.Base(base), b.shots)
}

// readmeShot writes the whole page to docs/screenshots when the tests run
// with -update-screenshots: the README shows the real thing. Dates and
// durations are hidden first, so that an unchanged page gives the same
// image on every run and the committed PNGs change only with the UI.
func (b *browser) readmeShot(name string) {
	b.t.Helper()
	if !*updateScreenshots {
		return
	}
	run(b, "hide dates and durations", chromedp.Evaluate[bool](hideVolatileJS))
	png := run(b, "screenshot for the README", chromedp.FullScreenshot(100))
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// hideVolatileJS hides what differs from run to run: the run's dates and
// duration, a contact's created and updated dates (each with its label).
const hideVolatileJS = `(() => {
  document.querySelectorAll("#run-info, #duration, #show-created, #show-updated").forEach(el => {
    el.style.display = "none";
    const label = el.previousElementSibling;
    if (el.tagName === "DD" && label && label.tagName === "DT") label.style.display = "none";
  });
  return true;
})()`

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func safeName(s string) string { return unsafeChars.ReplaceAllString(s, "_") }

// TestScreenshotBeforeAnyPage: a test that fails before the browser has
// loaded a page gets a sentence saying so, not a blank PNG to open.
func TestScreenshotBeforeAnyPage(t *testing.T) {
	b := newBrowser(t, 390, 844)
	if got := b.screenshot("failure"); !strings.Contains(got, "had not loaded any page") {
		t.Errorf("screenshot of a blank tab: %q, want it to say no page had loaded", got)
	}
	if b.shots != "" {
		t.Errorf("a screenshot directory %s was made for nothing", b.shots)
	}
}
