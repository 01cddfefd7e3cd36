package googleemu

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	people "google.golang.org/api/people/v1"
)

func TestCreateGetUpdateDelete(t *testing.T) {
	_, svc := mustService(t, Options{DefaultRegion: "FR"})
	created, err := svc.People.CreateContact(&people.Person{
		Names:          []*people.Name{{GivenName: "Ada", FamilyName: "Lovelace", DisplayName: "ignored"}},
		PhoneNumbers:   []*people.PhoneNumber{{Value: "06 12 34 56 78", Type: "mobile"}, {Value: "234456", Type: "home"}},
		EmailAddresses: []*people.EmailAddress{{Value: "ada@example.com", Type: "home"}},
		ClientData:     []*people.ClientData{{Key: "simplecrm-id", Value: "42"}},
	}).PersonFields("names,phoneNumbers,emailAddresses,clientData,metadata,memberships").Do()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(created.ResourceName, "people/c") || !strings.HasPrefix(created.Etag, "%") {
		t.Fatalf("resourceName %q etag %q", created.ResourceName, created.Etag)
	}
	if got := created.Names[0].DisplayName; got != "Ada Lovelace" {
		t.Errorf("displayName = %q", got)
	}
	if got := created.PhoneNumbers[0].CanonicalForm; got != "+33612345678" {
		t.Errorf("canonicalForm = %q", got)
	}
	if got := created.PhoneNumbers[1].CanonicalForm; got != "" {
		t.Errorf("unparseable canonicalForm = %q", got)
	}
	if got := created.PhoneNumbers[0].FormattedType; got != "Mobile" {
		t.Errorf("formattedType = %q", got)
	}
	if created.ClientData[0].Key != "simplecrm-id" || created.ClientData[0].Value != "42" {
		t.Errorf("clientData = %+v", created.ClientData[0])
	}
	src := created.Metadata.Sources[0]
	if src.Type != "CONTACT" || src.UpdateTime == "" || !strings.HasPrefix(src.Etag, "#") {
		t.Errorf("source = %+v", src)
	}
	if len(created.Memberships) != 1 || created.Memberships[0].ContactGroupMembership.ContactGroupResourceName != "contactGroups/myContacts" {
		t.Errorf("memberships = %+v", created.Memberships)
	}

	got, err := svc.People.Get(created.ResourceName).PersonFields("names").Do()
	if err != nil {
		t.Fatal(err)
	}
	if got.EmailAddresses != nil || got.Names[0].GivenName != "Ada" {
		t.Errorf("mask not applied: %+v", got)
	}

	// Replace semantics: names replaced, emails cleared (in mask, absent), phones kept.
	upd, err := svc.People.UpdateContact(created.ResourceName, &people.Person{
		Etag:  created.Etag,
		Names: []*people.Name{{GivenName: "Augusta"}},
	}).UpdatePersonFields("names,emailAddresses").PersonFields("names,emailAddresses,phoneNumbers,metadata").Do()
	if err != nil {
		t.Fatal(err)
	}
	if upd.Etag == created.Etag || upd.Names[0].GivenName != "Augusta" || upd.EmailAddresses != nil || len(upd.PhoneNumbers) != 2 {
		t.Errorf("update = %+v", upd)
	}
	if upd.Metadata.Sources[0].Etag == src.Etag {
		t.Errorf("source etag did not change")
	}

	// The old etag is now stale.
	_, err = svc.People.UpdateContact(created.ResourceName, &people.Person{Etag: created.Etag}).UpdatePersonFields("names").Do()
	ge := apiErr(t, err, 400, "FAILED_PRECONDITION")
	if !strings.Contains(ge.Message, "person.etag is different") {
		t.Errorf("message = %q", ge.Message)
	}

	if _, err := svc.People.DeleteContact(created.ResourceName).Do(); err != nil {
		t.Fatal(err)
	}
	_, err = svc.People.Get(created.ResourceName).PersonFields("names").Do()
	apiErr(t, err, 404, "NOT_FOUND")
	_, err = svc.People.DeleteContact(created.ResourceName).Do()
	apiErr(t, err, 404, "NOT_FOUND")
}

func TestStaleETagShapes(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		_, svc := mustService(t, Options{StaleETagLegacyErrors: legacy})
		p := mustCreate(t, svc, "A", "B", "")
		_, err := svc.People.UpdateContact(p.ResourceName, &people.Person{Etag: "%bogus"}).UpdatePersonFields("names").Do()
		ge := apiErr(t, err, 400, "FAILED_PRECONDITION")
		hasLegacy := len(ge.Errors) > 0 && ge.Errors[0].Reason == "failedPrecondition"
		if hasLegacy != legacy {
			t.Errorf("legacy=%v: errors = %+v", legacy, ge.Errors)
		}
	}
}

