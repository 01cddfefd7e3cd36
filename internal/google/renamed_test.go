package google_test

import (
	"context"
	"testing"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/google"
	"simplecrm/internal/googleemu"
)

func newClient(t *testing.T, a *app, email string) *google.Client {
	t.Helper()
	a.emu.AddAccount(email, "")
	tok, _ := a.emu.IssueToken(email, "")
	svc, err := a.cfg.People(context.Background(), tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	return google.NewClient(svc)
}

// BatchGet keys its answer by the name asked for, so that a person Google
// renamed is found under the name the caller knows (people-api.md §4).
func TestBatchGetKeysByRequestedName(t *testing.T) {
	ctx := context.Background()
	a := newApp(t)
	c := newClient(t, a, "r@gmail.example")
	created, err := c.BatchCreate(ctx, []*people.Person{{Names: []*people.Name{{GivenName: "A"}}}})
	if err != nil {
		t.Fatal(err)
	}
	old := created[0].ResourceName
	renamed, err := a.emu.RenamePerson("r@gmail.example", old)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.BatchGet(ctx, []string{old, "people/c1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[old] == nil || got[old].ResourceName != renamed {
		t.Fatalf("batch get by the old name = %+v, want the person renamed %s under %s", got, renamed, old)
	}
	a.emu.Configure(func(o *googleemu.Options) { o.RenamedNotFound = true })
	if got, err = c.BatchGet(ctx, []string{old}); err != nil || len(got) != 0 {
		t.Fatalf("old names not resolved: got %+v, %v", got, err)
	}
}

func TestGetGroupsFindsUnlistedGroups(t *testing.T) {
	ctx := context.Background()
	a := newApp(t)
	c := newClient(t, a, "g@gmail.example")
	g, err := a.emu.EnsureGroup("g@gmail.example", "Legacy")
	if err != nil {
		t.Fatal(err)
	}
	a.emu.Configure(func(o *googleemu.Options) { o.UnlistedGroups = []string{"Legacy"} })
	got, err := c.GetGroups(ctx, []string{g.ResourceName, "contactGroups/unknown"})
	if err != nil || len(got) != 1 || got[0].Name != "Legacy" {
		t.Fatalf("get groups = %+v, %v", got, err)
	}
}
