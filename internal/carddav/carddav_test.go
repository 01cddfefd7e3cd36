package carddav_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	gocarddav "github.com/emersion/go-webdav/carddav"

	"simplecrm/internal/crm"
)

// A phone's discovery: well-known → principal → home set → address book.
func TestPhoneDiscovery(t *testing.T) {
	forEngines(t, func(t *testing.T, e *env) {
		st, h, _ := e.do("PROPFIND", "/.well-known/carddav", "")
		if st != http.StatusMovedPermanently || h.Get("Location") != "/dav/" {
			t.Fatalf("well-known: %d %q", st, h.Get("Location"))
		}
		ctx := context.Background()
		for _, base := range []string{e.srv.URL, e.srv.URL + "/dav/"} {
			c := e.clientAt(base)
			principal, err := c.FindCurrentUserPrincipal(ctx)
			if err != nil || principal != fmt.Sprintf("/dav/%d/", e.user.ID) {
				t.Fatalf("principal from %s: %q %v", base, principal, err)
			}
			home, err := c.FindAddressBookHomeSet(ctx, principal)
			if err != nil || home != fmt.Sprintf("/dav/%d/contacts/", e.user.ID) {
				t.Fatalf("home set: %q %v", home, err)
			}
			books, err := c.FindAddressBooks(ctx, home)
			if err != nil || len(books) != 1 || books[0].Path != e.bookPath() || books[0].MaxResourceSize == 0 {
				t.Fatalf("books: %+v %v", books, err)
			}
		}
		st, _, body := e.do("PROPFIND", e.bookPath(), `<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop>`+
			`<cs:getctag/><d:sync-token/><d:supported-report-set/><d:resourcetype/><d:quota-used-bytes/></d:prop></d:propfind>`, "Depth", "0")
		for _, want := range []string{"<cs:getctag>", "<d:sync-token>", "<d:sync-collection/>", "<card:addressbook/>", "404 Not Found"} {
			if st != http.StatusMultiStatus || !strings.Contains(body, want) {
				t.Fatalf("book PROPFIND %d lacks %s:\n%s", st, want, body)
			}
		}
	})
}

func TestAuth(t *testing.T) {
	forEngines(t, func(t *testing.T, e *env) {
		for _, tt := range []struct{ user, pass string }{{e.user.Email, "wrong"}, {"", ""}, {e.other.Email, e.password}} {
			req, _ := http.NewRequest("PROPFIND", e.srv.URL+e.bookPath(), nil)
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
				t.Fatalf("%+v: %d", tt, resp.StatusCode)
			}
		}
		other := fmt.Sprintf("/dav/%d/contacts/default/", e.other.ID)
		if st, _, _ := e.do("PROPFIND", other, ""); st != http.StatusNotFound {
			t.Fatalf("other user's book: %d", st)
		}
		// Typing the password in capitals, without dashes, still works.
		e.password = strings.ToUpper(strings.ReplaceAll(e.password, "-", ""))
		if st, _, _ := e.do("PROPFIND", e.bookPath(), "", "Depth", "0"); st != http.StatusMultiStatus {
			t.Fatalf("normalized password: %d", st)
		}
	})
}

