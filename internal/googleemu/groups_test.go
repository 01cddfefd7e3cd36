package googleemu

import (
	"fmt"
	"testing"

	people "google.golang.org/api/people/v1"
)

func TestContactGroups(t *testing.T) {
	_, svc := mustService(t, Options{})
	g, err := svc.ContactGroups.Create(&people.CreateContactGroupRequest{
		ContactGroup: &people.ContactGroup{Name: "SimpleCRM", ClientData: []*people.GroupClientData{{Key: "k", Value: "v"}}},
	}).Do()
	if err != nil {
		t.Fatal(err)
	}
	if g.GroupType != "USER_CONTACT_GROUP" || g.Name != "SimpleCRM" || g.Metadata.UpdateTime == "" || g.Etag == "" {
		t.Fatalf("created group = %+v", g)
	}
	_, err = svc.ContactGroups.Create(&people.CreateContactGroupRequest{ContactGroup: &people.ContactGroup{Name: "SimpleCRM"}}).Do()
	apiErr(t, err, 409, "ALREADY_EXISTS")

	p := mustCreate(t, svc, "A", "B", "")
	if _, err := svc.ContactGroups.Members.Modify(g.ResourceName, &people.ModifyContactGroupMembersRequest{
		ResourceNamesToAdd: []string{p.ResourceName, "people/c1"}}).Do(); err != nil {
		t.Fatal(err)
	}
	got, err := svc.ContactGroups.Get(g.ResourceName).MaxMembers(10).Do()
	if err != nil || got.MemberCount != 1 || len(got.MemberResourceNames) != 1 || got.MemberResourceNames[0] != p.ResourceName {
		t.Fatalf("get = %+v, %v", got, err)
	}
	list, err := svc.ContactGroups.List().Do()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]*people.ContactGroup{}
	for _, cg := range list.ContactGroups {
		names[cg.Name] = cg
	}
	if names["myContacts"] == nil || names["myContacts"].GroupType != "SYSTEM_CONTACT_GROUP" || names["SimpleCRM"].MemberCount != 1 {
		t.Fatalf("list = %+v", list.ContactGroups)
	}
	if len(names["SimpleCRM"].MemberResourceNames) != 0 {
		t.Errorf("list populated members")
	}
	bg, err := svc.ContactGroups.BatchGet().ResourceNames(g.ResourceName, "contactGroups/nope").Do()
	if err != nil || bg.Responses[0].ContactGroup.Name != "SimpleCRM" || bg.Responses[1].Status.Code != 5 {
		t.Fatalf("batchGet = %+v, %v", bg, err)
	}
	upd, err := svc.ContactGroups.Update(g.ResourceName, &people.UpdateContactGroupRequest{
		ContactGroup: &people.ContactGroup{Name: "Renamed", Etag: got.Etag}}).Do()
	if err != nil || upd.Name != "Renamed" {
		t.Fatalf("update = %+v, %v", upd, err)
	}
	if _, err := svc.ContactGroups.Delete(g.ResourceName).Do(); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ContactGroups.Get(g.ResourceName).Do(); err == nil {
		t.Errorf("deleted group still found")
	}
	_, err = svc.ContactGroups.Delete("contactGroups/myContacts").Do()
	apiErr(t, err, 400, "INVALID_ARGUMENT")
}

func TestDuplicateGroupStatusOption(t *testing.T) {
	_, svc := mustService(t, Options{DuplicateGroupStatus: "ABORTED"})
	req := &people.CreateContactGroupRequest{ContactGroup: &people.ContactGroup{Name: "X"}}
	if _, err := svc.ContactGroups.Create(req).Do(); err != nil {
		t.Fatal(err)
	}
	_, err := svc.ContactGroups.Create(req).Do()
	apiErr(t, err, 409, "ABORTED")
}

