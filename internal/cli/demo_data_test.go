package cli

import (
	"regexp"
	"strings"
	"testing"
)

// The demo's sample must read like a real small business's CRM: a newcomer
// who sees two people with one name, or "Nova Software" beside "Nova
// Software S.L.", or olivia.anderson.4@…, takes the product for a toy.
func TestDemoSampleIsRealistic(t *testing.T) {
	companies, contacts := demoContacts()
	if len(companies) != 12 || len(contacts) != 50 {
		t.Fatalf("%d companies and %d contacts, want 12 and 50 (cmd/simplecrm's demo tests count them)", len(companies), len(contacts))
	}
	firstWords := map[string]string{}
	for _, co := range companies {
		w := strings.Fields(co.Name)[0]
		if other, ok := firstWords[w]; ok {
			t.Errorf("companies %q and %q look alike", other, co.Name)
		}
		firstWords[w] = co.Name
	}
	names, emails := map[string]bool{}, map[string]bool{}
	digit := regexp.MustCompile(`[0-9]`)
	for _, c := range contacts {
		name := c.FirstName + " " + c.LastName
		if names[name] {
			t.Errorf("two contacts are named %s", name)
		}
		names[name] = true
		all := []string{c.PersonalEmail}
		for _, e := range c.Employments {
			all = append(all, e.WorkEmail)
		}
		for _, e := range all {
			if emails[e] || digit.MatchString(e) {
				t.Errorf("email %s is used twice or numbered", e)
			}
			emails[e] = true
		}
	}
}

// Each account's conflicting contact, renamed on the phone, must be told
// apart from every other contact at a glance: its last name is its own.
func TestDemoConflictIsUnmistakable(t *testing.T) {
	_, contacts := demoContacts()
	lastNames := map[string]int{}
	for _, c := range contacts {
		lastNames[c.LastName]++
	}
	used := map[int]bool{}
	for _, a := range demoAccounts {
		c := contacts[a.conflict]
		if lastNames[c.LastName] != 1 {
			t.Errorf("%s's conflicting contact %s %s shares the last name with another contact", a.email, c.FirstName, c.LastName)
		}
		if nickname(c.FirstName) == c.FirstName || strings.HasSuffix(nickname(c.FirstName), ".") {
			t.Errorf("%s's conflicting contact %s has no usual short name to be renamed to", a.email, c.FirstName)
		}
		for _, i := range append([]int{a.conflict}, a.matches...) {
			if used[i] {
				t.Errorf("contact %d is on both accounts' phones", i)
			}
			used[i] = true
		}
	}
}
