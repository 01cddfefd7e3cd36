// Package sample generates realistic, reproducible CRM data — people with
// international names, emails, phone numbers and addresses, working for
// companies — for the demo, tests and benchmarks.
package sample

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"simplecrm/internal/crm"
)

// Generator produces the same data for the same seed.
type Generator struct {
	rnd *rand.Rand
	n   int // people generated so far, to keep emails unique
}

// New returns a generator seeded with seed.
func New(seed uint64) *Generator {
	return &Generator{rnd: rand.New(rand.NewPCG(seed, seed^0x5eed))}
}

type country struct {
	code, name string
	first      []string
	last       []string
	cities     []cityInfo
	mobile     func(r *rand.Rand) string
	fixed      func(r *rand.Rand) string
	street     []string
}

type cityInfo struct{ name, postal, region string }

func digits(r *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	return b.String()
}

func pairs(s string) string {
	var parts []string
	for i := 0; i < len(s); i += 2 {
		parts = append(parts, s[i:min(i+2, len(s))])
	}
	return strings.Join(parts, " ")
}

var countries = []country{
	{
		code: "FR", name: "France",
		first:  []string{"Camille", "Louis", "Léa", "Hugo", "Chloé", "Lucas", "Manon", "Gabriel", "Inès", "Jules", "Élodie", "Théo"},
		last:   []string{"Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau", "Lefèvre", "Girard"},
		cities: []cityInfo{{"Paris", "75011", "Île-de-France"}, {"Lyon", "69003", "Auvergne-Rhône-Alpes"}, {"Nantes", "44000", "Pays de la Loire"}, {"Lille", "59000", "Hauts-de-France"}},
		street: []string{"rue de la République", "avenue Jean Jaurès", "boulevard Voltaire", "rue Victor Hugo", "place du Marché"},
		mobile: func(r *rand.Rand) string { return "+33 6 " + pairs(digits(r, 8)) },
		fixed:  func(r *rand.Rand) string { return "01 " + pairs(digits(r, 8)) },
	},
	{
		code: "US", name: "United States",
		first:  []string{"James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "David", "Linda", "Emily", "Daniel", "Olivia", "Ethan"},
		last:   []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Wilson", "Anderson", "Taylor", "O'Brien"},
		cities: []cityInfo{{"New York", "10013", "NY"}, {"Austin", "78701", "TX"}, {"Portland", "97205", "OR"}, {"Chicago", "60607", "IL"}},
		street: []string{"Main Street", "Oak Avenue", "Maple Drive", "Broadway", "Elm Street"},
		mobile: func(r *rand.Rand) string {
			return fmt.Sprintf("+1 (415) %d%s-%s", 2+r.IntN(7), digits(r, 2), digits(r, 4))
		},
		fixed: func(r *rand.Rand) string {
			return fmt.Sprintf("(212) %d%s-%s", 2+r.IntN(7), digits(r, 2), digits(r, 4))
		},
	},
	{
		code: "DE", name: "Germany",
		first:  []string{"Lukas", "Anna", "Jonas", "Lena", "Felix", "Sophie", "Maximilian", "Marie", "Jürgen", "Katrin"},
		last:   []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann"},
		cities: []cityInfo{{"Berlin", "10115", "Berlin"}, {"München", "80331", "Bayern"}, {"Hamburg", "20095", "Hamburg"}},
		street: []string{"Hauptstraße", "Schillerstraße", "Gartenweg", "Bahnhofstraße"},
		mobile: func(r *rand.Rand) string { return "+49 151 " + digits(r, 8) },
		fixed:  func(r *rand.Rand) string { return "030 " + digits(r, 7) },
	},
	{
		code: "GB", name: "United Kingdom",
		first:  []string{"Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Noah", "Freya", "Siobhan", "Rhys"},
		last:   []string{"Jones", "Evans", "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes", "Edwards", "Green"},
		cities: []cityInfo{{"London", "EC1V 9HX", "England"}, {"Manchester", "M1 1AE", "England"}, {"Cardiff", "CF10 1EP", "Wales"}},
		street: []string{"High Street", "Station Road", "Church Lane", "Victoria Road"},
		mobile: func(r *rand.Rand) string { return "+44 7700 " + digits(r, 6) },
		fixed:  func(r *rand.Rand) string { return "020 7946 " + digits(r, 4) },
	},
	{
		code: "ES", name: "Spain",
		first:  []string{"Lucía", "Hugo", "Martina", "Mateo", "Sofía", "Pablo", "Álvaro", "Carmen"},
		last:   []string{"García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez"},
		cities: []cityInfo{{"Madrid", "28013", "Madrid"}, {"Barcelona", "08002", "Cataluña"}, {"Sevilla", "41001", "Andalucía"}},
		street: []string{"Calle Mayor", "Gran Vía", "Calle de Alcalá", "Paseo del Prado"},
		mobile: func(r *rand.Rand) string { return "+34 6" + digits(r, 2) + " " + digits(r, 3) + " " + digits(r, 3) },
		fixed:  func(r *rand.Rand) string { return "91 " + digits(r, 3) + " " + digits(r, 2) + " " + digits(r, 2) },
	},
}

var companyWords = [][]string{
	{"Acme", "Blue", "North", "Bright", "Summit", "Green", "Silver", "Atlas", "Nova", "Harbor", "Pioneer", "Crescent", "Maple", "Orion", "Vertex"},
	{"Bakery", "Logistics", "Consulting", "Plumbing", "Design", "Dental", "Builders", "Software", "Florists", "Motors", "Legal", "Studio", "Foods", "Energy", "Print"},
	{"", "", "Ltd", "SARL", "GmbH", "Inc.", "& Co", "SAS", "LLC", "S.L."},
}

var functions = []string{"CEO", "Sales Manager", "Accountant", "Office Manager", "Buyer", "CTO", "Project Manager", "Founder", "Assistant", "Head of Operations"}

var noteLines = []string{
	"Met at the trade fair.",
	"Prefers calls in the morning.",
	"Referred by a customer.",
	"Interested in the annual plan.",
	"Send the catalogue in September.",
}

// Company returns a company with a realistic name; names repeat rarely, so the
// caller keeps them unique if it needs to.
func (g *Generator) Company() crm.Company {
	r := g.rnd
	name := strings.TrimSpace(companyWords[0][r.IntN(len(companyWords[0]))] + " " +
		companyWords[1][r.IntN(len(companyWords[1]))] + " " + companyWords[2][r.IntN(len(companyWords[2]))])
	c := countries[r.IntN(len(countries))]
	city := c.cities[r.IntN(len(c.cities))]
	slug := strings.ToLower(strings.NewReplacer(" ", "", "&", "", ".", "", "'", "").Replace(name))
	return crm.Company{
		Name:    name,
		Phone:   c.fixed(r),
		Website: slug + ".example.com",
		Address: fmt.Sprintf("%d %s, %s %s, %s", 1+r.IntN(120), c.street[r.IntN(len(c.street))], city.postal, city.name, c.name),
	}
}

// Contact returns a person. With a non-empty company name, the person works
// there (one primary employment); about one in five has no employment.
func (g *Generator) Contact(companyName string) crm.Contact {
	r := g.rnd
	g.n++
	c := countries[r.IntN(len(countries))]
	first := c.first[r.IntN(len(c.first))]
	last := c.last[r.IntN(len(c.last))]
	city := c.cities[r.IntN(len(c.cities))]
	local := asciiFold(strings.ToLower(first + "." + last))
	p := crm.Contact{
		FirstName:     first,
		LastName:      last,
		MobilePhone:   c.mobile(r),
		PersonalEmail: fmt.Sprintf("%s.%d@%s", local, g.n, []string{"example.com", "example.org", "example.net"}[r.IntN(3)]),
		Address: crm.Address{
			Street:     fmt.Sprintf("%d %s", 1+r.IntN(200), c.street[r.IntN(len(c.street))]),
			PostalCode: city.postal,
			City:       city.name,
			Region:     city.region,
			Country:    c.name,
		},
	}
	if r.IntN(3) == 0 {
		p.HomePhone = c.fixed(r)
	}
	if r.IntN(4) == 0 {
		p.Note = noteLines[r.IntN(len(noteLines))]
	}
	if companyName != "" && r.IntN(5) != 0 {
		domain := asciiFold(strings.ToLower(strings.Fields(companyName)[0])) + ".example.com"
		p.Employments = []crm.Employment{{
			CompanyName: companyName,
			Function:    functions[r.IntN(len(functions))],
			WorkPhone:   c.fixed(r),
			WorkMobile:  c.mobile(r),
			WorkEmail:   fmt.Sprintf("%s.%d@%s", local, g.n, domain),
			Primary:     true,
		}}
	}
	return p
}

// asciiFold keeps email local parts plain ASCII: "léa.müller" → "lea.muller".
func asciiFold(s string) string {
	return strings.NewReplacer("é", "e", "è", "e", "ë", "e", "à", "a", "á", "a", "ä", "a", "í", "i", "ï", "i",
		"ó", "o", "ö", "o", "ú", "u", "ü", "u", "ç", "c", "ñ", "n", "ß", "ss", "'", "", "Á", "a", "É", "e").Replace(s)
}
