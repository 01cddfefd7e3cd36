package googleemu

import (
	"fmt"
	"strings"
	"testing"

	people "google.golang.org/api/people/v1"
)

func TestBatchMutations(t *testing.T) {
	s, svc := mustService(t, Options{})
	var in []*people.ContactToCreate
	for i := 0; i < 200; i++ {
		in = append(in, &people.ContactToCreate{ContactPerson: &people.Person{
			Names: []*people.Name{{GivenName: fmt.Sprint("B", i)}}}})
	}
	res, err := svc.People.BatchCreateContacts(&people.BatchCreateContactsRequest{Contacts: in, ReadMask: "names,metadata"}).Do()
	if err != nil {
		t.Fatal(err)
	}
	if len(res.CreatedPeople) != 200 || res.CreatedPeople[0].Person.Names[0].GivenName != "B0" {
		t.Fatalf("created %d", len(res.CreatedPeople))
	}
	upd := map[string]people.Person{}
	var names []string
	for _, r := range res.CreatedPeople {
		p := r.Person
		upd[p.ResourceName] = people.Person{Etag: p.Etag, Names: []*people.Name{{GivenName: p.Names[0].GivenName + "x"}}}
		names = append(names, p.ResourceName)
	}
	ures, err := svc.People.BatchUpdateContacts(&people.BatchUpdateContactsRequest{Contacts: upd,
		UpdateMask: "names", ReadMask: "names"}).Do()
	if err != nil {
		t.Fatal(err)
	}
	if got := ures.UpdateResult[names[5]].Person.Names[0].GivenName; got != "B5x" {
		t.Errorf("updated name = %q", got)
	}
	// Empty readMask: applied, no data returned.
	res2, err := svc.People.BatchCreateContacts(&people.BatchCreateContactsRequest{Contacts: in[:1]}).Do()
	if err != nil || len(res2.CreatedPeople) != 0 {
		t.Fatalf("no read mask: %+v, %v", res2, err)
	}
	if _, err := svc.People.BatchDeleteContacts(&people.BatchDeleteContactsRequest{ResourceNames: names}).Do(); err != nil {
		t.Fatal(err)
	}
	left, err := s.Contacts(alice)
	if err != nil || len(left) != 1 {
		t.Fatalf("left %d contacts, %v", len(left), err)
	}
	// Stale etag in a batch update fails the whole batch.
	p1, p2 := mustCreate(t, svc, "S1", "x", ""), mustCreate(t, svc, "S2", "x", "")
	_, err = svc.People.BatchUpdateContacts(&people.BatchUpdateContactsRequest{UpdateMask: "names", ReadMask: "names",
		Contacts: map[string]people.Person{
			p1.ResourceName: {Etag: p1.Etag, Names: []*people.Name{{GivenName: "new"}}},
			p2.ResourceName: {Etag: "%stale", Names: []*people.Name{{GivenName: "new"}}},
		}}).Do()
	apiErr(t, err, 400, "FAILED_PRECONDITION")
	if got, _ := s.Contact(alice, p1.ResourceName); got.Names[0].GivenName != "S1" {
		t.Errorf("failed batch applied a change: %q", got.Names[0].GivenName)
	}
}

