package store_test

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"simplecrm/internal/crm"
	"simplecrm/internal/store"
)

func TestSearch(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		for _, c := range []*crm.Contact{
			{FirstName: "Émilie", LastName: "Dupont-Léger", PersonalEmail: "emilie.dupont@example.fr", MobilePhone: "06 12 34 56 78",
				Employments: []crm.Employment{{CompanyName: "Société Générale", WorkEmail: "e.dupont@socgen.example", WorkPhone: "+33 1 42 14 20 00"}}},
			{FirstName: "John", LastName: "O'Brien", HomePhone: "(555) 010-9999", Employments: []crm.Employment{{CompanyName: "ACME (Europe) Ltd"}}},
			{FirstName: "Jürgen", LastName: "Groß", PersonalEmail: "jg@firma.de"},
			{FirstName: "Anna", LastName: "Smith", PersonalEmail: "anna_smith%x@example.com"},
			{FirstName: "Or", LastName: "Near", Note: "emilie"},
			{LastName: "张伟", MobilePhone: "138 0013 8000"},
		} {
			c.OrgID = e.org.ID
			mustContact(t, e.db, c)
		}
		mustContact(t, e.db, &crm.Contact{OrgID: e.other.ID, FirstName: "Émilie", LastName: "Elsewhere"})

		tests := []struct {
			q    string
			want []string
		}{
			{"", []string{"Émilie Dupont-Léger", "Jürgen Groß", "Or Near", "John O'Brien", "Anna Smith", "张伟"}},
			{"emilie", []string{"Émilie Dupont-Léger"}}, // diacritics, case; the note is not searched
			{"ÉMIL", []string{"Émilie Dupont-Léger"}},   // prefix
			{"leger", []string{"Émilie Dupont-Léger"}},  // second part of a hyphenated name
			{"dupont-léger", []string{"Émilie Dupont-Léger"}},
			{"emilie dup", []string{"Émilie Dupont-Léger"}}, // AND
			{"emilie smith", nil},                         // AND, not OR
			{"0612", []string{"Émilie Dupont-Léger"}},     // digits of a phone typed with spaces
			{"06 12 34", []string{"Émilie Dupont-Léger"}}, // phone as typed
			{"0612345678", []string{"Émilie Dupont-Léger"}},
			{"+3314214", []string{"Émilie Dupont-Léger"}}, // work phone, international form
			{"555010", []string{"John O'Brien"}},
			{"13800138000", []string{"张伟"}},
			{"societe gen", []string{"Émilie Dupont-Léger"}}, // company name
			{"acme europe", []string{"John O'Brien"}},
			{"socgen", []string{"Émilie Dupont-Léger"}}, // work email
			{"emilie.dupont@example.fr", []string{"Émilie Dupont-Léger"}},
			{"jg@firma", []string{"Jürgen Groß"}},
			{"gross", []string{"Jürgen Groß"}},
			{"jurgen", []string{"Jürgen Groß"}},
			{"o'brien", []string{"John O'Brien"}},
			{"张", []string{"张伟"}},
			{"anna_smith%x", []string{"Anna Smith"}},
			// Query syntax of either engine is just text.
			{`"`, allNames},
			{`*`, allNames},
			{`emil*`, []string{"Émilie Dupont-Léger"}},
			{`-emilie`, []string{"Émilie Dupont-Léger"}},
			{`(emilie`, []string{"Émilie Dupont-Léger"}},
			{`emilie OR smith`, nil},
			{`or`, []string{"Or Near"}},
			{`near`, []string{"Or Near"}},
			{`NEAR(or near)`, []string{"Or Near"}},
			{`AND`, nil},
			{`NOT emilie`, nil},
			{`a:*`, []string{"John O'Brien", "Anna Smith"}}, // anna, acme
			{`smith & !anna`, []string{"Anna Smith"}},
			{`'; DROP TABLE contacts; --`, nil},
			{`%`, allNames},
			{`_`, allNames},
			{`\`, allNames},
			{"nobody", nil},
		}
		// A window of 1 sends every query with words to the text index, and
		// with a cap of 1 back to the listing, read on window by window; the
		// default window answers them all from the first rows.
		for _, lim := range [][2]int{{1, 4000}, {1, 1}, {2000, 4000}} {
			window := lim[0]
			store.SetSearchLimits(e.db, lim[0], lim[1])
			for _, tt := range tests {
				got, _, err := e.db.ListContacts(ctx, e.org.ID, crm.ContactFilter{Query: tt.q})
				if err != nil {
					t.Errorf("search %q: %v", tt.q, err)
					continue
				}
				want := tt.want
				if reflect.DeepEqual(want, allNames) {
					want = tests[0].want
				}
				if !reflect.DeepEqual(names(got), want) && !(len(got) == 0 && len(want) == 0) {
					t.Errorf("window %d: search %q = %q, want %q", window, tt.q, names(got), want)
				}
			}
		}
		// Company listings match names by word prefix too.
		for q, want := range map[string][]string{
			"":         {"ACME (Europe) Ltd", "Société Générale"},
			"soc":      {"Société Générale"},
			"GENERALE": {"Société Générale"},
			"eur ltd":  {"ACME (Europe) Ltd"},
			"%":        {"ACME (Europe) Ltd", "Société Générale"},
			"cme":      nil,
		} {
			got, _, err := e.db.ListCompanies(ctx, e.org.ID, crm.CompanyFilter{Query: q})
			if err != nil {
				t.Fatal(err)
			}
			var gotNames []string
			for _, c := range got {
				gotNames = append(gotNames, c.Name)
			}
			if !reflect.DeepEqual(gotNames, want) {
				t.Errorf("company search %q = %q, want %q", q, gotNames, want)
			}
		}
	})
}

// allNames marks a query that must list every contact, like the empty one.
var allNames = []string{"*all*"}

func TestSearchFolding(t *testing.T) {
	for in, want := range map[string]string{
		"Émile ZOLA":  "emile zola",
		"Groß Øre æ":  "gross ore ae",
		"Łódź":        "lodz",
		"Ångström":    "angstrom",
		"e\u0301cole": "ecole",
	} {
		if got := store.Fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
	if got := store.QueryWords(`  "Émile"* OR-zola  émile `); !reflect.DeepEqual(got, []string{"emile", "or", "zola"}) {
		t.Errorf("query words = %q", got)
	}
	if got := store.QueryWords(strings.Repeat("w ", 100)); len(got) != 1 {
		t.Errorf("repeated words: %q", got)
	}
	text := store.ContactSearchText(&crm.Contact{FirstName: "Ann", MobilePhone: "+33 6 12", Employments: []crm.Employment{{CompanyName: "Big Co"}}})
	if text != "ann 33 6 12 33612 big co" {
		t.Errorf("search text = %q", text)
	}
}

func TestPagination(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		// Many equal sort keys, so that ties are broken by id across pages.
		var want []int64
		byKey := map[int64]string{}
		for i := 0; i < 137; i++ {
			c := mustContact(t, e.db, &crm.Contact{OrgID: e.org.ID, FirstName: fmt.Sprint(i % 3), LastName: []string{"Martin", "martin", "Márquez", "Zed", "Ábel"}[i%5],
				Employments: []crm.Employment{{CompanyName: fmt.Sprintf("Company %02d", i%23)}}})
			want = append(want, c.ID)
			byKey[c.ID] = store.Fold(c.LastName) + " " + fmt.Sprint(i%3)
		}
		sort.Slice(want, func(i, j int) bool {
			if byKey[want[i]] != byKey[want[j]] {
				return byKey[want[i]] < byKey[want[j]]
			}
			return want[i] < want[j]
		})
		for _, limit := range []int{1, 10, 50, 136, 137, 500} {
			var got []int64
			cursor, pages := "", 0
			for {
				page, next, err := e.db.ListContacts(ctx, e.org.ID, crm.ContactFilter{Limit: limit, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				pages++
				for _, c := range page {
					got = append(got, c.ID)
					if len(c.Employments) != 1 {
						t.Fatalf("contact %d has %d employments on a page", c.ID, len(c.Employments))
					}
				}
				if next == "" {
					break
				}
				if len(page) != min(limit, crm.MaxPageSize) {
					t.Fatalf("limit %d: short page of %d before the end", limit, len(page))
				}
				cursor = next
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("limit %d: %d ids in %d pages, not the %d expected in order", limit, len(got), pages, len(want))
			}
		}
		page, _, _ := e.db.ListContacts(ctx, e.org.ID, crm.ContactFilter{})
		if len(page) != crm.DefaultPageSize {
			t.Fatalf("default page size %d", len(page))
		}
		// Searches paginate too, through the rows read in list order (window
		// 2000), through the index (window 1), switching between the two, and
		// reading the listing on past the index's cap.
		var cursor string
		for _, lim := range [][2]int{{1, 4000}, {20, 4000}, {2000, 4000}, {1, 10}, {20, 10}} {
			window := lim
			store.SetSearchLimits(e.db, lim[0], lim[1])
			var got []int64
			cursor = ""
			for {
				page, next, err := e.db.ListContacts(ctx, e.org.ID, crm.ContactFilter{Query: "martin", Limit: 7, Cursor: cursor})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page {
					got = append(got, c.ID)
				}
				if cursor = next; cursor == "" {
					break
				}
			}
			var martins []int64
			for _, id := range want {
				if strings.HasPrefix(byKey[id], "martin") {
					martins = append(martins, id)
				}
			}
			if !reflect.DeepEqual(got, martins) || len(got) != 56 { // i%5 in {0, 1}, i < 137
				t.Fatalf("window %d: search pages gave %d contacts, want the 56 martins in order", window, len(got))
			}
		}
		co := page[0].Employments[0].CompanyID
		byCompany, _, err := e.db.ListContacts(ctx, e.org.ID, crm.ContactFilter{CompanyID: co, Limit: 200})
		if err != nil || len(byCompany) != 6 && len(byCompany) != 5 {
			t.Fatalf("by company: %d, %v", len(byCompany), err)
		}
		byOwner, _, err := e.db.ListContacts(ctx, e.org.ID, crm.ContactFilter{OwnerID: e.user.ID})
		if err != nil || len(byOwner) != 0 {
			t.Fatalf("by owner: %d, %v", len(byOwner), err)
		}

		// Companies, 23 of them.
		var companies []string
		cursor = ""
		for {
			page, next, err := e.db.ListCompanies(ctx, e.org.ID, crm.CompanyFilter{Limit: 4, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page {
				companies = append(companies, c.Name)
				if c.Employees < 5 {
					t.Fatalf("%s has %d employees", c.Name, c.Employees)
				}
			}
			if cursor = next; cursor == "" {
				break
			}
		}
		if len(companies) != 23 || !sort.StringsAreSorted(companies) {
			t.Fatalf("companies: %q", companies)
		}

		for _, bad := range []string{"!!!", "bm90IGEgY3Vyc29y", "MTI", "LTE6eA", "eDp4"} {
			_, _, err := e.db.ListContacts(ctx, e.org.ID, crm.ContactFilter{Cursor: bad})
			wantCode(t, err, crm.EINVALID)
			if !strings.HasPrefix(crm.ErrorMessage(err), "The cursor is not valid. Use the next_cursor") {
				t.Fatalf("message %q", crm.ErrorMessage(err))
			}
			_, _, err = e.db.ListCompanies(ctx, e.org.ID, crm.CompanyFilter{Cursor: bad})
			wantCode(t, err, crm.EINVALID)
		}
	})
}
