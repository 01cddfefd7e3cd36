package ui_test

import (
	"bytes"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"simplecrm/internal/crm"
)

func (c *client) upload(path, name, content string) *page {
	c.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(content))
	mw.Close()
	req, err := http.NewRequest("POST", c.base+path, &b)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

const importCSV = "First Name,Last Name,E-mail 1 - Type,E-mail 1 - Value,Phone 1 - Type,Phone 1 - Value,Organization Name\n" +
	"Ann,Lee,* Home,ann@lee.test,Mobile,+33 6 12 34 56 78,Wonka\n" +
	"Ann,Lee,* Home,ann@lee.test,,,\n" +
	"Bad\"row,,,,,,\n" +
	"Old,Friend,* Home,old@friend.test,Mobile,+33 6 00 00 00 09,\n"

// Upload, preview, confirm, and the same file again changes nothing; the
// export downloads what was imported.
func TestImportPreviewAndConfirm(t *testing.T) {
	e := newEnv(t)
	old := mustContact(t, e.svc, e.member, &crm.Contact{FirstName: "Old", LastName: "Friend", PersonalEmail: "old@friend.test"})
	c := e.login(e.member)
	c.get("/contacts").want(200, `href="/import"`)
	c.get("/import").want(200, `id="import-form"`, `id="export-vcf"`)

	p := c.upload("/import", "contacts.csv", importCSV).want(200, "Will create 1, update 1, skip 1; 1 cannot be imported.",
		`data-line="4"`, "same person as line 2", "mobile_phone", `id="import-confirm"`)
	if n := countContacts(t, e); n != 1 {
		t.Fatalf("the preview changed the CRM: %d contacts", n)
	}
	data := regexp.MustCompile(`name="data" value="([^"]*)"`).FindStringSubmatch(p.Body)
	if data == nil {
		t.Fatal("no file in the confirmation form")
	}
	c.post("/import/confirm", url.Values{"data": {html.UnescapeString(data[1])}}).want(200, "1 created, 1 updated, 1 skipped, 1 not imported.")
	if got, _ := e.svc.Contacts.FindContact(t.Context(), e.org.ID, old.ID); got.MobilePhone == "" {
		t.Fatalf("not updated: %+v", got)
	}
	c.upload("/import", "contacts.csv", importCSV).want(200, "Will create 0, update 0, skip 3")

	vcf := c.get("/export?format=vcf").want(200, "BEGIN:VCARD", "N:Lee;Ann;;;", "ORG:Wonka")
	if !strings.Contains(vcf.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export headers %v", vcf.Header)
	}
	c.get("/export?format=csv").want(200, "First Name,", "old@friend.test")
	c.upload("/import", "empty.vcf", "  ").want(400)
}

func countContacts(t *testing.T, e *env) int {
	cs, _, err := e.svc.Contacts.ListContacts(t.Context(), e.org.ID, crm.ContactFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(cs)
}