func TestListETagsOption(t *testing.T) {
	for _, reject := range []bool{false, true} {
		_, svc := mustService(t, Options{RejectListETags: reject})
		mustCreate(t, svc, "A", "B", "")
		list, err := svc.People.Connections.List("people/me").PersonFields("names").Do()
		if err != nil {
			t.Fatal(err)
		}
		p := list.Connections[0]
		_, err = svc.People.UpdateContact(p.ResourceName, &people.Person{Etag: p.Etag, Names: p.Names}).UpdatePersonFields("names").Do()
		if (err != nil) != reject {
			t.Errorf("reject=%v: err = %v", reject, err)
		}
	}
}

func TestSourceETagUpdate(t *testing.T) {
	_, svc := mustService(t, Options{})
	p := mustCreate(t, svc, "A", "B", "")
	_, err := svc.People.UpdateContact(p.ResourceName, &people.Person{
		Metadata: &people.PersonMetadata{Sources: []*people.Source{{Type: "CONTACT", Etag: p.Metadata.Sources[0].Etag}}},
		Names:    []*people.Name{{GivenName: "C"}},
	}).UpdatePersonFields("names").Do()
	if err != nil {
		t.Fatalf("update with source etag: %v", err)
	}
	_, err = svc.People.UpdateContact(p.ResourceName, &people.Person{Names: []*people.Name{{GivenName: "C"}}}).UpdatePersonFields("names").Do()
	apiErr(t, err, 400, "INVALID_ARGUMENT")
}

func TestBadRequests(t *testing.T) {
	s, svc := mustService(t, Options{})
	p := mustCreate(t, svc, "A", "B", "")
	tok, err := s.IssueToken(alice, "")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, method, path, body string
		code                     int
		status                   string
	}{
		{"list without personFields", "GET", "/v1/people/me/connections", "", 400, "INVALID_ARGUMENT"},
		{"bad personFields", "GET", "/v1/people/me/connections?personFields=names,bogus", "", 400, "INVALID_ARGUMENT"},
		{"get without personFields", "GET", "/v1/" + p.ResourceName, "", 400, "INVALID_ARGUMENT"},
		{"page size too big", "GET", "/v1/people/me/connections?personFields=names&pageSize=1001", "", 400, "INVALID_ARGUMENT"},
		{"malformed JSON", "POST", "/v1/people:createContact", "{not json", 400, "INVALID_ARGUMENT"},
		{"two names", "POST", "/v1/people:createContact", `{"names":[{"givenName":"a"},{"givenName":"b"}]}`, 400, "INVALID_ARGUMENT"},
		{"malformed batch", "POST", "/v1/people:batchCreateContacts", `{"contacts":5}`, 400, "INVALID_ARGUMENT"},
		{"update without mask", "PATCH", "/v1/" + p.ResourceName + ":updateContact", `{"etag":"` + p.Etag + `"}`, 400, "INVALID_ARGUMENT"},
		{"unknown contact", "GET", "/v1/people/c123?personFields=names", "", 404, "NOT_FOUND"},
		{"unknown method", "GET", "/v1/people:frobnicate", "", 404, "NOT_FOUND"},
		{"batchGet too many", "GET", "/v1/people:batchGet?personFields=names" + strings.Repeat("&resourceNames=people/c1", 201), "", 400, "INVALID_ARGUMENT"},
		{"malformed sync token", "GET", "/v1/people/me/connections?personFields=names&syncToken=zzz", "", 400, "INVALID_ARGUMENT"},
		{"malformed page token", "GET", "/v1/people/me/connections?personFields=names&pageToken=zzz", "", 400, "INVALID_ARGUMENT"},
		{"connections of other person", "GET", "/v1/people/c1/connections?personFields=names", "", 400, "INVALID_ARGUMENT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, s.URL+tc.path, bytes.NewBufferString(tc.body))
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			res := mustDo(t, req)
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(res.Body)
			if res.StatusCode != tc.code || !strings.Contains(buf.String(), `"status":"`+tc.status+`"`) {
				t.Fatalf("got %d %s, want %d %s", res.StatusCode, buf.String(), tc.code, tc.status)
			}
		})
	}
}

