package contactsync_test

import (
	"testing"
	"time"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
	"simplecrm/internal/sample"
)

// Benchmarks of the per-contact work of a sync, so that a regression shows in
//
//	go test ./internal/contactsync -run '^$' -bench 'View|Merge|Note|Phone'
//
// Each works on 1,000 generated contacts and reports the cost of one.

func benchContacts() []crm.Contact {
	g := sample.New(1)
	out := make([]crm.Contact, 1000)
	for i := range out {
		out[i] = g.Contact([]string{"Blue Bakery", "Atlas Logistics GmbH", ""}[i%3])
	}
	return out
}

func benchPersons(cs []crm.Contact) []*people.Person {
	ph := contactsync.Phones{Region: "FR"}
	out := make([]*people.Person, len(cs))
	for i := range cs {
		out[i] = &people.Person{ResourceName: "people/c1", Etag: "e"}
		ph.ApplyView(out[i], contactsync.ContactView(&cs[i]))
	}
	return out
}

func BenchmarkPersonView(b *testing.B) {
	ps := benchPersons(benchContacts())
	i := 0
	for b.Loop() {
		contactsync.PersonView(ps[i%len(ps)])
		i++
	}
}

func BenchmarkApplyView(b *testing.B) {
	cs := benchContacts()
	ps := benchPersons(cs)
	views := make([]contactsync.View, len(cs))
	for i := range cs {
		c := cs[i]
		c.MobilePhone, c.LastName = "+33 6 00 00 00 01", c.LastName+"-Smith" // a change to apply
		views[i] = contactsync.ContactView(&c)
	}
	ph := contactsync.Phones{Region: "FR"}
	i := 0
	for b.Loop() {
		p := *ps[i%len(ps)]
		p.Names = append([]*people.Name(nil), p.Names...)
		p.PhoneNumbers = append([]*people.PhoneNumber(nil), p.PhoneNumbers...)
		ph.ApplyView(&p, views[i%len(views)])
		i++
	}
}

func BenchmarkContactView(b *testing.B) {
	cs := benchContacts()
	i := 0
	for b.Loop() {
		contactsync.ContactView(&cs[i%len(cs)])
		i++
	}
}

// BenchmarkMerge merges linked pairs where each side changed a different
// field, one field changed on both sides, and the phones differ only by
// formatting: the usual work of an incremental sync.
func BenchmarkMerge(b *testing.B) {
	cs := benchContacts()
	ph := contactsync.Phones{Region: "FR"}
	ins := make([]contactsync.MergeInput, len(cs))
	now := time.Now()
	for i := range cs {
		base := contactsync.ContactView(&cs[i])
		crmV, googleV := base, base
		crmV.FirstName += "e"
		googleV.Address.City = "Lyon"
		googleV.LastName += "-G"
		crmV.LastName += "-C"
		googleV.MobilePhone = "00" + googleV.MobilePhone[1:] // same number, other format
		ins[i] = contactsync.MergeInput{CRM: crmV, Google: googleV, BaseCRM: base, BaseGoogle: base,
			CRMTime: now, GoogleTime: now.Add(time.Second)}
	}
	i := 0
	for b.Loop() {
		ph.Merge(ins[i%len(ins)])
		i++
	}
}

func BenchmarkNoteBlock(b *testing.B) {
	lines := []contactsync.NoteLine{{Field: contactsync.FieldCompany, Value: "Analytical Engines"},
		{Field: contactsync.FieldTitle, Value: "Programmer"}, {Field: contactsync.FieldWorkPhone, Value: "01 23 45 67 89"}}
	user := "Met at the trade fair.\nPrefers calls in the morning.\n\nSend the catalogue in September."
	withBlock := contactsync.WithNoteBlock(user, lines)
	b.Run("write", func(b *testing.B) {
		for b.Loop() {
			contactsync.WithNoteBlock(withBlock, lines[:2])
		}
	})
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			contactsync.NoteBlock(withBlock)
		}
	})
}

// BenchmarkPhoneSame compares numbers as the engine does for every phone
// field of every linked pair: equal strings, formatting differences, and
// different numbers, national and international.
func BenchmarkPhoneSame(b *testing.B) {
	ph := contactsync.Phones{Region: "FR"}
	pairs := [][2]string{
		{"+33 6 12 34 56 78", "+33 6 12 34 56 78"},
		{"06 12 34 56 78", "+33612345678"},
		{"+1 (415) 555-0100", "+14155550100"},
		{"+49 151 12345678", "+49 151 12345679"},
		{"01 23 45 67 89", "0123456789"},
	}
	i := 0
	for b.Loop() {
		p := pairs[i%len(pairs)]
		ph.Same(p[0], p[1])
		i++
	}
}

func BenchmarkPhoneE164(b *testing.B) {
	ph := contactsync.Phones{Region: "FR"}
	numbers := []string{"06 12 34 56 78", "+1 (415) 555-0100", "+44 7700 900123", "91 123 45 67", "not a number"}
	i := 0
	for b.Loop() {
		ph.E164(numbers[i%len(numbers)])
		i++
	}
}
