package contactio_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"simplecrm/internal/contactio"
	"simplecrm/internal/crm"
	"simplecrm/internal/store"
	"simplecrm/internal/store/storetest"
)

var ctx = context.Background()

func newDB(t *testing.T, engine string) (*store.DB, *crm.User) {
	db := storetest.Open(t, engine)
	org, err := db.EnsureOrganization(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	u := &crm.User{OrgID: org.ID, Email: "ann@example.com", Role: crm.RoleMember}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	return db, u
}

func importFile(t *testing.T, db *store.DB, u *crm.User, data string) *contactio.Plan {
	t.Helper()
	recs, errs := contactio.Read([]byte(data))
	p, err := contactio.NewPlan(ctx, db, u, recs, errs)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(ctx, db); err != nil {
		t.Fatal(err)
	}
	return p
}

func export(t *testing.T, db *store.DB, u *crm.User, format string) string {
	t.Helper()
	var b bytes.Buffer
	if err := contactio.Export(ctx, db, u.OrgID, 0, format, &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A real Google export's header, with the columns we do not map.
const googleCSV = "First Name,Middle Name,Last Name,Phonetic First Name,Phonetic Middle Name,Phonetic Last Name,Name Prefix,Name Suffix,Nickname,File As,Organization Name,Organization Title,Organization Department,Birthday,Notes,Photo,Labels,E-mail 1 - Type,E-mail 1 - Value,E-mail 2 - Type,E-mail 2 - Value,Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value,Address 1 - Type,Address 1 - Formatted,Address 1 - Street,Address 1 - City,Address 1 - PO Box,Address 1 - Region,Address 1 - Postal Code,Address 1 - Country,Address 1 - Extended Address\n" +
	"Ines,,Morris,,,,,,,,Wonka,Buyer,,,\"call; not on fridays, ever\",,* myContacts,* Home,ines@home.test,Work,ines@wonka.test,Mobile,+33 6 12 34 56 78,Work,+33 1 40 00 00 00,Home,\"1 rue X, Paris\",1 rue X,Paris,,,75001,France,\n" +
	"Bad\"quote,,,\n" +
	",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n" +
	"Tom,,Ng,,,,,,,,,,,,,,* myContacts,,,,,Mobile,+33 6 00 00 00 01 ::: +33 6 00 00 00 02,,,,,,,,,,,\n"

const vcf40 = "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:a\r\nFN:Kay Doe\r\nN:Doe;Kay;;;\r\nEMAIL;TYPE=home:kay@home.test\r\nORG:Beta\r\nNOTE:a\\; b\\, c\r\nEND:VCARD\r\n" +
	"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:b\r\nN:Lee;Al;;;\r\nTEL;TYPE=CELL:+33 6 11 11 11 11\r\nBAD LINE WITHOUT COLON\r\nEND:VCARD\r\n" +
	"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c\r\nN:Ray;Jo;;;\r\nTEL;TYPE=CELL:+33 6 22 22 22 22\r\nEND:VCARD\r\n"

func TestImportReportsAndIsIdempotent(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			db, u := newDB(t, engine)
			tests := []struct {
				name                          string
				data                          string
				create, update, skip, badRows int
				badLines                      []int
			}{
				{"google csv", googleCSV, 2, 0, 0, 2, []int{3, 4}},
				{"google csv again", googleCSV, 0, 0, 2, 2, []int{3, 4}},
				{"vcf 3.0 and 4.0", vcf40, 2, 0, 0, 1, []int{15}},
				{"vcf again", vcf40, 0, 0, 2, 1, []int{15}},
			}
			for _, tt := range tests {
				p := importFile(t, db, u, tt.data)
				if p.Count(contactio.Create) != tt.create || p.Count(contactio.Update) != tt.update ||
					p.Count(contactio.Skip) != tt.skip || len(p.Errors) != tt.badRows {
					t.Fatalf("%s: %+v", tt.name, p)
				}
				for i, l := range tt.badLines {
					if p.Errors[i].Line != l {
						t.Errorf("%s: error %d on line %d, want %d (%v)", tt.name, i, p.Errors[i].Line, l, p.Errors)
					}
				}
			}
			cs, err := db.ContactsByEmail(ctx, u.OrgID, 0, []string{"ines@home.test"})
			if err != nil || len(cs) != 1 {
				t.Fatalf("ines: %v %v", cs, err)
			}
			c := cs[0]
			if c.MobilePhone == "" || c.Address.City != "Paris" || !strings.Contains(c.Note, "call; not on fridays, ever") ||
				!strings.Contains(c.Note, "Company: Wonka") || !strings.Contains(c.Note, "Work email: ines@wonka.test") {
				t.Fatalf("imported contact %+v", c)
			}
		})
	}
}

