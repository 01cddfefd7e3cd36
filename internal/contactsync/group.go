package contactsync

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/crm"
)

// errGroupNotFound ends a run whose group name is taken in Google by a group
// that cannot be found: a legacy group (contactGroups.list leaves it out)
// that no contact belongs to.
var errGroupNotFound = errors.New("contact group exists but cannot be found")

// ensureGroup finds the account's contact group, creating it when missing
// (DESIGN.md §3: "Create the group if it does not exist"). Its resource name
// is kept in the checkpoint and read directly on later runs, because
// contactGroups.list may leave out groups made with the legacy Contacts API
// (people-api.md §9, §15 item 15).
func (r *run) ensureGroup(ctx context.Context) error {
	name := r.acct.GroupName
	if name == "" {
		name = crm.DefaultGroupName
	}
	if r.state.GroupResource != "" {
		rn, err := r.groupNamed(ctx, name, []string{r.state.GroupResource})
		if err != nil || rn != "" {
			r.group = rn
			return err
		}
	}
	for attempt := 0; attempt < 2; attempt++ {
		var groups []*people.ContactGroup
		if err := r.call(ctx, func() (err error) { groups, err = r.g.ListGroups(ctx); return err }); err != nil {
			return err
		}
		if g := userGroup(groups, name); g != nil {
			r.useGroup(g.ResourceName)
			return nil
		}
		var g *people.ContactGroup
		err := r.call(ctx, func() (err error) { g, err = r.g.CreateGroup(ctx, name); return err })
		if err == nil {
			r.useGroup(g.ResourceName)
			return nil
		}
		if !isConflict(err) {
			return err
		}
		// The name is taken by a group the list left out (a legacy group),
		// or by one created meanwhile (a create whose answer was lost).
		rn, err := r.unlistedGroup(ctx, name, groups)
		if err != nil || rn != "" {
			r.useGroup(rn)
			return err
		}
	}
	return fmt.Errorf("%w: %q", errGroupNotFound, name)
}

func (r *run) useGroup(rn string) {
	r.group, r.state.GroupResource = rn, rn
}

// groupNamed reads groups by resource name and returns the one called name.
func (r *run) groupNamed(ctx context.Context, name string, names []string) (string, error) {
	var groups []*people.ContactGroup
	err := r.call(ctx, func() (err error) { groups, err = r.g.GetGroups(ctx, names); return err })
	if g := userGroup(groups, name); g != nil {
		return g.ResourceName, err
	}
	return "", err
}

// unlistedGroup looks for a group the list left out among the groups the
// account's contacts belong to, read by resource name: what the reference
// recommends (people-api.md §9: "resolve unknown ids from memberships via
// contactGroups:batchGet"). It costs a full listing, once: the name found is
// kept in the checkpoint.
func (r *run) unlistedGroup(ctx context.Context, name string, listed []*people.ContactGroup) (string, error) {
	known := map[string]bool{"contactGroups/myContacts": true, "contactGroups/starred": true}
	for _, g := range listed {
		known[g.ResourceName] = true
	}
	pageToken := ""
	for {
		var resp *people.ListConnectionsResponse
		err := r.call(ctx, func() (err error) { resp, err = r.g.ListConnections(ctx, "", pageToken); return err })
		if err != nil {
			return "", err
		}
		var unknown []string
		for _, p := range resp.Connections {
			for _, m := range p.Memberships {
				if m.ContactGroupMembership == nil {
					continue
				}
				if rn := m.ContactGroupMembership.ContactGroupResourceName; !known[rn] {
					known[rn] = true
					unknown = append(unknown, rn)
				}
			}
		}
		for _, batch := range chunks(unknown, MaxBatchMutate) {
			if rn, err := r.groupNamed(ctx, name, batch); err != nil || rn != "" {
				return rn, err
			}
		}
		if resp.NextPageToken == "" {
			return "", nil
		}
		pageToken = resp.NextPageToken
	}
}

func userGroup(groups []*people.ContactGroup, name string) *people.ContactGroup {
	i := slices.IndexFunc(groups, func(g *people.ContactGroup) bool {
		return g.Name == name && g.GroupType != "SYSTEM_CONTACT_GROUP"
	})
	if i < 0 {
		return nil
	}
	return groups[i]
}
