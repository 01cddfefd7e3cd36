package sample

import (
	"math/rand/v2"
	"strings"

	"simplecrm/internal/crm"
)

// SearchQueries returns n searches as people type them in the contacts
// search box, in turn: a three-letter last-name prefix, a full name, the
// first six digits of a mobile number, an email's local part, a company-name
// prefix, and two prefixes ("Ma Four"). The benchmarks of the store and of
// `simplecrm bench` time the same mix.
func SearchQueries(rng *rand.Rand, n int, contacts []*crm.Contact, companies []string) []string {
	qs := make([]string, 0, n)
	digitsOnly := strings.NewReplacer(" ", "", "+", "", "(", "", ")", "", "-", "")
	for len(qs) < n {
		c := contacts[rng.IntN(len(contacts))]
		var q string
		switch len(qs) % 6 {
		case 0:
			q = prefix(c.LastName, 3)
		case 1:
			q = c.FirstName + " " + c.LastName
		case 2:
			q = prefix(digitsOnly.Replace(c.MobilePhone), 6)
		case 3:
			q, _, _ = strings.Cut(c.PersonalEmail, "@")
		case 4:
			q = prefix(companies[rng.IntN(len(companies))], 5)
		case 5:
			q = prefix(c.FirstName, 2) + " " + prefix(c.LastName, 4)
		}
		qs = append(qs, q)
	}
	return qs
}

func prefix(s string, n int) string {
	r := []rune(s)
	return string(r[:min(n, len(r))])
}
