package vcard

import (
	"bytes"
	"strings"
	"testing"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
)

// A khard-style 4.0 card with the values go-vcard corrupts, an Apple group,
// a folded PHOTO and an unknown X- property.
const khardCard = "BEGIN:VCARD\r\n" +
	"VERSION:4.0\r\n" +
	"UID:1b4e28ba-2fa1-11d2-883f-0016d3cca427\r\n" +
	"FN:Ann Lee\r\n" +
	"N:Lee;Ann;Marie;Dr.;\r\n" +
	"NOTE:call before noon\\; not on Fridays\\nsecond line\r\n" +
	"CATEGORIES:work,friends\r\n" +
	"TEL;TYPE=\"home,voice\":+33 1 23 45 67 89\r\n" +
	"TEL;TYPE=cell;PREF=1:+33 6 12 34 56 78\r\n" +
	"item1.EMAIL;TYPE=home:ann@example.com\r\n" +
	"item1.X-ABLabel:_$!<Home>!$_\r\n" +
	"EMAIL;TYPE=work:ann@acme.test\r\n" +
	"ADR;TYPE=home:;Bât. B;12 rue de la Paix\\, 2e;Paris;Île-de-France;75002;France\r\n" +
	"ORG:Acme;Sales\r\n" +
	"TITLE:Buyer\r\n" +
	"PHOTO:data:image/jpeg;base64,/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAEBAQEBAQEBAQEBAQEBA\r\n" +
	" QEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\r\n" +
	"X-CUSTOM;X-PARAM=\"a:b;c\":kept as is\r\n" +
	"END:VCARD\r\n"

func mustParseOne(t *testing.T, s string) *Card {
	t.Helper()
	c, err := ParseOne([]byte(s))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return c
}

func TestEncodeUnchangedIsByteExact(t *testing.T) {
	c := mustParseOne(t, khardCard)
	if got := string(c.Encode()); got != khardCard {
		t.Fatalf("re-encoded card differs:\n%s\nwant:\n%s", got, khardCard)
	}
}

func TestViewOf(t *testing.T) {
	v := ViewOf(mustParseOne(t, khardCard))
	want := contactsync.View{FirstName: "Ann", LastName: "Lee", HomePhone: "+33 1 23 45 67 89",
		MobilePhone: "+33 6 12 34 56 78", PersonalEmail: "ann@example.com",
		Address: crm.Address{Street: "12 rue de la Paix, 2e", Extended: "Bât. B", City: "Paris",
			Region: "Île-de-France", PostalCode: "75002", Country: "France"},
		WorkEmail: "ann@acme.test", Company: "Acme", Title: "Buyer"}
	if v != want {
		t.Fatalf("view:\n got %+v\nwant %+v", v, want)
	}
}

