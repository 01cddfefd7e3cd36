// Package contactio imports and exports contacts as vCard files (3.0 and 4.0,
// many cards per file) and Google Contacts CSV, with the field map of Sync
// Mobile (DESIGN.md §3): two-way fields map to contact fields, business
// fields (ORG, TITLE, work phone and email) come in through the Note block
// and go out from the primary employment (or the Note block).
package contactio

import (
	"bytes"
	"fmt"
	"strings"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/vcard"
)

// Record is one contact read from a file.
type Record struct {
	Line int // where its card or row starts, 1-based
	View contactsync.View
	Note string // the free note, without a Note block
}

// RowError is a card or row that could not be read; the rest of the file is.
type RowError struct {
	Line int
	Msg  string
}

func (e RowError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Read reads a .vcf or Google CSV file, told apart by its content.
func Read(data []byte) ([]Record, []RowError) {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(trimmed) >= 11 && strings.EqualFold(string(trimmed[:11]), "BEGIN:VCARD") {
		return ReadVCF(data)
	}
	return ReadGoogleCSV(data)
}

// ReadVCF reads every card of a vCard file. Each card is parsed on its own,
// so one bad card is reported with its line and the others are read.
func ReadVCF(data []byte) ([]Record, []RowError) {
	var (
		recs  []Record
		errs  []RowError
		start = -1
		chunk []string
	)
	lines := strings.SplitAfter(string(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))), "\n")
	for i, l := range lines {
		n := i + 1
		word := strings.ToUpper(strings.TrimSpace(l))
		switch {
		case word == "BEGIN:VCARD":
			if start >= 0 {
				errs = append(errs, RowError{start, "card without END:VCARD"})
			}
			start, chunk = n, []string{l}
		case start < 0:
			if strings.TrimSpace(l) != "" {
				errs = append(errs, RowError{n, "text outside a card"})
			}
		default:
			chunk = append(chunk, l)
			if word == "END:VCARD" {
				recs, errs = appendCard(recs, errs, start, strings.Join(chunk, ""))
				start, chunk = -1, nil
			}
		}
	}
	if start >= 0 {
		errs = append(errs, RowError{start, "card without END:VCARD"})
	}
	return recs, errs
}

func appendCard(recs []Record, errs []RowError, line int, text string) ([]Record, []RowError) {
	card, err := vcard.ParseOne([]byte(text))
	if err != nil {
		msg := err.Error()
		if pe, ok := err.(*vcard.ParseError); ok {
			return recs, append(errs, RowError{line + pe.Line - 1, pe.Msg})
		}
		return recs, append(errs, RowError{line, msg})
	}
	r := Record{Line: line, View: vcard.ViewOf(card)}
	if l := card.First("NOTE"); l != nil {
		r.Note = l.Text()
	}
	return recs, append(errs, addRecord(&recs, r)...)
}

// addRecord keeps a record that names someone, with the business values of
// a Note block it carries (our own export writes one for contacts without a
// primary employment) where its fields have none.
func addRecord(recs *[]Record, r Record) []RowError {
	lines, rest := contactsync.NoteBlock(r.Note)
	r.Note = strings.TrimSpace(rest)
	for _, nl := range lines {
		if p := businessField(&r.View, nl.Field); p != nil && *p == "" {
			*p = nl.Value
		}
	}
	if r.View.FirstName == "" && r.View.LastName == "" && len(r.View.Emails()) == 0 && r.View.Company == "" {
		return []RowError{{r.Line, "no name, email or company"}}
	}
	*recs = append(*recs, r)
	return nil
}

func businessField(v *contactsync.View, field string) *string {
	switch field {
	case contactsync.FieldCompany:
		return &v.Company
	case contactsync.FieldTitle:
		return &v.Title
	case contactsync.FieldWorkPhone:
		return &v.WorkPhone
	case contactsync.FieldWorkMobile:
		return &v.WorkMobile
	case contactsync.FieldWorkEmail:
		return &v.WorkEmail
	}
	return nil
}
