package browsertest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestCompanyAndContactForms creates a company, then a contact working
// there through the contact form. A bad email first: the form comes back
// with the error at the field and every typed value still there.
func TestCompanyAndContactForms(t *testing.T) {
	b := newBrowser(t, 1024, 768)
	d := startDemo(t)
	b.login(d)

	b.do("create a company",
		chromedp.Navigate(d.CRM+"/companies"),
		chromedp.Click(chromedp.ID("new-company")),
		chromedp.WaitVisible(chromedp.ID("company-form")),
		chromedp.SendKeys(chromedp.ID("name"), "Lumière Bakery"),
		chromedp.SendKeys(chromedp.ID("phone"), "+33 1 42 00 00 00"),
		chromedp.SendKeys(chromedp.ID("website"), "lumiere-bakery.example"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("company-name")),
	)
	b.wantText("#company-name", "Lumière Bakery")
	b.wantText("#show-website", "lumiere-bakery.example")

	typed := map[string]string{
		"first_name":                 "Zoé",
		"last_name":                  "Durand",
		"personal_email":             "zoe.example.org", // no @
		"mobile_phone":               "+33 6 11 22 33 44",
		"address-city":               "Lyon",
		"employments-0-company_name": "Lumière Bakery",
		"employments-0-function":     "Head Baker",
		"employments-0-work_email":   "zoe@lumiere-bakery.example",
	}
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(d.CRM + "/contacts"),
		chromedp.Click(chromedp.ID("new-contact")),
		chromedp.WaitVisible(chromedp.ID("contact-form")),
	}
	for id, v := range typed {
		steps = append(steps, chromedp.SendKeys(chromedp.ID(id), v))
	}
	steps = append(steps,
		chromedp.Click(chromedp.ID("employments-0-primary")),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("personal_email-error")),
	)
	b.do("fill in the contact form with a bad email", steps...)
	b.wantText("#error-summary", "Personal email")
	if got := run(b, "read aria-invalid", chromedp.Evaluate[string](`document.getElementById("personal_email").getAttribute("aria-invalid")`)); got != "true" {
		b.fatalf("the email input has aria-invalid=%q, want true", got)
	}
	for id, want := range typed {
		if got := b.value("#" + id); got != want {
			b.fatalf("after the error, %s holds %q, want what was typed: %q", id, got, want)
		}
	}

	b.do("fix the email and save",
		chromedp.SetValue(chromedp.ID("personal_email"), "zoe@example.org"),
		chromedp.Click(chromedp.ID("save")),
		chromedp.WaitVisible(chromedp.ID("contact-name")),
	)
	b.wantText("#contact-name", "Zoé Durand")
	b.wantText("#show-personal_email", "zoe@example.org")
	b.wantText("#employments", "Lumière Bakery", "Head Baker", "zoe@lumiere-bakery.example")
	b.do("see the primary badge", chromedp.WaitVisible(chromedp.ID("primary-badge")))

	b.do("open the company from the contact",
		chromedp.Click(chromedp.CSS("#employments h3 a")),
		chromedp.WaitVisible(chromedp.ID("company-name")),
	)
	b.wantText("#employees", "Zoé Durand")
}

// TestTrashAndRestore moves a contact to the trash, finds it there and
// restores it.
func TestTrashAndRestore(t *testing.T) {
	b := newBrowser(t, 1024, 768)
	d := startDemo(t)
	b.login(d)

	b.do("open a contact",
		chromedp.Click(chromedp.CSS("#contact-list a.row")),
		chromedp.WaitVisible(chromedp.ID("trash-contact")),
	)
	name, contactURL := b.text("#contact-name"), b.location()
	id := contactURL[strings.LastIndex(contactURL, "/")+1:]
	b.do("move it to the trash",
		chromedp.Click(chromedp.ID("trash-contact")),
		chromedp.WaitVisible(chromedp.ID("flash")),
	)
	b.wantText("#flash", "moved to trash")
	row := fmt.Sprintf(`#trash-list li[data-contact-id="%s"]`, id)
	b.do("find it in the trash",
		chromedp.Navigate(d.CRM+"/contacts?q="+strings.Fields(name)[len(strings.Fields(name))-1]),
		chromedp.WaitVisible(chromedp.ID("contact-list")),
	)
	if b.exists(fmt.Sprintf(`#contact-list a[data-contact-id="%s"]`, id)) {
		b.fatalf("%s is still among the contacts after moving it to the trash", name)
	}
	b.do("open the trash",
		chromedp.Click(chromedp.ID("nav-trash")),
		chromedp.WaitVisible(chromedp.CSS(row)),
	)
	b.wantText(row, name, "deleted for good on")
	b.do("the contact's page says it is in the trash",
		chromedp.Click(chromedp.CSS(row+" a")),
		chromedp.WaitVisible(chromedp.ID("trashed-banner")),
	)
	if b.exists("#sync-mobile") || b.exists("#edit-contact") {
		b.fatalf("a trashed contact's page offers Edit or Sync Mobile")
	}
	b.do("restore it from the trash",
		chromedp.Click(chromedp.ID("nav-trash")),
		chromedp.WaitVisible(chromedp.CSS(row)),
		chromedp.Click(chromedp.ID("restore-"+id)),
		chromedp.WaitNotPresent(chromedp.CSS(row)),
	)
	b.do("open it again",
		chromedp.Navigate(contactURL),
		chromedp.WaitVisible(chromedp.ID("edit-contact")),
	)
	if b.exists("#trashed-banner") {
		b.fatalf("the restored contact still says it is in the trash")
	}
}

// TestSyncHistory connects the second sample account, then finds the run
// in the history pages.
func TestSyncHistory(t *testing.T) {
	b := newBrowser(t, 1024, 768)
	d := startDemo(t)
	b.login(d)
	bob := d.Accounts[1]
	b.connectGoogle(d, bob)
	// The run page speaks plainly: what started the run, and whom the
	// conflict is about (bob's phone renamed James Smith to Jim).
	b.wantText("#started-by", "Connecting the account")
	b.wantText(`#run-events li[data-kind="conflict"] a`, "Jim Smith")

	b.do("open the history",
		chromedp.Navigate(d.CRM+"/google/accounts"),
		chromedp.Click(chromedp.ID("history")),
		chromedp.WaitVisible(chromedp.CSS("#run-list a.row")),
	)
	if n := run(b, "count runs", chromedp.Evaluate[int](`document.querySelectorAll("#run-list a.row").length`)); n != 1 {
		b.fatalf("the history lists %d runs, want 1", n)
	}
	b.wantText("#run-list a.row", "succeeded", bob, "Google +")
	b.do("open the run from the history",
		chromedp.Click(chromedp.CSS("#run-list a.row")),
		chromedp.WaitVisible(chromedp.ID("end-message")),
	)
	b.do("open the account's history",
		chromedp.Click(chromedp.ID("account-history")),
		chromedp.WaitVisible(chromedp.ID("run-list")),
	)
	b.wantText("h1", "Sync history of "+bob)
	b.wantText("#run-list", "succeeded")
}
