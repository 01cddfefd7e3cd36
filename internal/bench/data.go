package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/crm"
	"simplecrm/internal/password"
	"simplecrm/internal/sample"
	"simplecrm/internal/store"
)

// dataset is the generated data of one size: n CRM contacts working for
// n/20 companies (internal/sample: international names, emails, phones and
// addresses; four in five employed), and n Google contacts of the same
// kind, one in ten sharing an email with a CRM contact.
type dataset struct {
	n         int
	companies []string
	crm       []crm.Contact
	google    []*people.Person
}

func generate(n int) *dataset {
	g := sample.New(uint64(n))
	d := &dataset{n: n}
	seen := map[string]bool{}
	for len(d.companies) < max(n/20, 4) && len(seen) < 2000 {
		name := g.Company().Name
		if !seen[name] {
			seen[name] = true
			d.companies = append(d.companies, name)
		}
	}
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	for range n {
		d.crm = append(d.crm, g.Contact(d.companies[rng.IntN(len(d.companies))]))
	}
	for i := range n {
		c := g.Contact(d.companies[rng.IntN(len(d.companies))])
		if i%10 == 0 {
			c.PersonalEmail = d.crm[i].PersonalEmail
		}
		d.google = append(d.google, personOf(c))
	}
	return d
}

// personOf returns c as someone would have typed it on a phone.
func personOf(c crm.Contact) *people.Person {
	p := &people.Person{
		Names:          []*people.Name{{GivenName: c.FirstName, FamilyName: c.LastName}},
		EmailAddresses: []*people.EmailAddress{{Value: c.PersonalEmail, Type: "home"}},
		PhoneNumbers:   []*people.PhoneNumber{{Value: c.MobilePhone, Type: "mobile"}},
		Addresses: []*people.Address{{Type: "home", StreetAddress: c.Address.Street, PostalCode: c.Address.PostalCode,
			City: c.Address.City, Region: c.Address.Region, Country: c.Address.Country}},
	}
	if c.HomePhone != "" {
		p.PhoneNumbers = append(p.PhoneNumbers, &people.PhoneNumber{Value: c.HomePhone, Type: "home"})
	}
	if len(c.Employments) > 0 {
		e := c.Employments[0]
		p.Organizations = []*people.Organization{{Name: e.CompanyName, Title: e.Function}}
		p.EmailAddresses = append(p.EmailAddresses, &people.EmailAddress{Value: e.WorkEmail, Type: "work"})
		p.PhoneNumbers = append(p.PhoneNumbers, &people.PhoneNumber{Value: e.WorkPhone, Type: "work"})
	}
	return p
}

// crmDB is a loaded CRM database: its organization and the user who owns
// every contact.
type crmDB struct {
	dsn   string
	db    *store.DB
	org   *crm.Organization
	owner *crm.User
	ids   []int64 // contact ids in dataset order
}

// loadCRM creates the organization, its owner and the dataset's CRM contacts
// through the same service calls as the API, in a migrated database.
func loadCRM(ctx context.Context, dsn string, d *dataset) (*crmDB, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	c, err := newOrg(ctx, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	c.dsn = dsn
	for i := range d.crm {
		ct := d.crm[i]
		ct.OrgID, ct.OwnerID = c.org.ID, c.owner.ID
		ct.Employments = append([]crm.Employment(nil), ct.Employments...)
		if err := db.CreateContact(ctx, &ct); err != nil {
			db.Close()
			return nil, fmt.Errorf("load contact %d: %w", i, err)
		}
		c.ids = append(c.ids, ct.ID)
	}
	return c, nil
}

const ownerEmail = "owner@bench.example"

func newOrg(ctx context.Context, db *store.DB) (*crmDB, error) {
	org, err := db.EnsureOrganization(ctx, "Bench")
	if err != nil {
		return nil, err
	}
	hash, err := password.Hash("bench-password")
	if err != nil {
		return nil, err
	}
	u := &crm.User{OrgID: org.ID, Email: ownerEmail, Role: crm.RoleAdmin, PasswordHash: hash}
	if err := db.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return &crmDB{db: db, org: org, owner: u}, nil
}

// copySQLite writes a consistent copy of a SQLite database to path.
func copySQLite(ctx context.Context, db *store.DB, path string) error {
	_, err := db.SQL().ExecContext(ctx, `VACUUM INTO '`+strings.ReplaceAll(path, "'", "''")+`'`)
	if err != nil {
		return fmt.Errorf("copy database: %w", err)
	}
	return nil
}