func TestBatchGetAndPeopleMe(t *testing.T) {
	_, svc := mustService(t, Options{})
	a := mustCreate(t, svc, "A", "One", "")
	b := mustCreate(t, svc, "B", "Two", "")
	res, err := svc.People.GetBatchGet().ResourceNames(a.ResourceName, "people/c1", b.ResourceName).PersonFields("names").Do()
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Responses) != 3 || res.Responses[0].Person.Names[0].GivenName != "A" ||
		res.Responses[1].Status.Code != 5 || res.Responses[2].Person.ResourceName != b.ResourceName {
		t.Fatalf("responses = %+v", res.Responses)
	}
	me, err := svc.People.Get("people/me").PersonFields("emailAddresses").Do()
	if err != nil || me.EmailAddresses[0].Value != alice {
		t.Fatalf("people/me = %+v, %v", me, err)
	}
}

func TestSearchContacts(t *testing.T) {
	_, svc := mustService(t, Options{})
	mustCreate(t, svc, "Foo", "Name", "foo@example.com")
	mustCreate(t, svc, "Bar", "Other", "bar@example.org")
	cases := []struct {
		q    string
		want int
	}{{"", 0}, {"f", 1}, {"foo n", 1}, {"nam", 1}, {"oo n", 0}, {"bar@", 1}, {"example", 0}, {"zzz", 0}}
	for _, tc := range cases {
		res, err := svc.People.SearchContacts().Query(tc.q).ReadMask("names").Do()
		if err != nil {
			t.Fatalf("%q: %v", tc.q, err)
		}
		if len(res.Results) != tc.want {
			t.Errorf("search %q: %d results, want %d", tc.q, len(res.Results), tc.want)
		}
	}
	_, err := svc.People.SearchContacts().Query("f").Do()
	apiErr(t, err, 400, "INVALID_ARGUMENT")
}

func TestSearchPageSizeCap(t *testing.T) {
	s, svc := mustService(t, Options{})
	var persons []*people.Person
	for i := 0; i < 35; i++ {
		persons = append(persons, &people.Person{Names: []*people.Name{{GivenName: fmt.Sprintf("Cap%02d", i)}}})
	}
	if _, err := s.SeedGroup(alice, "SimpleCRM", persons...); err != nil {
		t.Fatal(err)
	}
	for size, want := range map[int64]int{0: 10, 20: 20, 30: 30, 50: 30} {
		res, err := svc.People.SearchContacts().Query("cap").ReadMask("names").PageSize(size).Do()
		if err != nil || len(res.Results) != want {
			t.Errorf("pageSize %d: %d results, want %d (%v)", size, len(res.Results), want, err)
		}
	}
}

// TestSearchLagAndWarmup: new writes become searchable only after
// SearchLag and, with SearchNeedsWarmup, after a warm-up request.
func TestSearchLagAndWarmup(t *testing.T) {
	found := func(t *testing.T, svc *people.Service, q string) bool {
		t.Helper()
		res, err := svc.People.SearchContacts().Query(q).ReadMask("names").Do()
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Results) > 0
	}
	warmup := func(t *testing.T, svc *people.Service) {
		t.Helper()
		if _, err := svc.People.SearchContacts().Query("").ReadMask("names").Do(); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("lag", func(t *testing.T) {
		s, svc := mustService(t, Options{SearchLag: 10 * time.Second})
		p := mustCreate(t, svc, "Fresh", "Write", "")
		if found(t, svc, "fresh") {
			t.Errorf("a new contact was found at once")
		}
		if _, err := svc.People.Get(p.ResourceName).PersonFields("names").Do(); err != nil {
			t.Errorf("get must see the write at once: %v", err)
		}
		s.Advance(11 * time.Second)
		if !found(t, svc, "fresh") {
			t.Errorf("not found after the lag")
		}
	})
	t.Run("warm-up", func(t *testing.T) {
		s, svc := mustService(t, Options{SearchLag: 5 * time.Second, SearchNeedsWarmup: true})
		mustCreate(t, svc, "Early", "Bird", "")
		s.Advance(time.Minute)
		if found(t, svc, "early") {
			t.Errorf("found without a warm-up")
		}
		warmup(t, svc)
		if found(t, svc, "early") {
			t.Errorf("found before the warm-up took effect")
		}
		s.Advance(6 * time.Second)
		if !found(t, svc, "early") {
			t.Errorf("not found after the warm-up")
		}
		mustCreate(t, svc, "Late", "Comer", "")
		s.Advance(time.Minute)
		if found(t, svc, "late") || !found(t, svc, "early") {
			t.Errorf("a write after the warm-up was found, or an older one was lost")
		}
		warmup(t, svc)
		s.Advance(6 * time.Second)
		if !found(t, svc, "late") {
			t.Errorf("not found after the second warm-up")
		}
	})
}
