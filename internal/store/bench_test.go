package store_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"simplecrm/internal/crm"
	"simplecrm/internal/sample"
	"simplecrm/internal/store"
	"simplecrm/internal/store/storetest"
)

// The benchmarks run against 100,000 generated contacts per engine. The data
// is generated on first use by a benchmark, so plain "go test" never pays
// for it, and shared by BenchmarkSearch and BenchmarkList.
//
//	go test ./internal/store -run '^$' -bench . -benchtime 2s
const benchContacts = 100_000

var (
	benchMu       sync.Mutex
	benchDBs      = map[string]*benchData{}
	benchCleanups []func() // run by TestMain after every benchmark
)

type benchData struct {
	db        *store.DB
	orgID     int64
	companies []string
	contacts  []*crm.Contact
}

func BenchmarkSearch(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			d := benchDB(b, engine)
			rng := rand.New(rand.NewPCG(1, 2))
			queries := sample.SearchQueries(rng, 500, d.contacts, d.companies)
			i := 0
			measure(b, func() int {
				q := queries[i%len(queries)]
				i++
				list, _, err := d.db.ListContacts(ctx, d.orgID, crm.ContactFilter{Query: q})
				if err != nil {
					b.Fatal(err)
				}
				return len(list)
			})
		})
	}
}

func BenchmarkList(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			d := benchDB(b, engine)
			// Walk the whole list page by page, as a client paging through it.
			cursor := ""
			measure(b, func() int {
				list, next, err := d.db.ListContacts(ctx, d.orgID, crm.ContactFilter{Cursor: cursor})
				if err != nil {
					b.Fatal(err)
				}
				cursor = next
				return len(list)
			})
		})
		b.Run(engine+"/companies", func(b *testing.B) {
			d := benchDB(b, engine)
			cursor := ""
			measure(b, func() int {
				list, next, err := d.db.ListCompanies(ctx, d.orgID, crm.CompanyFilter{Cursor: cursor})
				if err != nil {
					b.Fatal(err)
				}
				cursor = next
				return len(list)
			})
		})
	}
}

