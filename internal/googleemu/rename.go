package googleemu

import (
	"slices"
	"time"
)

// Resource name changes. Google may give a contact a new resource name when
// it gets linked to or unlinked from a Google profile; incremental listings
// then carry the former names in metadata.previousResourceNames, and
// getBatchGet answers with a requestedResourceName that differs from the
// person's resourceName (people-api.md §3, §4).

// RenamePerson gives the contact resourceName of the account of email a new
// resource name, as Google does on profile linking, and returns it. The
// change shows in the next incremental listing with the old name in
// metadata.previousResourceNames; get and getBatchGet by the old name answer
// with the renamed person (unless Options.RenamedNotFound).
func (e *Emulator) RenamePerson(email, resourceName string) (string, error) {
	var newName string
	err := e.mutate(email, func(a *account, now time.Time) error {
		ct := a.contactByName(resourceName)
		if ct == nil {
			return errNotFound()
		}
		e.renameLocked(a, ct, now)
		newName = ct.resourceName()
		return nil
	})
	return newName, wrap("rename contact", err)
}

func (e *Emulator) renameLocked(a *account, ct *contact, now time.Time) {
	old := ct.resourceName()
	delete(a.Contacts, ct.ID)
	if e.opts.RenameTombstone {
		tomb := &contact{ID: ct.ID, Deleted: true}
		a.Contacts[tomb.ID] = tomb
		a.touch(tomb, now)
	}
	ct.ID = e.st.newID()
	a.Contacts[ct.ID] = ct
	ct.Previous = append(ct.Previous, old)
	if a.Renamed == nil {
		a.Renamed = map[string]uint64{}
	}
	for _, n := range ct.Previous {
		a.Renamed[n] = ct.ID
	}
	a.touch(ct, now)
}

// readContact finds a live contact for people.get and getBatchGet: by its
// resource name, or by a former one.
func (c *call) readContact(rn string) *contact {
	if ct := c.acct.contactByName(rn); ct != nil || c.e.opts.RenamedNotFound {
		return ct
	}
	id, ok := c.acct.Renamed[rn]
	if !ok {
		return nil
	}
	if ct := c.acct.Contacts[id]; ct != nil && !ct.Deleted {
		return ct
	}
	return nil
}

// withPrevious adds metadata.previousResourceNames to a listed person, which
// Google fills only in sync-token requests (people-api.md §3).
func withPrevious(p map[string]any, ct *contact, mask []string, incremental bool) map[string]any {
	if !incremental || len(ct.Previous) == 0 || ct.Deleted || !slices.Contains(mask, "metadata") {
		return p
	}
	if md, ok := p["metadata"].(map[string]any); ok {
		md["previousResourceNames"] = slices.Clone(ct.Previous)
	}
	return p
}

// unlisted reports whether contactGroups.list leaves g out (Options.UnlistedGroups).
func (e *Emulator) unlisted(g *group) bool {
	return !g.System && slices.Contains(e.opts.UnlistedGroups, g.Name)
}
