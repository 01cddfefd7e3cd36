package store_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"simplecrm/internal/crm"
	"simplecrm/internal/store"
	"simplecrm/internal/store/storetest"
)

// FuzzSearch checks that no query breaks a search and that every way of
// answering it agrees: both engines, through the rows read in list order and
// through the text index.
//
//	go test ./internal/store -run '^$' -fuzz FuzzSearch -fuzztime 1m
//
// searchLimits (scan window, index cap) send a search down each of its
// paths: the index; the listing read on past the index's cap; the first
// window of the listing.
var searchLimits = [][2]int{{1, 4000}, {1, 1}, {1000, 4000}}

func FuzzSearch(f *testing.F) {
	for _, q := range []string{"", "emi", `"`, `*`, `-x`, "a OR b", "NEAR(a b)", `'`, `\`, "%", "_", "0612",
		"col:val", "(", "\x00", "\xff\xfe", "é*", "ann smi", "^a", "a & !b | c", "<->", "'a':*", "ß", "İ", "ǅ"} {
		f.Add(q)
	}
	type engineDB struct {
		name string
		db   *store.DB
		org  int64
	}
	var dbs []engineDB
	for _, engine := range storetest.Engines() {
		db := storetest.Open(f, engine)
		org := mustOrg(f, db, "Fuzz")
		for _, c := range []*crm.Contact{
			{FirstName: "Émilie", LastName: "Dupont", MobilePhone: "06 12 34 56 78", Employments: []crm.Employment{{CompanyName: "Société Générale"}}},
			{FirstName: "Ann", LastName: "Smith", PersonalEmail: "ann.smith@example.com"},
			{FirstName: "Or", LastName: "Near", HomePhone: "+1 555 0100"},
			{FirstName: "Jürgen", LastName: "Groß", Employments: []crm.Employment{{CompanyName: "A&B (Col:Val)"}}},
			{LastName: "İnce", FirstName: "ǅemal"},
		} {
			c.OrgID = org.ID
			mustContact(f, db, c)
		}
		dbs = append(dbs, engineDB{engine, db, org.ID})
	}
	f.Fuzz(func(t *testing.T, q string) {
		var want []string
		for i, d := range dbs {
			for j, lim := range searchLimits {
				store.SetSearchLimits(d.db, lim[0], lim[1])
				got, _, err := d.db.ListContacts(ctx, d.org, crm.ContactFilter{Query: q})
				if err != nil {
					t.Fatalf("%s, limits %v: search %q: %v", d.name, lim, q, err)
				}
				if i == 0 && j == 0 {
					want = names(got)
				} else if !reflect.DeepEqual(names(got), want) {
					t.Fatalf("%s, limits %v: search %q = %q, but %s with limits %v found %q", d.name, lim, q, names(got), dbs[0].name, searchLimits[0], want)
				}
			}
			if _, _, err := d.db.ListCompanies(ctx, d.org, crm.CompanyFilter{Query: q}); err != nil {
				t.Fatalf("%s: company search %q: %v", d.name, q, err)
			}
		}
	})
}

// FuzzSearchText checks that a contact is found by the same queries through
// both engines' text indexes and through the words computed in Go, whatever
// its name holds.
//
//	go test ./internal/store -run '^$' -fuzz FuzzSearchText -fuzztime 1m
func FuzzSearchText(f *testing.F) {
	for _, s := range [][2]string{
		{"Dupont-Léger", "leg"}, {"O'Brien", "o'b"}, {"张伟", "张"}, {"İnce", "in"}, {"ǅemal", "dž"},
		{"Ørsted", "ors"}, {"ﬁnn", "fi"}, {"Ⅻ", "xii"}, {"x²", "x2"}, {"Ａｎｎ", "ann"}, {"a.b@c.d", "b@c"},
		{"١٢٣", "١"}, {"ʻOkina", "oki"}, {"Straße", "strasse"}, {"ΣΊΣΥΦΟΣ", "σισ"},
	} {
		f.Add(s[0], s[1])
	}
	type engineDB struct {
		name string
		db   *store.DB
		org  int64
	}
	var dbs []engineDB
	for _, engine := range storetest.Engines() {
		db := storetest.Open(f, engine)
		org := mustOrg(f, db, "Fuzz")
		dbs = append(dbs, engineDB{engine, db, org.ID})
	}
	f.Fuzz(func(t *testing.T, name, q string) {
		found := map[string]bool{}
		for _, d := range dbs {
			c := &crm.Contact{OrgID: d.org, LastName: name, FirstName: "X"}
			if err := d.db.CreateContact(ctx, c); err != nil {
				if crm.ErrorCode(err) == crm.EINVALID {
					return
				}
				t.Fatalf("%s: create %q: %v", d.name, name, err)
			}
			for _, lim := range searchLimits {
				store.SetSearchLimits(d.db, lim[0], lim[1])
				got, _, err := d.db.ListContacts(ctx, d.org, crm.ContactFilter{Query: q})
				if err != nil {
					t.Fatalf("%s: search %q: %v", d.name, q, err)
				}
				found[fmt.Sprintf("%s/%v", d.name, lim)] = len(got) == 1
			}
			if err := d.db.TrashContact(ctx, d.org, c.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := d.db.PurgeTrash(ctx, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		ref := fmt.Sprintf("sqlite/%v", searchLimits[len(searchLimits)-1])
		first := found[ref]
		for _, v := range found {
			if v != first {
				t.Fatalf("name %q, query %q: found %v, but %s says %v (all: %v)", name, q, v, ref, first, found)
			}
		}
	})
}
