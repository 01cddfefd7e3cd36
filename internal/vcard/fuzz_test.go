package vcard

import (
	"reflect"
	"testing"

	"simplecrm/internal/contactsync"
)

// FuzzParse checks that parsing never panics, that an unchanged card encodes
// back to what a second parse reads identically, that a card re-serialized
// line by line by our encoder reads back to the same lines, and that writing
// a card's own view into it changes nothing the map reads.
func FuzzParse(f *testing.F) {
	f.Add([]byte(khardCard))
	f.Add([]byte("BEGIN:VCARD\nVERSION:3.0\nN:O\\;Neil;Pat;;;\nTEL;CELL:1\nEND:VCARD\n"))
	f.Add([]byte("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:a\r\n b\r\nCATEGORIES:x,y\\,z\r\nEND:VCARD\r\n"))
	f.Add([]byte("BEGIN:VCARD\nVERSION:3.0\nitem1.TEL;TYPE=\"a,b\";X=1,2:3\nEND:VCARD\nBEGIN:VCARD\nEND:VCARD"))
	f.Add([]byte("BEGIN:VCARD\nVERSION:3.0\nADR;TYPE=home:;;\\\\;\\n;;;\nEND:VCARD\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cards, err := Parse(data)
		if err != nil {
			return
		}
		for _, c := range cards {
			again, err := ParseOne(c.Encode())
			if err != nil {
				t.Fatalf("encoded card does not parse: %v\n%q", err, c.Encode())
			}
			if !sameLines(c, again) {
				t.Fatalf("raw re-encode changed the card:\n%q", c.Encode())
			}
			for _, l := range c.Lines {
				l.raw = "" // force our encoder on every line
			}
			re, err := ParseOne(c.Encode())
			if err != nil {
				t.Fatalf("re-serialized card does not parse: %v\n%q", err, c.Encode())
			}
			v := ViewOf(re)
			all := append(append([]string{}, contactsync.TwoWayFields...), contactsync.BusinessFields...)
			Apply(re, v, all)
			back, err := ParseOne(re.Encode())
			if err != nil {
				t.Fatalf("card with its view applied does not parse: %v\n%q", err, re.Encode())
			}
			if got := ViewOf(back); !sameView(got, v) {
				t.Fatalf("view changed by applying it:\n got %+v\nwant %+v\n%q", got, v, re.Encode())
			}
		}
	})
}

func sameLines(a, b *Card) bool {
	if len(a.Lines) != len(b.Lines) {
		return false
	}
	for i := range a.Lines {
		x, y := *a.Lines[i], *b.Lines[i]
		x.raw, y.raw = "", ""
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

// sameView ignores what the encoder legitimately normalizes: surrounding
// spaces and line breaks inside single-line values.
func sameView(a, b contactsync.View) bool {
	return reflect.DeepEqual(a, b)
}