func TestViewOfTypes(t *testing.T) {
	tests := []struct {
		name, card string
		want       contactsync.View
	}{
		{"3.0 comma types", "TEL;TYPE=WORK,CELL:1\r\nTEL;TYPE=WORK,VOICE:2\r\nTEL;TYPE=HOME:3\r\nTEL;TYPE=FAX:4",
			contactsync.View{WorkMobile: "1", WorkPhone: "2", HomePhone: "3"}},
		{"2.1 bare params", "TEL;CELL:5\r\nEMAIL;INTERNET:a@b.test",
			contactsync.View{MobilePhone: "5", PersonalEmail: "a@b.test"}},
		{"untyped tel is the mobile", "TEL:6\r\nTEL;TYPE=home:7",
			contactsync.View{MobilePhone: "6", HomePhone: "7"}},
		{"home email beats the first other one", "EMAIL:x@o.test\r\nEMAIL;TYPE=home:h@o.test",
			contactsync.View{PersonalEmail: "h@o.test"}},
		{"no N: FN is the first name", "FN:Acme desk", contactsync.View{FirstName: "Acme desk"}},
		{"4.0 tel uri", "TEL;VALUE=uri;TYPE=cell:tel:+1-555-0100;ext=7", contactsync.View{MobilePhone: "+1-555-0100 x7"}},
		{"escaped semicolon in N", `N:O\;Neil;Pat;;;`, contactsync.View{LastName: "O;Neil", FirstName: "Pat"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustParseOne(t, "BEGIN:VCARD\r\nVERSION:3.0\r\n"+tt.card+"\r\nEND:VCARD\r\n")
			if got := ViewOf(c); got != tt.want {
				t.Fatalf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestApplyRewritesOnlyManagedLines(t *testing.T) {
	c := mustParseOne(t, khardCard)
	v := ViewOf(c)
	v.MobilePhone = "+33 7 00 00 00 00"
	v.LastName = "Lee-Smith"
	v.Company = "Acme; Inc"
	v.WorkEmail = ""
	v.WorkPhone = "+33 1 99"
	Apply(c, v, append(append([]string{}, contactsync.TwoWayFields...), contactsync.BusinessFields...))
	out := string(c.Encode())
	for _, want := range []string{
		"NOTE:call before noon\\; not on Fridays\\nsecond line\r\n", // untouched, byte for byte
		"CATEGORIES:work,friends\r\n",
		"TEL;TYPE=cell;PREF=1:+33 7 00 00 00 00\r\n", // parameters kept
		"N:Lee-Smith;Ann;Marie;Dr.;\r\n",             // middle name and prefix kept
		"FN:Ann Lee-Smith\r\n",
		"ORG:Acme\\; Inc;Sales\r\n", // department kept
		"item1.X-ABLabel:_$!<Home>!$_\r\n",
		"X-CUSTOM;X-PARAM=\"a:b;c\":kept as is\r\n",
		"TEL;TYPE=work,voice:+33 1 99\r\n",
		" QEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\r\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "ann@acme.test") {
		t.Errorf("emptied work email still there:\n%s", out)
	}
	back := ViewOf(mustParseOne(t, out))
	if back != v {
		t.Fatalf("read back:\n got %+v\nwant %+v", back, v)
	}
}

func TestNewRoundTrip(t *testing.T) {
	v := contactsync.View{FirstName: "Zoë", LastName: "Ng, Jr.", HomePhone: "01 23", MobilePhone: "06 12",
		PersonalEmail: "z@example.com", Address: crm.Address{Street: "1 Main St\nBuilding 2", City: "Lyon", Country: "FR"},
		WorkPhone: "04 00", WorkMobile: "07 00", WorkEmail: "z@corp.test", Company: "Corp;Co", Title: "CTO, \\ CFO"}
	out := New("uid-1", v).Encode()
	c := mustParseOne(t, string(out))
	if got := ViewOf(c); got != v {
		t.Fatalf("round trip:\n got %+v\nwant %+v\n%s", got, v, out)
	}
	if c.UID() != "uid-1" || c.Version() != "3.0" {
		t.Fatalf("uid %q version %q", c.UID(), c.Version())
	}
}

func TestFolding(t *testing.T) {
	long := strings.Repeat("é", 100)
	c := New("u", contactsync.View{FirstName: long})
	out := c.Encode()
	for _, l := range bytes.Split(out, []byte("\r\n")) {
		if len(l) > 75 {
			t.Fatalf("line of %d octets: %q", len(l), l)
		}
	}
	if got := ViewOf(mustParseOne(t, string(out))).FirstName; got != long {
		t.Fatalf("unfolded %q", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, in string
		line     int
	}{
		{"no end", "BEGIN:VCARD\nVERSION:3.0\nFN:a\n", 1},
		{"no version", "BEGIN:VCARD\nFN:a\nEND:VCARD\n", 1},
		{"garbage", "BEGIN:VCARD\nVERSION:3.0\nnot a line\nEND:VCARD\n", 3},
		{"outside", "BEGIN:VCARD\nVERSION:3.0\nEND:VCARD\nFN:x\n", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			pe, ok := err.(*ParseError)
			if !ok || pe.Line != tt.line {
				t.Fatalf("err = %v, want line %d", err, tt.line)
			}
		})
	}
}

func TestManyCards(t *testing.T) {
	in := strings.Repeat("BEGIN:VCARD\nVERSION:3.0\nFN:a\nEND:VCARD\n\n", 3)
	cards, err := Parse([]byte(in))
	if err != nil || len(cards) != 3 || cards[2].StartLine != 11 {
		t.Fatalf("cards %d err %v", len(cards), err)
	}
}

func TestEscape(t *testing.T) {
	for _, s := range []string{"", "a;b,c\\d\ne", `\`, "x\\n"} {
		if got := UnescapeText(EscapeText(s)); got != s {
			t.Errorf("round trip of %q gave %q", s, got)
		}
	}
	if got := SplitList(`work,friends\,family`); len(got) != 2 || got[1] != "friends,family" {
		t.Errorf("list %q", got)
	}
	if got := JoinList("a,b", "c"); got != `a\,b,c` {
		t.Errorf("join %q", got)
	}
}
