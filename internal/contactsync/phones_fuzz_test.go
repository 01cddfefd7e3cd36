package contactsync

import (
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// FuzzPhones checks phone normalization on any input: E164 gives a "+digits"
// number that is its own E.164 form, Same is reflexive and symmetric, and a
// valid number is the same as its E.164 form, so that formatting is never a
// change.
func FuzzPhones(f *testing.F) {
	for _, s := range [][2]string{
		{"+33 6 12 34 56 78", "06 12 34 56 78"},
		{"+33612345678", "+33 (0)6 12-34-56-78"},
		{"1234", "12 34"},
		{"+1 415 555 0100", "+1 (415) 555-0100"},
		{"", "+"},
		{"tel:+49-30-1234567", "030 1234567 ext. 12"},
		{"+٣٣٦١٢٣٤٥٦٧٨", "0612345678;ext=1"},
		{"++33 6", "+0"},
	} {
		f.Add(s[0], s[1], "FR")
		f.Add(s[0], s[1], "")
	}
	f.Fuzz(func(t *testing.T, a, b, region string) {
		if len(region) > 2 {
			region = region[:2]
		}
		p := Phones{Region: strings.ToUpper(region)}
		for _, s := range []string{a, b} {
			if !p.Same(s, s) {
				t.Fatalf("Same(%q, %q) = false", s, s)
			}
			e, ok := p.E164(s)
			if !ok {
				continue
			}
			if len(e) < 2 || e[0] != '+' || strings.Trim(e[1:], "0123456789") != "" {
				t.Fatalf("E164(%q) = %q, not +digits", s, e)
			}
			if n, err := phonenumbers.Parse(e, ""); err != nil || !phonenumbers.IsValidNumber(n) {
				// Merely "possible" numbers (e.g. all zeros with region BA:
				// "+387000000000" reparses as "+38700000000") need not
				// round-trip; real numbers must.
				continue
			}
			if again, ok := p.E164(e); !ok || again != e {
				t.Fatalf("E164(E164(%q)) = %q, %v; want %q", s, again, ok, e)
			}
			if !p.Same(s, e) || !p.Same(e, s) {
				t.Fatalf("%q is not the same number as its E.164 form %q", s, e)
			}
		}
		if p.Same(a, b) != p.Same(b, a) {
			t.Fatalf("Same(%q, %q) = %v but Same(%q, %q) = %v", a, b, p.Same(a, b), b, a, p.Same(b, a))
		}
	})
}