func TestPutGetDeletePreconditions(t *testing.T) {
	forEngines(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		body := card("u1", "NOTE:a\\;b\r\nCATEGORIES:work,friends\r\nitem1.X-ABLabel:x\r\nTEL;TYPE=CELL:+33 6 12\r\n")
		path := e.bookPath() + "u1.vcf"
		st, h, _ := e.do("PUT", path, body, "Content-Type", "text/vcard", "If-None-Match", "*")
		tag := h.Get("ETag")
		if st != http.StatusCreated || !strings.HasPrefix(tag, `"`) {
			t.Fatalf("create: %d %q", st, tag)
		}
		st, h, got := e.do("GET", path, "")
		if st != 200 || got != body || h.Get("ETag") != tag {
			t.Fatalf("GET %d %q:\n%q", st, h.Get("ETag"), got)
		}
		if st, _, _ := e.do("PUT", path, body, "If-None-Match", "*"); st != http.StatusPreconditionFailed {
			t.Fatalf("second create: %d", st)
		}
		if st, _, _ := e.do("PUT", path, body, "If-Match", `"nope"`); st != http.StatusPreconditionFailed {
			t.Fatalf("stale update: %d", st)
		}
		if st, _, _ := e.do("PUT", e.bookPath()+"dup.vcf", body); st != http.StatusConflict {
			t.Fatalf("same UID elsewhere: %d", st)
		}
		if st, _, _ := e.do("PUT", path, card("u2", "")); st != http.StatusConflict {
			t.Fatalf("UID change: %d", st)
		}
		if st, _, _ := e.do("PUT", e.bookPath()+"big.vcf", card("big", "NOTE:"+strings.Repeat("x", 1<<20)+"\r\n")); st != http.StatusForbidden {
			t.Fatalf("oversized: %d", st)
		}
		if st, _, _ := e.do("PUT", e.bookPath()+"bad.vcf", "hello"); st != http.StatusBadRequest {
			t.Fatalf("not a vCard: %d", st)
		}
		// The CRM contact got the mapped fields.
		cs, _, err := e.db.ListContacts(ctx, e.user.OrgID, crm.ContactFilter{})
		if err != nil || len(cs) != 1 || cs[0].FirstName != "Zoe" || cs[0].MobilePhone != "+33 6 12" || cs[0].OwnerID != e.user.ID {
			t.Fatalf("contacts %+v %v", cs, err)
		}
		if st, _, _ := e.do("DELETE", path, "", "If-Match", `"nope"`); st != http.StatusPreconditionFailed {
			t.Fatalf("stale delete: %d", st)
		}
		if st, _, _ := e.do("DELETE", path, "", "If-Match", tag); st != http.StatusNoContent {
			t.Fatalf("delete: %d", st)
		}
		if st, _, _ := e.do("GET", path, ""); st != http.StatusNotFound {
			t.Fatalf("GET deleted: %d", st)
		}
		c, err := e.db.FindContact(ctx, e.user.OrgID, cs[0].ID)
		if err != nil || c.DeletedAt == nil {
			t.Fatalf("contact not in the trash: %+v %v", c, err)
		}
		// Restoring from the trash brings the client's card back.
		if err := e.db.RestoreContact(ctx, e.user.OrgID, c.ID); err != nil {
			t.Fatal(err)
		}
		if st, _, got := e.do("GET", path, ""); st != 200 || got != body {
			t.Fatalf("after restore %d %q", st, got)
		}
	})
}

// A CRM edit re-serializes the stored card with only the changed lines, and
// business values from the card land in the Note block.
func TestCRMEditAndNoteBlock(t *testing.T) {
	forEngines(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		body := card("u1", "ORG:Beta Corp\r\nTITLE:Buyer\r\nNOTE:x\\;y\r\nTEL;TYPE=CELL:+1 555 0100\r\nX-UNKNOWN;P=1:keep\r\n")
		path := e.bookPath() + "u1.vcf"
		if st, _, _ := e.do("PUT", path, body, "If-None-Match", "*"); st != http.StatusCreated {
			t.Fatalf("create %d", st)
		}
		cs, _, _ := e.db.ListContacts(ctx, e.user.OrgID, crm.ContactFilter{})
		c := cs[0]
		if !strings.Contains(c.Note, "Company: Beta Corp") || !strings.Contains(c.Note, "Title: Buyer") {
			t.Fatalf("note block: %q", c.Note)
		}
		full, _ := e.db.FindContact(ctx, e.user.OrgID, c.ID)
		full.MobilePhone = "+1 555 0199"
		full.Employments = []crm.Employment{{CompanyName: "Acme", Function: "CEO", Primary: true}}
		if err := e.db.UpdateContact(ctx, full); err != nil {
			t.Fatal(err)
		}
		_, h, got := e.do("GET", path, "")
		for _, want := range []string{"TEL;TYPE=CELL:+1 555 0199\r\n", "ORG:Acme\r\n", "TITLE:CEO\r\n", "NOTE:x\\;y\r\n", "X-UNKNOWN;P=1:keep\r\n"} {
			if !strings.Contains(got, want) {
				t.Errorf("missing %q in\n%s", want, got)
			}
		}
		// The client sends it back unchanged: nothing moves, no Note line.
		if st, _, _ := e.do("PUT", path, got, "If-Match", h.Get("ETag")); st != http.StatusNoContent {
			t.Fatalf("update %d", st)
		}
		after, _ := e.db.FindContact(ctx, e.user.OrgID, c.ID)
		if strings.Contains(after.Note, "Company:") || after.Primary().CompanyName != "Acme" {
			t.Fatalf("note %q employments %+v", after.Note, after.Employments)
		}
	})
}

