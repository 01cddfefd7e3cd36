package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	people "google.golang.org/api/people/v1"

	"simplecrm/internal/crm"
	"simplecrm/internal/googleemu"
	"simplecrm/internal/sample"
)

// The demo's sample data, on both sides of Sync Mobile. It is deterministic
// (a fixed seed), so that the Google side can be made to match the CRM side
// by email and the README's walk-through stays true.

// Demo login, printed by the demo command.
const (
	demoOrg      = "Demo Company"
	demoEmail    = "demo@example.com"
	demoPassword = "demo-password"
)

// demoGroup is the Google contact group Sync Mobile uses by default.
const demoGroup = "SimpleCRM"

// demoAccount is one sample Google account with the contacts of its
// "SimpleCRM" group. matches and conflict are indexes into demoContacts: the
// Google copies of those CRM contacts share their email, so the first sync
// links them instead of creating duplicates.
type demoAccount struct {
	email, name string
	matches     []int
	conflict    int // same email as this CRM contact, another first name
	business    []*people.Person
	outside     *people.Person // in myContacts only: Sync Mobile leaves it alone
}

// demoAccounts are the Google accounts the demo starts the emulator with.
// Each CRM contact appears in at most one account, so that both can be
// connected one after the other and each first sync tells its own story.
var demoAccounts = []demoAccount{
	{
		email: "alice@example.com", name: "Alice Martin",
		matches: []int{0, 1, 2}, conflict: 3, // Maximilian Schulz, "Max" on the phone
		business: []*people.Person{
			demoPerson("Marie", "Curie", "marie.curie@example.org", "+33 6 12 34 56 78", "Institut du Radium", "Director", "+33 1 43 29 12 34"),
			demoPerson("Katherine", "Johnson", "katherine@example.org", "+1 202 555 0175", "NASA", "Research Mathematician", "+1 757 555 0100"),
		},
		outside: demoPerson("Dr. Paul", "Dentist", "paul.dentist@example.net", "+33 1 45 67 89 00", "", "", ""),
	},
	{
		email: "bob@example.com", name: "Bob Dupont",
		matches: []int{4, 5}, conflict: 43, // James Smith, "Jim" on the phone
		business: []*people.Person{
			demoPerson("Alan", "Turing", "alan.turing@example.org", "+44 7700 900123", "Bletchley Park", "Cryptanalyst", "+44 1908 640404"),
		},
		outside: demoPerson("Grandma", "Dupont", "grandma@example.net", "+33 4 78 00 00 00", "", "", ""),
	},
}

// demoContacts returns the dozen sample companies and the ~50 contacts
// working for them, the same on every run.
func demoContacts() ([]crm.Company, []crm.Contact) {
	return sample.New(2026).Directory(12, 50)
}

// seedDemo creates the demo organization, its admin and the sample
// companies and contacts, in an empty database.
func seedDemo(ctx context.Context, svc crm.Services) error {
	admin, _, _, err := createUser(ctx, svc, demoOrg, demoEmail, demoPassword, true)
	if err != nil {
		return err
	}
	companies, contacts := demoContacts()
	for _, co := range companies {
		co.OrgID = admin.OrgID
		if err := svc.Companies.CreateCompany(ctx, &co); err != nil {
			return err
		}
	}
	for _, c := range contacts {
		c.OrgID, c.OwnerID = admin.OrgID, admin.ID
		if err := svc.Contacts.CreateContact(ctx, &c); err != nil {
			return err
		}
	}
	return nil
}

// Loading the sample data is complete or nothing: a marker file stands in
// the demo directory from before the database is created until both sides'
// data is written. A run that finds it (the last one was interrupted while
// loading: Ctrl-C, a crash) deletes the demo's files and loads again.
const demoSeedingMarker = "loading-sample-data"

