package googleemu

import (
	"context"
	"fmt"
	"testing"

	people "google.golang.org/api/people/v1"
)

// BenchmarkFullSync lists 5000 contacts in pages of 1000 through the
// official client over loopback.
func BenchmarkFullSync(b *testing.B) {
	s := NewTestServer(b, Options{})
	if _, err := s.AddAccount(alice, ""); err != nil {
		b.Fatal(err)
	}
	persons := make([]*people.Person, 5000)
	for i := range persons {
		persons[i] = &people.Person{
			Names:          []*people.Name{{GivenName: fmt.Sprint("G", i), FamilyName: "F"}},
			EmailAddresses: []*people.EmailAddress{{Value: fmt.Sprintf("p%d@example.com", i), Type: "home"}},
			PhoneNumbers:   []*people.PhoneNumber{{Value: "+33 6 12 34 56 78", Type: "mobile"}},
		}
	}
	if _, err := s.SeedGroup(alice, "SimpleCRM", persons...); err != nil {
		b.Fatal(err)
	}
	svc, err := s.PeopleService(context.Background(), alice)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		n := 0
		err := svc.People.Connections.List("people/me").PersonFields("names,emailAddresses,phoneNumbers,memberships,metadata").
			PageSize(1000).RequestSyncToken(true).Pages(context.Background(), func(r *people.ListConnectionsResponse) error {
			n += len(r.Connections)
			return nil
		})
		if err != nil || n != 5000 {
			b.Fatalf("listed %d: %v", n, err)
		}
	}
}