func TestSyncCollectionAndCTag(t *testing.T) {
	forEngines(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := e.client()
		mine := mustContact(t, e.db, &crm.Contact{OrgID: e.user.OrgID, OwnerID: e.user.ID, FirstName: "Mine"})
		mustContact(t, e.db, &crm.Contact{OrgID: e.user.OrgID, OwnerID: e.other.ID, FirstName: "Bob's"})
		first, err := c.SyncCollection(ctx, e.bookPath(), &gocarddav.SyncQuery{})
		if err != nil || len(first.Updated) != 1 || len(first.Deleted) != 0 || first.SyncToken == "" {
			t.Fatalf("initial sync: %+v %v", first, err)
		}
		ctag1 := e.ctag()
		if st, _, _ := e.do("PUT", e.bookPath()+"new.vcf", card("new", ""), "If-None-Match", "*"); st != 201 {
			t.Fatal(st)
		}
		mine.FirstName = "Mine2"
		mine.Version = 0
		if err := e.db.UpdateContact(ctx, mine); err != nil {
			t.Fatal(err)
		}
		second, err := c.SyncCollection(ctx, e.bookPath(), &gocarddav.SyncQuery{SyncToken: first.SyncToken})
		if err != nil || len(second.Updated) != 2 || len(second.Deleted) != 0 {
			t.Fatalf("second sync: %+v %v", second, err)
		}
		if e.ctag() == ctag1 {
			t.Fatal("ctag did not change")
		}
		if err := e.db.TrashContact(ctx, e.user.OrgID, mine.ID); err != nil {
			t.Fatal(err)
		}
		third, err := c.SyncCollection(ctx, e.bookPath(), &gocarddav.SyncQuery{SyncToken: second.SyncToken})
		if err != nil || len(third.Updated) != 0 || len(third.Deleted) != 1 || !strings.HasSuffix(third.Deleted[0], fmt.Sprintf("crm-%d.vcf", mine.ID)) {
			t.Fatalf("third sync: %+v %v", third, err)
		}
		noop, err := c.SyncCollection(ctx, e.bookPath(), &gocarddav.SyncQuery{SyncToken: third.SyncToken})
		if err != nil || len(noop.Updated)+len(noop.Deleted) != 0 {
			t.Fatalf("no-op sync: %+v %v", noop, err)
		}
		for _, tok := range []string{"bogus", "urn:x-simplecrm:sync:all:1:1", "urn:x-simplecrm:sync:owned:999999:1", "urn:x-simplecrm:sync:owned:1:1"} {
			st, _, body := e.do("REPORT", e.bookPath(), `<d:sync-collection xmlns:d="DAV:"><d:sync-token>`+tok+
				`</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`)
			if st != http.StatusForbidden || !strings.Contains(body, "valid-sync-token") {
				t.Fatalf("token %q: %d %s", tok, st, body)
			}
		}
	})
}

func (e *env) ctag() string {
	_, _, body := e.do("PROPFIND", e.bookPath(), `<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><cs:getctag/></d:prop></d:propfind>`, "Depth", "0")
	_, after, _ := strings.Cut(body, "<cs:getctag>")
	tag, _, _ := strings.Cut(after, "<")
	return tag
}

func TestMultigetQueryAndScope(t *testing.T) {
	forEngines(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		c := e.client()
		a := mustContact(t, e.db, &crm.Contact{OrgID: e.user.OrgID, OwnerID: e.user.ID, FirstName: "Ann", PersonalEmail: "ann@home.test"})
		mustContact(t, e.db, &crm.Contact{OrgID: e.user.OrgID, OwnerID: e.user.ID, FirstName: "Cid"})
		mustContact(t, e.db, &crm.Contact{OrgID: e.user.OrgID, OwnerID: e.other.ID, FirstName: "Bob"})
		href := fmt.Sprintf("%scrm-%d.vcf", e.bookPath(), a.ID)
		got, err := c.MultiGetAddressBook(ctx, e.bookPath(), &gocarddav.AddressBookMultiGet{Paths: []string{href}})
		if err != nil || len(got) != 1 || got[0].Card.PreferredValue("EMAIL") != "ann@home.test" || got[0].ETag == "" {
			t.Fatalf("multiget: %+v %v", got, err)
		}
		found, err := c.QueryAddressBook(ctx, e.bookPath(), &gocarddav.AddressBookQuery{
			DataRequest: gocarddav.AddressDataRequest{AllProp: true},
			PropFilters: []gocarddav.PropFilter{{Name: "EMAIL", TextMatches: []gocarddav.TextMatch{{Text: "home.test"}}}},
		})
		if err != nil || len(found) != 1 || found[0].Path != href {
			t.Fatalf("query: %+v %v", found, err)
		}
		all, err := c.QueryAddressBook(ctx, e.bookPath(), &gocarddav.AddressBookQuery{})
		if err != nil || len(all) != 2 {
			t.Fatalf("owned scope lists %d, %v", len(all), err)
		}
		if err := e.db.SetBookScope(ctx, e.user.ID, "all"); err != nil {
			t.Fatal(err)
		}
		all, err = c.QueryAddressBook(ctx, e.bookPath(), &gocarddav.AddressBookQuery{})
		if err != nil || len(all) != 3 {
			t.Fatalf("all scope lists %d, %v", len(all), err)
		}
	})
}