func TestMembershipRules(t *testing.T) {
	s, svc := mustService(t, Options{})
	g, err := s.EnsureGroup(alice, "SimpleCRM")
	if err != nil {
		t.Fatal(err)
	}
	p := mustCreate(t, svc, "A", "B", "")

	// Adding to a group changes the etag; the old one is stale.
	res, err := svc.ContactGroups.Members.Modify(g.ResourceName, &people.ModifyContactGroupMembersRequest{
		ResourceNamesToAdd: []string{p.ResourceName}}).Do()
	if err != nil || len(res.NotFoundResourceNames) != 0 {
		t.Fatalf("modify = %+v, %v", res, err)
	}
	_, err = svc.People.UpdateContact(p.ResourceName, &people.Person{Etag: p.Etag}).UpdatePersonFields("names").Do()
	apiErr(t, err, 400, "FAILED_PRECONDITION")

	// Removing from myContacts leaves it in SimpleCRM; removing the last group is refused.
	res, err = svc.ContactGroups.Members.Modify("contactGroups/myContacts", &people.ModifyContactGroupMembersRequest{
		ResourceNamesToRemove: []string{p.ResourceName}}).Do()
	if err != nil || len(res.CanNotRemoveLastContactGroupResourceNames) != 0 {
		t.Fatalf("remove from myContacts = %+v, %v", res, err)
	}
	res, err = svc.ContactGroups.Members.Modify(g.ResourceName, &people.ModifyContactGroupMembersRequest{
		ResourceNamesToRemove: []string{p.ResourceName, "people/c99"}}).Do()
	if err != nil || len(res.CanNotRemoveLastContactGroupResourceNames) != 1 || res.NotFoundResourceNames[0] != "people/c99" {
		t.Fatalf("remove last = %+v, %v", res, err)
	}
	cur, _ := s.Contact(alice, p.ResourceName)
	if len(cur.Memberships) != 1 || cur.Memberships[0].ContactGroupMembership.ContactGroupResourceName != g.ResourceName {
		t.Fatalf("memberships = %+v", cur.Memberships)
	}

	// updateContact memberships: replace, and at least one group is required.
	_, err = svc.People.UpdateContact(p.ResourceName, &people.Person{Etag: cur.Etag}).UpdatePersonFields("memberships").Do()
	apiErr(t, err, 400, "INVALID_ARGUMENT")
	up, err := svc.People.UpdateContact(p.ResourceName, &people.Person{Etag: cur.Etag, Memberships: []*people.Membership{
		{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: "contactGroups/myContacts"}},
		{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: "contactGroups/starred"}},
	}}).UpdatePersonFields("memberships").PersonFields("memberships").Do()
	if err != nil || len(up.Memberships) != 2 {
		t.Fatalf("update memberships = %+v, %v", up, err)
	}
}

func TestCreateMembershipOption(t *testing.T) {
	for _, always := range []bool{false, true} {
		s, svc := mustService(t, Options{CreateAlwaysJoinsMyContacts: always})
		g, err := s.EnsureGroup(alice, "SimpleCRM")
		if err != nil {
			t.Fatal(err)
		}
		p, err := svc.People.CreateContact(&people.Person{Memberships: []*people.Membership{
			{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: g.ResourceName}}}}).
			PersonFields("memberships").Do()
		if err != nil {
			t.Fatal(err)
		}
		want := 1
		if always {
			want = 2
		}
		if len(p.Memberships) != want {
			t.Errorf("always=%v: %d memberships", always, len(p.Memberships))
		}
	}
}

func TestGroupListSyncToken(t *testing.T) {
	for _, on := range []bool{false, true} {
		s, svc := mustService(t, Options{GroupListSyncToken: on})
		g, err := s.EnsureGroup(alice, "Old")
		if err != nil {
			t.Fatal(err)
		}
		res, err := svc.ContactGroups.List().PageSize(1).Do()
		if err != nil || res.NextPageToken == "" || res.TotalItems != 3 {
			t.Fatalf("page 1 = %+v, %v", res, err)
		}
		res, err = svc.ContactGroups.List().PageSize(1).PageToken(res.NextPageToken).Do()
		if err != nil {
			t.Fatal(err)
		}
		res, err = svc.ContactGroups.List().Do()
		if err != nil || (res.NextSyncToken != "") != on {
			t.Fatalf("on=%v: %+v, %v", on, res, err)
		}
		if !on {
			continue
		}
		if _, err := svc.ContactGroups.Delete(g.ResourceName).Do(); err != nil {
			t.Fatal(err)
		}
		delta, err := svc.ContactGroups.List().SyncToken(res.NextSyncToken).Do()
		if err != nil || len(delta.ContactGroups) != 1 || !delta.ContactGroups[0].Metadata.Deleted {
			t.Fatalf("group delta = %+v, %v", delta, err)
		}
	}
}

