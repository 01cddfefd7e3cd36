package browsertest

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestPhoneViewport goes through the pages at a phone's size: the CRM's,
// Sync Mobile's (Google's chooser and consent, the run, the history), the
// trash and the emulator's contact pages. No element may run past the
// screen or out of the page's margins, and Sync Mobile stays on screen.
func TestPhoneViewport(t *testing.T) {
	b := newBrowser(t, 390, 844)
	d := startDemo(t)
	b.do("emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
	b.fitsAt(d.CRM+"/login", "#login")
	b.login(d)
	b.fitsAt(d.CRM+"/contacts", "#contact-list")
	b.do("see Sync Mobile on the contacts page", chromedp.WaitVisible(chromedp.ID("sync-mobile")))
	b.do("open a contact",
		chromedp.Click(chromedp.CSS("#contact-list a.row")),
		chromedp.WaitVisible(chromedp.ID("contact-name")),
	)
	contactURL := b.location()
	b.fitsAt(contactURL, "#employments")
	b.do("see Sync Mobile on the contact page", chromedp.WaitVisible(chromedp.ID("sync-mobile")))
	b.fitsAt(contactURL+"/edit", "#contact-form")
	b.fitsAt(d.CRM+"/companies", "#company-list")

	b.do("click Sync Mobile",
		chromedp.Navigate(d.CRM+"/contacts"),
		chromedp.Click(chromedp.ID("sync-mobile")),
		chromedp.WaitVisible(chromedp.CSS(chooserButton(d.Accounts[1]))),
	)
	b.fits("Google's account chooser")
	b.do("choose "+d.Accounts[1], chromedp.Click(chromedp.CSS(chooserButton(d.Accounts[1]))),
		chromedp.WaitVisible(chromedp.CSS(allowButton)))
	b.fits("Google's consent page")
	b.do("allow", chromedp.Click(chromedp.CSS(allowButton)))
	b.waitRunEnd()
	b.fits("the sync run page")
	b.fitsAt(d.CRM+"/google/history", "#run-list")

	b.do("move a contact to the trash",
		chromedp.Navigate(contactURL),
		chromedp.Click(chromedp.ID("trash-contact")),
		chromedp.WaitVisible(chromedp.ID("flash")),
	)
	b.fitsAt(d.CRM+"/trash", "#trash-list")

	b.fitsAt(d.Google+"/", "main")
	b.do("sign in to Google's contacts page", chromedp.Click(chromedp.CSS(`a[href="/_page/login"]`)))
	b.chooseGoogleAccount(d.Accounts[1], "")
	b.do("see Google's contact list", chromedp.WaitVisible(chromedp.CSS("ul.list li a")))
	b.fits("Google's contact list")
	b.do("open a Google contact",
		chromedp.Click(chromedp.CSS("ul.list li a")),
		chromedp.WaitVisible(chromedp.CSS(`input[name="given"]`)),
	)
	b.fits("Google's contact editor")
}

// TestDesktopHeader checks the header is one row on a laptop: the email
// and "Log out" beside the navigation, not on a row of their own.
func TestDesktopHeader(t *testing.T) {
	b := newBrowser(t, 1024, 768)
	d := startDemo(t)
	b.login(d)
	tops := run(b, "measure the header", chromedp.Evaluate[[]float64](
		`["#nav", "#logout"].map(s => document.querySelector(s).getBoundingClientRect().top)`))
	if tops[1] > tops[0]+1 {
		b.fatalf("at 1024px, Log out is %.0fpx below the navigation: the header wraps", tops[1]-tops[0])
	}
	b.fits("the contacts page")
}

// fitsAt opens the page, waits for sel and checks the page fits the screen.
func (b *browser) fitsAt(url, sel string) {
	b.t.Helper()
	b.do("open "+url, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(sel)))
	b.fits(url)
}

// fits fails when the page scrolls sideways, or when an element or a text
// runs past the screen, or past the padding of the card (or else the main
// column) it is in: a table running out of its card's edge, a long URL
// overflowing the consent page's card. What scrolls or clips on purpose
// (overflow other than visible) may hold wider content.
func (b *browser) fits(what string) {
	b.t.Helper()
	out := run(b, "measure "+what, chromedp.Evaluate[[]string](fitsJS))
	if len(out) > 0 {
		b.fatalf("%s does not fit a %s screen:\n%s", what, out[0], strings.Join(out[1:], "\n"))
	}
}

// fitsJS returns [] when everything fits, else the screen's width and the
// first offenders.
const fitsJS = `(() => {
  const screen = document.documentElement.clientWidth;
  // The right edge of a box's content: what is inside must stay left of it.
  const contentRight = el => {
    const s = getComputedStyle(el);
    return el.getBoundingClientRect().right - parseFloat(s.paddingRight) - parseFloat(s.borderRightWidth);
  };
  const limitOf = el => {
    const box = el.parentElement && el.parentElement.closest(".card, main");
    return box ? contentRight(box) : screen;
  };
  const clipped = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (typeof el.className === "string" && el.className ? "." + el.className.trim().split(/\s+/).join(".") : "");
  const out = [];
  const check = (el, rect, label) => {
    if (rect.width === 0 || rect.height === 0 || clipped(el)) return;
    const limit = Math.min(screen, limitOf(el));
    if (rect.right > limit + 1 || rect.left < -1) {
      out.push(label + " spans " + Math.round(rect.left) + "–" + Math.round(rect.right) + "px, limit " + Math.round(limit) + "px");
    }
  };
  for (const el of document.body.querySelectorAll("*")) check(el, el.getBoundingClientRect(), name(el));
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    if (!n.textContent.trim()) continue;
    const r = document.createRange();
    r.selectNodeContents(n);
    check(n.parentElement, r.getBoundingClientRect(), "text " + JSON.stringify(n.textContent.trim().slice(0, 40)) + " in " + name(n.parentElement));
  }
  if (document.documentElement.scrollWidth > screen) out.unshift("page scrolls sideways: " + document.documentElement.scrollWidth + "px wide");
  return out.length ? [screen + "px"].concat(out.slice(0, 8)) : [];
})()`
