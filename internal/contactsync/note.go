package contactsync

import (
	"strings"
)

// The Note block: business fields a Google contact holds that the CRM's
// primary employment does not (the seed: a company cannot be identified
// reliably on the Google side, so they go into the Note). It is
// machine-managed: replaced in place, never appended twice, and the rest of
// the Note is never touched.
const (
	noteBlockStart = "--- Google contact (updated by Sync Mobile) ---"
	noteBlockEnd   = "--- end of Google contact ---"
)

// NoteLine is one business value shown in the Note block.
type NoteLine struct {
	Field string // one of BusinessFields
	Value string
}

var noteLabels = map[string]string{
	FieldCompany:    "Company",
	FieldTitle:      "Title",
	FieldWorkPhone:  "Work phone",
	FieldWorkMobile: "Work mobile",
	FieldWorkEmail:  "Work email",
}

// WithNoteBlock returns note with its block set to lines: replaced where it
// stands, appended after a blank line if absent, removed if lines is empty.
// Applying it twice gives the same note.
func WithNoteBlock(note string, lines []NoteLine) string {
	rest, at, found := cutNoteBlock(note)
	block := renderNoteBlock(lines)
	switch {
	case block == "":
		return strings.TrimRight(rest, "\n")
	case found:
		return rest[:at] + block + rest[at:]
	case strings.TrimSpace(rest) == "":
		return block
	}
	return strings.TrimRight(rest, "\n") + "\n\n" + block
}

// NoteBlock returns the lines of the note's block, and the note without it.
func NoteBlock(note string) (lines []NoteLine, rest string) {
	start := strings.Index(note, noteBlockStart)
	rest, _, _ = cutNoteBlock(note)
	if start < 0 {
		return nil, rest
	}
	body := note[start+len(noteBlockStart):]
	if end := strings.Index(body, noteBlockEnd); end >= 0 {
		body = body[:end]
	}
	for _, l := range strings.Split(body, "\n") {
		label, value, ok := strings.Cut(l, ": ")
		if !ok {
			continue
		}
		for f, lab := range noteLabels {
			if lab == label {
				lines = append(lines, NoteLine{Field: f, Value: value})
			}
		}
	}
	return lines, rest
}

func renderNoteBlock(lines []NoteLine) string {
	var b strings.Builder
	for _, f := range BusinessFields {
		for _, l := range lines {
			if v := oneLineValue(l.Value); l.Field == f && v != "" {
				b.WriteString(noteLabels[f] + ": " + v + "\n")
			}
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return noteBlockStart + "\n" + b.String() + noteBlockEnd
}

// cutNoteBlock removes every block from note (a block whose end marker was
// lost runs to the end of the note) and returns where the first one stood.
func cutNoteBlock(note string) (rest string, at int, found bool) {
	at = -1
	for {
		start := strings.Index(note, noteBlockStart)
		if start < 0 {
			break
		}
		end := strings.Index(note[start:], noteBlockEnd)
		if end < 0 {
			end = len(note)
		} else {
			end += start + len(noteBlockEnd)
		}
		note = note[:start] + note[end:]
		if at < 0 {
			at = start
		}
		found = true
	}
	return note, at, found
}

// oneLineValue keeps a Google value on one line of the block, so that parsing
// finds it again.
func oneLineValue(s string) string {
	for strings.Contains(s, noteBlockStart) || strings.Contains(s, noteBlockEnd) {
		s = strings.ReplaceAll(strings.ReplaceAll(s, noteBlockStart, ""), noteBlockEnd, "")
	}
	return strings.Join(strings.Fields(s), " ")
}
