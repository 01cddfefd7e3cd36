package contactio

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
)

// Action is what an import does with one record.
type Action string

const (
	Create Action = "create"
	Update Action = "update"
	Skip   Action = "skip"
)

// Item is one record's planned action, with why.
type Item struct {
	Line    int
	Action  Action
	Name    string
	Reason  string   // why skipped
	Changes []string // fields an update fills or changes
	contact *crm.Contact
}

// Plan is what an import will do: shown as a preview, then applied.
type Plan struct {
	Items  []Item
	Errors []RowError // cards or rows not imported, by line
}

// Count returns how many items have the action.
func (p *Plan) Count(a Action) int {
	n := 0
	for _, it := range p.Items {
		if it.Action == a {
			n++
		}
	}
	return n
}

var phones = contactsync.Phones{}

// NewPlan matches records with the organization's live contacts by email,
// like the sync (the oldest contact wins), or by name for a record without
// email, and decides per record. An import never clears a field: it fills
// empty ones and updates changed ones; business values that differ from the
// primary employment go into the Note block (the Google rule). New contacts
// belong to owner.
func NewPlan(ctx context.Context, svc crm.ContactService, owner *crm.User, recs []Record, errs []RowError) (*Plan, error) {
	all, err := liveContacts(ctx, svc, owner.OrgID, 0)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(all, func(i, j int) bool {
		if !all[i].CreatedAt.Equal(all[j].CreatedAt) {
			return all[i].CreatedAt.Before(all[j].CreatedAt)
		}
		return all[i].ID < all[j].ID
	})
	byKey := map[string]*crm.Contact{}
	for _, c := range all {
		for _, k := range contactKeys(c) {
			if byKey[k] == nil {
				byKey[k] = c
			}
		}
	}
	p := &Plan{Errors: append([]RowError(nil), errs...)}
	seen := map[string]int{} // key -> line of the record that took it
	for _, r := range recs {
		keys := recordKeys(r.View)
		it := Item{Line: r.Line, Name: displayName(r.View)}
		var match *crm.Contact
		for _, k := range keys {
			if line, ok := seen[k]; ok {
				it.Action, it.Reason = Skip, fmt.Sprintf("same person as line %d", line)
				break
			}
			if match == nil {
				match = byKey[k]
			}
		}
		if it.Action == "" {
			for _, k := range keys {
				seen[k] = r.Line
			}
			if match == nil {
				it.Action, it.contact = Create, newContact(owner, r)
			} else if c, changes := merge(match, r); len(changes) == 0 {
				it.Action, it.Reason = Skip, "no changes"
			} else {
				it.Action, it.contact, it.Changes = Update, c, changes
			}
		}
		if it.contact != nil {
			check := *it.contact
			check.Normalize()
			if err := check.Validate(); err != nil {
				p.Errors = append(p.Errors, RowError{r.Line, crm.ErrorMessage(err) + fieldList(err)})
				continue
			}
		}
		p.Items = append(p.Items, it)
	}
	sort.SliceStable(p.Errors, func(i, j int) bool { return p.Errors[i].Line < p.Errors[j].Line })
	return p, nil
}

// Apply creates and updates the planned contacts. A contact the store
// refuses is reported as a row error; the others are saved.
func (p *Plan) Apply(ctx context.Context, svc crm.ContactService) error {
	kept := p.Items[:0]
	for _, it := range p.Items {
		var err error
		switch it.Action {
		case Create:
			err = svc.CreateContact(ctx, it.contact)
		case Update:
			err = svc.UpdateContact(ctx, it.contact)
		}
		if code := crm.ErrorCode(err); code == crm.EINVALID || code == crm.ECONFLICT {
			p.Errors = append(p.Errors, RowError{it.Line, crm.ErrorMessage(err) + fieldList(err)})
			continue
		} else if err != nil {
			return fmt.Errorf("import line %d: %w", it.Line, err)
		}
		kept = append(kept, it)
	}
	p.Items = kept
	sort.SliceStable(p.Errors, func(i, j int) bool { return p.Errors[i].Line < p.Errors[j].Line })
	return nil
}

func fieldList(err error) string {
	var fs []string
	for f, msg := range crm.ErrorFields(err) {
		fs = append(fs, f+": "+msg)
	}
	if len(fs) == 0 {
		return ""
	}
	sort.Strings(fs)
	return " (" + strings.Join(fs, "; ") + ")"
}

