package contactsync

import (
	"reflect"
	"strings"
	"testing"
)

func TestWithNoteBlock(t *testing.T) {
	lines := []NoteLine{{FieldTitle, "Founder"}, {FieldCompany, "Acme Inc"}}
	block := noteBlockStart + "\nCompany: Acme Inc\nTitle: Founder\n" + noteBlockEnd
	for _, tc := range []struct {
		name, note string
		lines      []NoteLine
		want       string
	}{
		{"empty note", "", lines, block},
		{"appended after the user's text", "Call on Mondays.", lines, "Call on Mondays.\n\n" + block},
		{"replaced in place", "Top\n\n" + noteBlockStart + "\nTitle: CEO\n" + noteBlockEnd + "\nBottom", lines, "Top\n\n" + block + "\nBottom"},
		{"removed when nothing differs", "Call on Mondays.\n\n" + block, nil, "Call on Mondays."},
		{"duplicates collapse into one", block + "\nmiddle\n" + block, lines, block + "\nmiddle\n"},
		{"block without end marker is replaced", "Top\n" + noteBlockStart + "\nTitle: CEO", lines, "Top\n" + block},
		{"multi-line value kept on one line", "", []NoteLine{{FieldCompany, "Acme\nInc"}}, noteBlockStart + "\nCompany: Acme Inc\n" + noteBlockEnd},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := WithNoteBlock(tc.note, tc.lines)
			if got != tc.want {
				t.Fatalf("got\n%q\nwant\n%q", got, tc.want)
			}
			if again := WithNoteBlock(got, tc.lines); again != got {
				t.Fatalf("not idempotent:\n%q\n%q", got, again)
			}
		})
	}
}

func TestNoteBlockParse(t *testing.T) {
	note := WithNoteBlock("Hello", []NoteLine{{FieldWorkPhone, "+33 1 23 45 67 89"}, {FieldTitle, "CEO: and more"}})
	lines, rest := NoteBlock(note)
	want := []NoteLine{{FieldTitle, "CEO: and more"}, {FieldWorkPhone, "+33 1 23 45 67 89"}}
	if !reflect.DeepEqual(lines, want) || strings.TrimSpace(rest) != "Hello" {
		t.Fatalf("NoteBlock = %v, %q", lines, rest)
	}
}

// Rendering twice changes nothing, the user's text outside the block survives,
// and what is parsed back is what was rendered.
func FuzzNoteBlock(f *testing.F) {
	f.Add("Call on Mondays.", "Acme", "CEO", "+33 1 23 45 67 89")
	f.Add(noteBlockStart+"\nTitle: x", "", "a\nb", "")
	f.Add("x"+noteBlockEnd+"y", noteBlockStart, "Title: y", " ")
	f.Fuzz(func(t *testing.T, note, company, title, phone string) {
		lines := []NoteLine{{FieldCompany, company}, {FieldTitle, title}, {FieldWorkPhone, phone}}
		once := WithNoteBlock(note, lines)
		if twice := WithNoteBlock(once, lines); twice != once {
			t.Fatalf("not idempotent:\n%q\n%q", once, twice)
		}
		_, restIn := NoteBlock(note)
		_, restOut := NoteBlock(once)
		if strings.TrimSpace(restIn) != strings.TrimSpace(restOut) {
			t.Fatalf("text outside the block changed: %q → %q", restIn, restOut)
		}
		got, _ := NoteBlock(once)
		var want []NoteLine
		for _, l := range []NoteLine{{FieldCompany, company}, {FieldTitle, title}, {FieldWorkPhone, phone}} {
			if v := oneLineValue(l.Value); v != "" {
				want = append(want, NoteLine{l.Field, v})
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("parsed %v, rendered %v", got, want)
		}
	})
}
