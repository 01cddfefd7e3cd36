package sample

import (
	"strings"

	"simplecrm/internal/crm"
)

// Directory returns nCompanies companies and nPeople people working for
// them, as a small business's CRM would hold them: no two companies whose
// names start alike, no two people with the same name, and plain emails
// (first.last@…) with the company's own domain for work. About one person
// in five has no employment. The demo shows it; Contact's data, which the
// benchmarks use, is unchanged by it.
func (g *Generator) Directory(nCompanies, nPeople int) ([]crm.Company, []crm.Contact) {
	var companies []crm.Company
	firstWords := map[string]bool{}
	for len(companies) < nCompanies {
		co := g.Company()
		w := strings.Fields(co.Name)[0]
		if firstWords[w] { // "Nova Software" beside "Nova Software S.L." reads as a duplicate
			continue
		}
		firstWords[w] = true
		// The brand's domain, without the legal form: blue-bakery, not bluebakeryltd.
		brand := strings.Fields(co.Name)[:2]
		co.Website = asciiFold(strings.ToLower(strings.Join(brand, "-"))) + ".example.com"
		companies = append(companies, co)
	}
	people := make([]crm.Contact, 0, nPeople)
	locals := map[string]bool{}
	for len(people) < nPeople {
		co := companies[len(people)%len(companies)]
		p := g.Contact(co.Name)
		local := asciiFold(strings.ToLower(p.FirstName + "." + p.LastName))
		if locals[local] {
			continue
		}
		locals[local] = true
		at := strings.LastIndex(p.PersonalEmail, "@")
		p.PersonalEmail = local + p.PersonalEmail[at:]
		for i := range p.Employments {
			p.Employments[i].WorkEmail = local + "@" + co.Website
		}
		people = append(people, p)
	}
	return companies, people
}