func TestBatchLimits(t *testing.T) {
	_, svc := mustService(t, Options{})
	p := mustCreate(t, svc, "A", "B", "")
	many := func(n int) []*people.ContactToCreate {
		var out []*people.ContactToCreate
		for i := 0; i < n; i++ {
			out = append(out, &people.ContactToCreate{ContactPerson: &people.Person{Names: []*people.Name{{GivenName: "x"}}}})
		}
		return out
	}
	updates := map[string]people.Person{}
	for i := 0; i < 201; i++ {
		updates[fmt.Sprintf("people/c%d", i+1)] = people.Person{Etag: p.Etag}
	}
	names := make([]string, 501)
	for i := range names {
		names[i] = p.ResourceName
	}
	cases := []struct {
		name string
		do   func() error
	}{
		{"create 201", func() error {
			_, err := svc.People.BatchCreateContacts(&people.BatchCreateContactsRequest{Contacts: many(201), ReadMask: "names"}).Do()
			return err
		}},
		{"update 201", func() error {
			_, err := svc.People.BatchUpdateContacts(&people.BatchUpdateContactsRequest{Contacts: updates, UpdateMask: "names", ReadMask: "names"}).Do()
			return err
		}},
		{"delete 501", func() error {
			_, err := svc.People.BatchDeleteContacts(&people.BatchDeleteContactsRequest{ResourceNames: names}).Do()
			return err
		}},
		{"batchGet 201", func() error {
			_, err := svc.People.GetBatchGet().ResourceNames(names[:201]...).PersonFields("names").Do()
			return err
		}},
		{"empty create", func() error {
			_, err := svc.People.BatchCreateContacts(&people.BatchCreateContactsRequest{ReadMask: "names"}).Do()
			return err
		}},
		{"members 1001", func() error {
			_, err := svc.ContactGroups.Members.Modify("contactGroups/myContacts", &people.ModifyContactGroupMembersRequest{
				ResourceNamesToAdd: append(names, names...)}).Do()
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { apiErr(t, tc.do(), 400, "INVALID_ARGUMENT") })
	}
}

func TestBatchPartialSuccess(t *testing.T) {
	for _, partial := range []bool{false, true} {
		s, svc := mustService(t, Options{BatchPartialSuccess: partial})
		res, err := svc.People.BatchCreateContacts(&people.BatchCreateContactsRequest{ReadMask: "names", Contacts: []*people.ContactToCreate{
			{ContactPerson: &people.Person{Names: []*people.Name{{GivenName: "ok"}}}},
			{ContactPerson: &people.Person{Names: []*people.Name{{GivenName: "a"}, {GivenName: "b"}}}},
		}}).Do()
		got, _ := s.Contacts(alice)
		if partial && (err != nil || len(got) != 1) || !partial && (err == nil || len(got) != 0) {
			t.Fatalf("partial=%v: err=%v, %d created", partial, err, len(got))
		}
		if partial {
			// The invalid item answers its own error, not a generic one.
			if r := res.CreatedPeople[1]; r.HttpStatusCode != 400 || r.Status.Code != 3 ||
				!strings.Contains(r.Status.Message, "more than one person.names") {
				t.Errorf("failed item = %d %+v", r.HttpStatusCode, r.Status)
			}
		}
	}
}

func TestBatchUpdatePartialSuccess(t *testing.T) {
	for _, partial := range []bool{false, true} {
		s, svc := mustService(t, Options{BatchPartialSuccess: partial})
		good, stale := mustCreate(t, svc, "Good", "x", ""), mustCreate(t, svc, "Stale", "x", "")
		res, err := svc.People.BatchUpdateContacts(&people.BatchUpdateContactsRequest{UpdateMask: "names", ReadMask: "names",
			Contacts: map[string]people.Person{
				good.ResourceName:  {Etag: good.Etag, Names: []*people.Name{{GivenName: "New"}}},
				stale.ResourceName: {Etag: "%stale", Names: []*people.Name{{GivenName: "New"}}},
				"people/c1":        {Etag: good.Etag, Names: []*people.Name{{GivenName: "New"}}},
			}}).Do()
		cur, _ := s.Contact(alice, good.ResourceName)
		if !partial {
			if err == nil || cur.Names[0].GivenName != "Good" {
				t.Errorf("all-or-nothing batch: err %v, name %q", err, cur.Names[0].GivenName)
			}
			continue
		}
		if err != nil || cur.Names[0].GivenName != "New" {
			t.Fatalf("partial: %v, name %q", err, cur.Names[0].GivenName)
		}
		if r := res.UpdateResult[stale.ResourceName]; r.HttpStatusCode != 400 || r.Status.Code != 9 ||
			!strings.Contains(r.Status.Message, "person.etag is different") {
			t.Errorf("stale item = %d %+v", r.HttpStatusCode, r.Status)
		}
		if r := res.UpdateResult["people/c1"]; r.HttpStatusCode != 404 || r.Status.Code != 5 {
			t.Errorf("missing item = %d %+v", r.HttpStatusCode, r.Status)
		}
	}
}

func TestBatchDeletePartialSuccess(t *testing.T) {
	for _, partial := range []bool{false, true} {
		s, svc := mustService(t, Options{BatchPartialSuccess: partial})
		p := mustCreate(t, svc, "Gone", "x", "")
		_, err := svc.People.BatchDeleteContacts(&people.BatchDeleteContactsRequest{
			ResourceNames: []string{p.ResourceName, "people/c1"}}).Do()
		left, _ := s.Contacts(alice)
		if partial && (err != nil || len(left) != 0) {
			t.Errorf("partial: %v, %d left", err, len(left))
		}
		if !partial {
			apiErr(t, err, 404, "NOT_FOUND")
			if len(left) != 1 {
				t.Errorf("all-or-nothing delete removed %d", 1-len(left))
			}
		}
	}
}

func TestContactLimit(t *testing.T) {
	_, svc := mustService(t, Options{MaxContacts: 2})
	mustCreate(t, svc, "A", "x", "")
	mustCreate(t, svc, "B", "x", "")
	_, err := svc.People.CreateContact(&people.Person{}).Do()
	apiErr(t, err, 400, "FAILED_PRECONDITION")
}
