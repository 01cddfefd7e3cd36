package browsertest

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestSyncMobileJourney is the newcomer's first five minutes with the demo:
// log in, click Sync Mobile, pick an account in Google's chooser, allow
// access, watch the progress and read the end message; then open Google's
// contacts page, find a CRM contact there, edit it as on a phone, sync
// again and see the change in the CRM, the business fields in the Note.
func TestSyncMobileJourney(t *testing.T) {
	b := newBrowser(t, 1024, 768)
	d := startDemo(t)
	b.login(d)
	alice := d.Accounts[0]

	// Slow Google down so that the live progress is on screen for a while:
	// the progress stream reads the run every 500 ms, and the first sync
	// makes only a few calls (batches of up to 200 contacts).
	d.setLatency(t, 600)
	b.do("click Sync Mobile", chromedp.Click(chromedp.ID("sync-mobile")))
	b.chooseGoogleAccount(alice, "1-google-account-chooser")
	b.do("see the progress", chromedp.WaitVisible(chromedp.ID("run-progress")))
	if u := b.location(); !strings.HasPrefix(u, d.CRM+"/google/runs/") {
		b.fatalf("after consent the browser is on %s, want the run page", u)
	}
	b.wantText("#flash", "Connected "+alice)
	b.watchProgress()
	b.waitRunEnd()
	d.setLatency(t, 0)
	// The demo's story (internal/cli/demo_data.go): 50 CRM contacts, 4 of
	// them already on the phone (one renamed there), 2 only on the phone.
	for sel, want := range map[string]string{"#google-created": "46", "#crm-created": "2", "#conflicts": "1", "#errors": "0"} {
		if got := b.text(sel); got != want {
			b.fatalf("first sync: %s = %s, want %s", sel, got, want)
		}
	}
	b.wantText(`#run-events li[data-kind="conflict"]`, "Conflict")
	b.readmeShot("2-sync-finished")
	firstRun := b.location()

	// A CRM contact, as the CRM shows it.
	b.do("open a contact",
		chromedp.Navigate(d.CRM+"/contacts"),
		chromedp.Click(chromedp.CSS("#contact-list a.row")),
		chromedp.WaitVisible(chromedp.ID("contact-name")),
	)
	contactURL := b.location()
	name, email := b.text("#contact-name"), b.text("#show-personal_email")

	// Google's contacts page: sign in with the same account, find it.
	b.do("open Google's contacts page",
		chromedp.Navigate(d.Google+"/"),
		chromedp.Click(chromedp.CSS(`a[href="/_page/login"]`)),
	)
	b.chooseGoogleAccount(alice, "")
	b.do("search Google's contacts",
		chromedp.WaitVisible(chromedp.CSS("ul.list")),
		chromedp.Navigate(d.Google+"/contacts?q="+url.QueryEscape(email)),
		chromedp.WaitVisible(chromedp.CSS("ul.list")),
	)
	if n := run(b, "count", chromedp.Evaluate[int](`document.querySelectorAll("ul.list li a").length`)); n != 1 {
		b.fatalf("Google's page lists %d contacts with %s, want 1", n, email)
	}
	b.wantText("ul.list li a", name, "SimpleCRM")

	// Edit it "on the phone": a new first name and a job title.
	save := `form:not([action$="/delete"]) .actions button[type="submit"]:not(.secondary)`
	b.do("edit the contact in Google",
		chromedp.Click(chromedp.CSS("ul.list li a")),
		chromedp.WaitVisible(chromedp.CSS(`input[name="given"]`)),
		chromedp.SetValue(chromedp.CSS(`input[name="given"]`), "Zoë"),
		chromedp.SetValue(chromedp.CSS(`input[name="org_title"]`), "Head of Phones"),
		chromedp.Click(chromedp.CSS(save)),
		chromedp.WaitVisible(chromedp.CSS("ul.list")),
	)
	b.wantText("ul.list", "Zoë")

	// Sync again from the contact's own page: one account, no chooser.
	b.do("sync again",
		chromedp.Navigate(contactURL),
		chromedp.Click(chromedp.ID("sync-mobile")),
		chromedp.WaitVisible(chromedp.ID("run-info")),
	)
	b.waitRunEnd()
	if got := b.text("#crm-updated"); got != "1" {
		b.fatalf("second sync: %s CRM contacts updated, want 1", got)
	}
	b.do("back to the contact",
		chromedp.Click(chromedp.ID("back")),
		chromedp.WaitVisible(chromedp.ID("contact-name")),
	)
	if got := b.text("#show-first_name"); got != "Zoë" {
		b.fatalf("first name in the CRM = %q, want Google's Zoë", got)
	}
	b.wantText("#show-note", "Google contact", "Title: Head of Phones")
	b.readmeShot("3-contact-note")

	// The same end message on a phone, for the README.
	if *updateScreenshots {
		b.do("open the first run on a phone",
			chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch),
			chromedp.Navigate(firstRun),
			chromedp.WaitVisible(chromedp.ID("end-message")),
		)
		b.readmeShot("4-phone-sync-finished")
	}
}

// watchProgress reads the run page's progress bar until the page reloads
// for the end message, and fails unless the bar moved forward meanwhile:
// the live updates (server-sent events) reach the page.
func (b *browser) watchProgress() {
	b.t.Helper()
	run(b, "mark the page", chromedp.Evaluate[bool](`window.notReloaded = true`))
	var seen []float64
	for end := time.Now().Add(stepTimeout); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](
			`window.notReloaded && document.getElementById("run-progress") ? document.getElementById("run-progress").value : -1`))
		cancel()
		if err != nil || v < 0 {
			break // reloading, or reloaded: the run ended
		}
		if len(seen) == 0 || v != seen[len(seen)-1] {
			seen = append(seen, v)
		}
	}
	if len(seen) < 2 || !slices.IsSorted(seen) {
		b.fatalf("before the end message the progress bar showed %v, want it to move forward live", seen)
	}
	b.t.Logf("progress seen live: %v", seen)
}