// demoFiles are the files of a demo directory: the CRM's database (with
// SQLite's WAL files and the token key beside it) and the emulator's state.
var demoFiles = []string{"simplecrm.db", "simplecrm.db-wal", "simplecrm.db-shm", "simplecrm.db.key", "google-emulator.json"}

// startDemoSeeding tells whether dir needs the sample data; if so it clears
// what an interrupted run left there and puts the marker down.
func startDemoSeeding(dir string) (fresh bool, err error) {
	_, markerErr := os.Stat(filepath.Join(dir, demoSeedingMarker))
	if _, err := os.Stat(filepath.Join(dir, "simplecrm.db")); err == nil && errors.Is(markerErr, os.ErrNotExist) {
		return false, nil // loaded by an earlier run, maybe used since: keep it
	}
	for _, f := range demoFiles {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return false, fmt.Errorf("demo directory: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, demoSeedingMarker), nil, 0o600); err != nil {
		return false, fmt.Errorf("demo directory: %w", err)
	}
	return true, nil
}

// finishDemoSeeding removes the marker once both sides hold the sample data.
func finishDemoSeeding(dir string) error {
	if err := os.Remove(filepath.Join(dir, demoSeedingMarker)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("demo directory: %w", err)
	}
	return nil
}

// seedGoogle adds the sample accounts to the emulator and fills the groups
// of those that have no contacts yet.
func seedGoogle(emu *googleemu.Emulator) error {
	_, contacts := demoContacts()
	for _, a := range demoAccounts {
		if _, err := emu.AddAccount(a.email, a.name); err != nil {
			return err
		}
		if have, err := emu.Contacts(a.email); err != nil || len(have) > 0 {
			if err != nil {
				return err
			}
			continue
		}
		var group []*people.Person
		for _, i := range a.matches {
			c := contacts[i]
			group = append(group, demoPerson(c.FirstName, c.LastName, c.PersonalEmail, c.MobilePhone, "", "", ""))
		}
		// Edited on the phone after it was entered in the CRM: the first
		// sync reports the conflict and keeps the newer name (Google's).
		c := contacts[a.conflict]
		group = append(group, demoPerson(nickname(c.FirstName), c.LastName, c.PersonalEmail, c.MobilePhone, "", "", ""))
		group = append(group, a.business...)
		if _, err := emu.SeedGroup(a.email, demoGroup, group...); err != nil {
			return fmt.Errorf("google account %s: %w", a.email, err)
		}
		if _, err := emu.CreateContact(a.email, a.outside); err != nil {
			return fmt.Errorf("google account %s: %w", a.email, err)
		}
	}
	return nil
}

// demoPerson builds a Google contact; the business fields are optional.
func demoPerson(given, family, email, mobile, company, title, workPhone string) *people.Person {
	p := &people.Person{
		Names:          []*people.Name{{GivenName: given, FamilyName: family}},
		EmailAddresses: []*people.EmailAddress{{Value: email, Type: "home"}},
		PhoneNumbers:   []*people.PhoneNumber{{Value: mobile, Type: "mobile"}},
	}
	if company != "" || title != "" {
		p.Organizations = []*people.Organization{{Name: company, Title: title, Type: "work"}}
	}
	if workPhone != "" {
		p.PhoneNumbers = append(p.PhoneNumbers, &people.PhoneNumber{Value: workPhone, Type: "work"})
	}
	return p
}

// nickname is how the conflicting contact was renamed on the phone: a
// short form when the sample name has a usual one, else the initial.
func nickname(first string) string {
	short := map[string]string{"James": "Jim", "Olivia": "Liv", "Maximilian": "Max", "Katherine": "Kate", "Jennifer": "Jen",
		"Michael": "Mike", "Robert": "Bob", "Patricia": "Pat", "Daniel": "Dan", "Gabriel": "Gabe", "Elodie": "Lodie"}
	if s, ok := short[first]; ok {
		return s
	}
	r := []rune(first)
	return string(r[:1]) + "."
}
