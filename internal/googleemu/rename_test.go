package googleemu

import (
	"slices"
	"testing"

	people "google.golang.org/api/people/v1"
)

func TestRenamePerson(t *testing.T) {
	for _, notFound := range []bool{false, true} {
		s, svc := mustService(t, Options{RenamedNotFound: notFound})
		old := mustCreate(t, svc, "Ann", "Lee", "ann@example.org").ResourceName
		_, tok, _ := listAll(t, svc, "", 100)
		renamed, err := s.RenamePerson(alice, old)
		if err != nil || renamed == old || renamed == "" {
			t.Fatalf("rename: %q, %v", renamed, err)
		}
		if _, err := s.Contact(alice, renamed); err != nil {
			t.Fatalf("renamed contact: %v", err)
		}

		changes, _, _ := listAll(t, svc, tok, 100)
		if len(changes) != 1 || changes[0].ResourceName != renamed ||
			!slices.Equal(changes[0].Metadata.PreviousResourceNames, []string{old}) {
			t.Fatalf("incremental listing after rename: %+v", changes)
		}
		full, _, _ := listAll(t, svc, "", 100)
		if len(full) != 1 || full[0].ResourceName != renamed || len(full[0].Metadata.PreviousResourceNames) != 0 {
			t.Fatalf("full listing after rename: want only the new name, no previous names")
		}

		resp, err := svc.People.GetBatchGet().ResourceNames(old, renamed).PersonFields("names").Do()
		if err != nil {
			t.Fatal(err)
		}
		byOld := resp.Responses[0]
		if byOld.RequestedResourceName != old {
			t.Fatalf("requestedResourceName = %q, want %q", byOld.RequestedResourceName, old)
		}
		_, getErr := svc.People.Get(old).PersonFields("names").Do()
		if notFound {
			if byOld.Person != nil || byOld.Status == nil || byOld.Status.Code != 5 {
				t.Errorf("RenamedNotFound: batchGet by the old name = %+v", byOld)
			}
			apiErr(t, getErr, 404, "NOT_FOUND")
			continue
		}
		if byOld.Person == nil || byOld.Person.ResourceName != renamed {
			t.Errorf("batchGet by the old name: want the renamed person, got %+v", byOld.Person)
		}
		if p, err := svc.People.Get(old).PersonFields("names").Do(); err != nil || p.ResourceName != renamed {
			t.Errorf("get by the old name: %v", err)
		}
	}
}

func TestUnlistedGroups(t *testing.T) {
	s, svc := mustService(t, Options{UnlistedGroups: []string{"Legacy"}})
	g, err := s.EnsureGroup(alice, "Legacy")
	if err != nil {
		t.Fatal(err)
	}
	list, err := svc.ContactGroups.List().Do()
	if err != nil {
		t.Fatal(err)
	}
	for _, lg := range list.ContactGroups {
		if lg.Name == "Legacy" {
			t.Fatal("an unlisted group is listed")
		}
	}
	if got, err := svc.ContactGroups.Get(g.ResourceName).Do(); err != nil || got.Name != "Legacy" {
		t.Fatalf("get of an unlisted group: %v", err)
	}
	_, err = svc.ContactGroups.Create(&people.CreateContactGroupRequest{ContactGroup: &people.ContactGroup{Name: "Legacy"}}).Do()
	apiErr(t, err, 409, "")
}

func TestRenameTombstone(t *testing.T) {
	s, svc := mustService(t, Options{RenameTombstone: true})
	old := mustCreate(t, svc, "Ann", "Lee", "ann@example.org").ResourceName
	_, tok, _ := listAll(t, svc, "", 100)
	renamed, err := s.RenamePerson(alice, old)
	if err != nil {
		t.Fatal(err)
	}
	changes, _, _ := listAll(t, svc, tok, 100)
	if len(changes) != 2 || changes[0].ResourceName != old || !changes[0].Metadata.Deleted || changes[1].ResourceName != renamed {
		t.Fatalf("incremental listing: want the old name's tombstone, then the renamed person; got %d people", len(changes))
	}
	if p, err := svc.People.Get(old).PersonFields("names").Do(); err != nil || p.ResourceName != renamed {
		t.Fatalf("get by the old name after a tombstone: %v", err)
	}
	if full, _, _ := listAll(t, svc, "", 100); len(full) != 1 {
		t.Fatalf("full listing shows %d people", len(full))
	}
}