// An import fills empty fields and changes changed ones, never clears one,
// and keeps the note and its block.
func TestImportNeverClears(t *testing.T) {
	db, u := newDB(t, "sqlite")
	c := &crm.Contact{OrgID: u.OrgID, OwnerID: u.ID, FirstName: "Kay", LastName: "Doe", PersonalEmail: "kay@home.test",
		HomePhone: "+33 1 00 00 00 00", Note: "met at the fair"}
	if err := db.CreateContact(ctx, c); err != nil {
		t.Fatal(err)
	}
	p := importFile(t, db, u, "BEGIN:VCARD\nVERSION:3.0\nN:;Kay;;;\nEMAIL:KAY@home.test\nTEL;TYPE=CELL:+33 6 99 99 99 99\nTITLE:Boss\nEND:VCARD\n")
	if p.Count(contactio.Update) != 1 || strings.Join(p.Items[0].Changes, ",") != "mobile_phone,note block" {
		t.Fatalf("plan %+v", p.Items)
	}
	got, _ := db.FindContact(ctx, u.OrgID, c.ID)
	if got.LastName != "Doe" || got.HomePhone == "" || got.MobilePhone == "" || !strings.HasPrefix(got.Note, "met at the fair") ||
		!strings.Contains(got.Note, "Title: Boss") {
		t.Fatalf("after import %+v", got)
	}
}

// Export → import into an empty CRM → export gives the same file, in both
// formats, and importing an export back changes nothing.
func TestExportImportRoundTrip(t *testing.T) {
	for _, format := range []string{contactio.FormatVCF, contactio.FormatCSV} {
		t.Run(format, func(t *testing.T) {
			src, u := newDB(t, "sqlite")
			importFile(t, src, u, googleCSV)
			importFile(t, src, u, vcf40)
			co := &crm.Contact{OrgID: u.OrgID, OwnerID: u.ID, FirstName: "Émile", LastName: "Zola", PersonalEmail: "e@z.test",
				Note:        "line one\nline two; with, punctuation",
				Employments: []crm.Employment{{CompanyName: "Aurore", Function: "Writer", WorkEmail: "emile@aurore.test", Primary: true}}}
			if err := src.CreateContact(ctx, co); err != nil {
				t.Fatal(err)
			}
			first := export(t, src, u, format)
			if p := importFile(t, src, u, first); p.Count(contactio.Skip) != 5 || len(p.Errors) != 0 {
				t.Fatalf("re-import into the source: %+v", p)
			}
			dst, u2 := newDB(t, "sqlite")
			if p := importFile(t, dst, u2, first); p.Count(contactio.Create) != 5 || len(p.Errors) != 0 {
				t.Fatalf("import into an empty CRM: %+v", p)
			}
			second := export(t, dst, u2, format)
			if strip(first) != strip(second) {
				t.Fatalf("round trip differs:\n%s\n----\n%s", first, second)
			}
		})
	}
}

// strip drops the UIDs, which name each CRM's own contact ids.
func strip(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(l, "UID:") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