func TestDeleteGroupKeepsContactsInAGroup(t *testing.T) {
	for _, ungrouped := range []bool{false, true} {
		s, svc := mustService(t, Options{GroupDeleteLeavesContactsUngrouped: ungrouped})
		g, err := s.EnsureGroup(alice, "SimpleCRM")
		if err != nil {
			t.Fatal(err)
		}
		only, both := mustCreate(t, svc, "Only", "x", ""), mustCreate(t, svc, "Both", "x", "")
		if err := s.ModifyGroupMembers(alice, g.ResourceName, []string{only.ResourceName, both.ResourceName}, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.ModifyGroupMembers(alice, "contactGroups/myContacts", nil, []string{only.ResourceName}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ContactGroups.Delete(g.ResourceName).Do(); err != nil {
			t.Fatal(err)
		}
		groupsOf := func(rn string) []string {
			p, err := svc.People.Get(rn).PersonFields("memberships").Do()
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, m := range p.Memberships {
				out = append(out, m.ContactGroupMembership.ContactGroupResourceName)
			}
			return out
		}
		wantOnly := "[contactGroups/myContacts]"
		if ungrouped {
			wantOnly = "[]"
		}
		if got := fmt.Sprint(groupsOf(only.ResourceName)); got != wantOnly {
			t.Errorf("ungrouped=%v: contact only in the group now in %s, want %s", ungrouped, got, wantOnly)
		}
		if got := fmt.Sprint(groupsOf(both.ResourceName)); got != "[contactGroups/myContacts]" {
			t.Errorf("ungrouped=%v: contact also in myContacts now in %s", ungrouped, got)
		}
	}
}

func TestUpdateGroupDuplicateName(t *testing.T) {
	s, svc := mustService(t, Options{})
	if _, err := s.EnsureGroup(alice, "Taken"); err != nil {
		t.Fatal(err)
	}
	g, err := s.EnsureGroup(alice, "Mine")
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.ContactGroups.Update(g.ResourceName, &people.UpdateContactGroupRequest{
		ContactGroup: &people.ContactGroup{Name: "Taken"}}).Do()
	apiErr(t, err, 409, "ALREADY_EXISTS")
	// Its own name is no conflict.
	if _, err := svc.ContactGroups.Update(g.ResourceName, &people.UpdateContactGroupRequest{
		ContactGroup: &people.ContactGroup{Name: "Mine"}}).Do(); err != nil {
		t.Errorf("rename to its own name: %v", err)
	}
}

func TestDeleteGroupWithContacts(t *testing.T) {
	s, svc := mustService(t, Options{})
	g, err := s.EnsureGroup(alice, "Doomed")
	if err != nil {
		t.Fatal(err)
	}
	in, out := mustCreate(t, svc, "In", "x", ""), mustCreate(t, svc, "Out", "x", "")
	if err := s.ModifyGroupMembers(alice, g.ResourceName, []string{in.ResourceName}, nil); err != nil {
		t.Fatal(err)
	}
	_, tok, _ := listAll(t, svc, "", 100)
	if _, err := svc.ContactGroups.Delete(g.ResourceName).DeleteContacts(true).Do(); err != nil {
		t.Fatal(err)
	}
	_, err = svc.People.Get(in.ResourceName).PersonFields("names").Do()
	apiErr(t, err, 404, "NOT_FOUND")
	if _, err := svc.People.Get(out.ResourceName).PersonFields("names").Do(); err != nil {
		t.Errorf("a contact outside the group was deleted: %v", err)
	}
	delta, _, _ := listAll(t, svc, tok, 100)
	if len(delta) != 1 || delta[0].ResourceName != in.ResourceName || !delta[0].Metadata.Deleted {
		t.Errorf("delta after deleting the group's contacts = %+v", delta)
	}
}

func TestBatchGetGroupsLimit(t *testing.T) {
	_, svc := mustService(t, Options{})
	names := make([]string, 201)
	for i := range names {
		names[i] = "contactGroups/myContacts"
	}
	if _, err := svc.ContactGroups.BatchGet().ResourceNames(names[:200]...).Do(); err != nil {
		t.Errorf("200 names: %v", err)
	}
	_, err := svc.ContactGroups.BatchGet().ResourceNames(names...).Do()
	apiErr(t, err, 400, "INVALID_ARGUMENT")
}
