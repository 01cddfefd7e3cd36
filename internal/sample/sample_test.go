package sample

import (
	"math/rand/v2"
	"slices"
	"testing"

	"simplecrm/internal/crm"
)

// Generated data must pass the CRM's own validation, or the demo and the
// benchmarks would fail to load it.
func TestGeneratedDataIsValid(t *testing.T) {
	g := New(1)
	emails := map[string]bool{}
	for i := 0; i < 2000; i++ {
		co := g.Company()
		co.Normalize()
		if err := co.Validate(); err != nil {
			t.Fatalf("company %+v: %v", co, err)
		}
		c := g.Contact(co.Name)
		c.Normalize()
		if err := c.Validate(); err != nil {
			t.Fatalf("contact %+v: %v", c, err)
		}
		if emails[c.PersonalEmail] {
			t.Fatalf("email %s generated twice", c.PersonalEmail)
		}
		emails[c.PersonalEmail] = true
	}
}

func TestSameSeedSameData(t *testing.T) {
	a, b := New(7), New(7)
	for i := 0; i < 50; i++ {
		ca, cb := a.Contact("Acme"), b.Contact("Acme")
		if ca.PersonalEmail != cb.PersonalEmail || ca.MobilePhone != cb.MobilePhone {
			t.Fatalf("seed 7 gave %v and %v", ca, cb)
		}
	}
	if New(8).Contact("").PersonalEmail == New(7).Contact("").PersonalEmail {
		t.Fatal("different seeds gave the same first contact")
	}
}

func TestSearchQueries(t *testing.T) {
	c := &crm.Contact{FirstName: "Émile", LastName: "Dupont", MobilePhone: "+33 6 12 34 56 78", PersonalEmail: "emile.dupont@example.org"}
	got := SearchQueries(rand.New(rand.NewPCG(1, 2)), 7, []*crm.Contact{c}, []string{"Wonka Industries"})
	want := []string{"Dup", "Émile Dupont", "336123", "emile.dupont", "Wonka", "Ém Dupo", "Dup"}
	if !slices.Equal(got, want) {
		t.Fatalf("SearchQueries = %q, want %q", got, want)
	}
}