// measure runs op b.N times and reports latency percentiles and the mean
// number of rows returned.
func measure(b *testing.B, op func() int) {
	durations := make([]time.Duration, 0, b.N)
	rows := 0
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		rows += op()
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	pct := func(p float64) float64 {
		return float64(durations[int(p*float64(len(durations)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(rows)/float64(len(durations)), "rows/op")
}

// benchDB returns the engine's benchmark database, generating it on first use.
func benchDB(b *testing.B, engine string) *benchData {
	benchMu.Lock()
	defer benchMu.Unlock()
	if d := benchDBs[engine]; d != nil {
		return d
	}
	start := time.Now()
	db := storetest.Open(longLived{b}, engine)
	org := mustOrg(b, db, "Bench Org")
	owner := mustUser(b, db, org.ID, "owner@bench.example", crm.RoleAdmin)
	rng := rand.New(rand.NewPCG(42, 7))
	companies, contacts := generate(rng, owner.ID)
	if err := store.BulkInsert(ctx, db, org.ID, companies, contacts); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: %d contacts and %d companies generated in %v", engine, len(contacts), len(companies), time.Since(start).Round(time.Millisecond))
	d := &benchData{db: db, orgID: org.ID, companies: companies, contacts: contacts}
	benchDBs[engine] = d
	return d
}

// longLived is a testing.TB whose cleanups wait for the end of the test
// binary, so that one generated database serves every benchmark round.
type longLived struct{ testing.TB }

func (l longLived) Cleanup(f func()) { benchCleanups = append(benchCleanups, f) }

func (l longLived) TempDir() string {
	dir, err := os.MkdirTemp("", "simplecrm-bench-")
	if err != nil {
		l.Fatal(err)
	}
	benchCleanups = append(benchCleanups, func() { os.RemoveAll(dir) })
	return dir
}

func runBenchCleanups() {
	for i := len(benchCleanups) - 1; i >= 0; i-- {
		benchCleanups[i]()
	}
}

var (
	firstNames = strings.Fields(`Ann Anna Émilie Jean Pierre Marie Louis Camille Léa Hugo Chloé Lucas Manon Nathan Inès
		Thomas Sarah Julien Laura Nicolas Julie Antoine Claire Maxime Pauline Alexandre Céline Romain Élodie Mathieu
		John Mary James Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara Richard Susan Joseph
		Jessica Charles Karen Christopher Nancy Daniel Lisa Matthew Betty Mark Sandra Donald Ashley Paul Kimberly
		Steven Emily Andrew Donna Joshua Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah Jürgen
		Sofía Matías Lucía Mateo Valentina Søren Ingrid Björn Åsa Zoë François Noël Hélène Agnès José Raúl Ana`)
	lastNames = strings.Fields(`Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent
		Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier Morel Girard André Lefèvre Mercier Dupont Lambert
		Bonnet François Martinez Legrand Garnier Faure Rousseau Blanc Guérin Muller Henry Roussel Nicolas Perrin
		Morin Mathieu Clément Gauthier Dumont Lopez Fontaine Chevalier Robin Smith Johnson Williams Brown Jones Miller
		Davis Wilson Anderson Taylor Moore Jackson White Harris Thompson Clark Lewis Walker Hall Allen Young King
		Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans Turner Torres
		Parker Collins Edwards Stewart Morris Murphy Cook Rogers Morgan Peterson Cooper Reed Bailey Bell Gómez
		Kelly Howard Ward Cox Díaz Richardson Wood Watson Brooks Bennett Gray James Reyes Cruz Hughes Price Myers
		Long Foster Sanders Ross Morales Powell Sullivan Russell Ortiz Jenkins Gutiérrez Perry Butler Barnes Fisher
		Henderson Coleman Simmons Patterson Jordan Reynolds Hamilton Graham Kim González Alexander Ramos Wallace
		Griffin West Cole Hayes Chávez Gibson Bryant Ellis Stevens Murray Ford Marshall Owens McDonald Harrison
		Ruiz Kennedy Wells Álvarez Woods Mendoza Castillo Olson Webb Washington Tucker Freeman Burns Henry Vásquez
		Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Bauer Richter Klein Wolf Schröder
		Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt Werner Krause Meier Lehmann Köhler
		Nielsen Jensen Hansen Pedersen Andersen Larsen Sørensen Rasmussen Jørgensen Petersen Madsen Kristensen`)
	companyWords = strings.Fields(`Acme Globex Initech Umbrella Stark Wayne Wonka Tyrell Cyberdyne Soylent Hooli
		Vandelay Aperture Black Mesa Oscorp Gringotts Monarch Massive Dynamic Nakatomi Virtucon Prestige Sirius
		Blue Red Green North South East West Alpha Beta Gamma Delta Omega Nova Stellar Lunar Solar Atlas Titan Apex
		Summit Pioneer Vertex Zenith Horizon Quantum Fusion Vector Matrix Nexus Orbit Pixel Bright Clear Swift Prime`)
	companySuffixes = strings.Fields(`SA SARL SAS GmbH Ltd Inc LLC Group Partners Industries Solutions Consulting Labs`)
	domains         = strings.Fields(`example.com example.org example.net mail.example fastmail.example web.example`)
)

// generate makes 5,000 companies and benchContacts contacts, two thirds of
// them employed (a few twice), with realistic names, emails and phones.
func generate(rng *rand.Rand, ownerID int64) ([]string, []*crm.Contact) {
	seen := map[string]bool{}
	var companies []string
	for len(companies) < 5000 {
		name := companyWords[rng.IntN(len(companyWords))] + " " + companyWords[rng.IntN(len(companyWords))] + " " +
			companySuffixes[rng.IntN(len(companySuffixes))]
		if !seen[name] {
			seen[name] = true
			companies = append(companies, name)
		}
	}
	phone := func() string {
		if rng.IntN(3) == 0 {
			return fmt.Sprintf("+1 %03d %03d %04d", 200+rng.IntN(800), rng.IntN(1000), rng.IntN(10000))
		}
		return fmt.Sprintf("0%d %02d %02d %02d %02d", 1+rng.IntN(7), rng.IntN(100), rng.IntN(100), rng.IntN(100), rng.IntN(100))
	}
	contacts := make([]*crm.Contact, benchContacts)
	for i := range contacts {
		first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		local := strings.ToLower(store.Fold(first) + "." + store.Fold(last))
		c := &crm.Contact{FirstName: first, LastName: last, MobilePhone: phone(), OwnerID: ownerID,
			PersonalEmail: fmt.Sprintf("%s%d@%s", local, i%97, domains[rng.IntN(len(domains))]),
			Address:       crm.Address{Street: fmt.Sprintf("%d Main Street", 1+rng.IntN(200)), City: "Springfield", Country: "France"}}
		if rng.IntN(4) == 0 {
			c.HomePhone = phone()
		}
		if rng.IntN(3) > 0 {
			co := companies[rng.IntN(len(companies))]
			c.Employments = append(c.Employments, crm.Employment{CompanyName: co, Function: "Manager", WorkPhone: phone(),
				WorkEmail: local + "@" + strings.ToLower(strings.Fields(co)[0]) + ".example", Primary: true})
			if rng.IntN(10) == 0 {
				if other := companies[rng.IntN(len(companies))]; other != co {
					c.Employments = append(c.Employments, crm.Employment{CompanyName: other, Function: "Advisor"})
				}
			}
		}
		contacts[i] = c
	}
	return companies, contacts
}
