package contactio

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
	"simplecrm/internal/vcard"
)

// Formats Export writes.
const (
	FormatVCF = "vcf"
	FormatCSV = "csv"
)

type exported struct {
	id   int64
	view contactsync.View
	note string
}

// exportOf is a contact as files carry it: business fields from the primary
// employment, or from the Note block when there is none (so that a file
// imported into an empty CRM exports the same), and the note without its
// block.
func exportOf(c *crm.Contact) exported {
	v := contactsync.ContactView(c)
	lines, rest := contactsync.NoteBlock(c.Note)
	if c.Primary() == nil {
		for _, nl := range lines {
			if p := businessField(&v, nl.Field); p != nil {
				*p = nl.Value
			}
		}
	}
	return exported{id: c.ID, view: v, note: trimNote(rest)}
}

func trimNote(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == ' ') {
		s = s[:len(s)-1]
	}
	return s
}

// Export writes the live contacts of the organization (of one owner when
// ownerID is non-zero) in the format, oldest first.
func Export(ctx context.Context, svc crm.ContactService, orgID, ownerID int64, format string, w io.Writer) error {
	cs, err := liveContacts(ctx, svc, orgID, ownerID)
	if err != nil {
		return err
	}
	out := make([]exported, len(cs))
	for i, c := range cs {
		out[i] = exportOf(c)
	}
	switch format {
	case FormatCSV:
		return writeCSV(w, out)
	case FormatVCF:
		for _, e := range out {
			card := vcard.New("simplecrm-contact-"+strconv.FormatInt(e.id, 10), e.view)
			if e.note != "" {
				card.Add(vcard.NewLine("NOTE", vcard.EscapeText(e.note)))
			}
			if _, err := w.Write(card.Encode()); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown format %q: use vcf or csv", format)
}