func liveContacts(ctx context.Context, svc crm.ContactService, orgID, ownerID int64) ([]*crm.Contact, error) {
	var out []*crm.Contact
	cursor := ""
	for {
		cs, next, err := svc.ListContacts(ctx, orgID, crm.ContactFilter{OwnerID: ownerID, Limit: crm.MaxPageSize, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		out = append(out, cs...)
		if next == "" {
			return out, nil
		}
		cursor = next
	}
}

// contactKeys and recordKeys are what records match contacts by: emails, or
// the name when there is no email.
func contactKeys(c *crm.Contact) []string {
	v := contactsync.ContactView(c)
	keys := v.Emails()
	for _, e := range c.Employments {
		if k := contactsync.EmailKey(e.WorkEmail); k != "" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		keys = nameKey(v)
	}
	return keys
}

func recordKeys(v contactsync.View) []string {
	if keys := v.Emails(); len(keys) > 0 {
		return keys
	}
	return nameKey(v)
}

func nameKey(v contactsync.View) []string {
	n := strings.ToLower(strings.TrimSpace(v.FirstName) + "\x00" + strings.TrimSpace(v.LastName) + "\x00" + strings.TrimSpace(v.Company))
	if n == "\x00\x00" {
		return nil
	}
	return []string{"name:" + n}
}

func displayName(v contactsync.View) string {
	if n := strings.TrimSpace(v.FirstName + " " + v.LastName); n != "" {
		return n
	}
	if v.PersonalEmail != "" {
		return v.PersonalEmail
	}
	if v.WorkEmail != "" {
		return v.WorkEmail
	}
	return v.Company
}

func newContact(owner *crm.User, r Record) *crm.Contact {
	c := &crm.Contact{OrgID: owner.OrgID, OwnerID: owner.ID}
	v := r.View
	c.FirstName, c.LastName, c.HomePhone, c.MobilePhone = v.FirstName, v.LastName, v.HomePhone, v.MobilePhone
	c.PersonalEmail, c.Address = v.PersonalEmail, v.Address
	c.Note = contactsync.WithNoteBlock(r.Note, phones.GoogleOnlyBusiness(contactsync.View{}, v))
	return c
}

// merge returns the contact with the record's values filled in or changed,
// and the names of the fields that change; empty values change nothing.
func merge(old *crm.Contact, r Record) (*crm.Contact, []string) {
	c := *old
	c.Employments = append([]crm.Employment(nil), old.Employments...)
	v := r.View
	var changes []string
	set := func(field string, dst *string, val string, same func(a, b string) bool) {
		if val != "" && !same(*dst, val) {
			*dst = val
			changes = append(changes, field)
		}
	}
	exact := func(a, b string) bool { return a == b }
	set(contactsync.FieldFirstName, &c.FirstName, v.FirstName, exact)
	set(contactsync.FieldLastName, &c.LastName, v.LastName, exact)
	set(contactsync.FieldHomePhone, &c.HomePhone, v.HomePhone, phones.Same)
	set(contactsync.FieldMobilePhone, &c.MobilePhone, v.MobilePhone, phones.Same)
	set(contactsync.FieldPersonalEmail, &c.PersonalEmail, v.PersonalEmail, func(a, b string) bool {
		return contactsync.EmailKey(a) == contactsync.EmailKey(b)
	})
	if !v.Address.IsZero() && v.Address != c.Address {
		c.Address = v.Address
		changes = append(changes, contactsync.FieldAddress)
	}
	block, rest := contactsync.NoteBlock(c.Note)
	newRest, noteChanged := rest, false
	if r.Note != "" && r.Note != strings.TrimSpace(rest) {
		newRest, noteChanged = r.Note, true
		changes = append(changes, "note")
	}
	merged, blockChanged := block, false
	for _, nl := range phones.GoogleOnlyBusiness(contactsync.ContactView(old), v) {
		merged, blockChanged = setLine(merged, nl, blockChanged)
	}
	if blockChanged {
		changes = append(changes, "note block")
	}
	if noteChanged || blockChanged {
		c.Note = contactsync.WithNoteBlock(strings.TrimRight(newRest, "\n"), merged)
	}
	c.Version = old.Version // refused if someone changes the contact between preview and import
	return &c, changes
}

func setLine(lines []contactsync.NoteLine, nl contactsync.NoteLine, changed bool) ([]contactsync.NoteLine, bool) {
	out := append([]contactsync.NoteLine(nil), lines...)
	for i := range out {
		if out[i].Field == nl.Field {
			if out[i].Value != nl.Value {
				out[i].Value, changed = nl.Value, true
			}
			return out, changed
		}
	}
	return append(out, nl), true
}
