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
//
// The remembered group is followed when renamed in Google: its members are
// the synchronized set, and taking the setting's name literally would drop
// them all from sync (and make a new empty group). The group-name setting is
// changed to the new name. A setting changed in the CRM is told apart by the
// name the group had when last seen (State.GroupName): then the setting
// wins. A remembered group deleted in Google is replaced by the setting's
// group, found or created, and Google is listed anew (docs/sync.md).
func (r *run) ensureGroup(ctx context.Context) error {
	name := r.acct.GroupName
	if name == "" {
		name = crm.DefaultGroupName
	}
	prev, why := r.state.GroupResource, ""
	if prev != "" {
		var groups []*people.ContactGroup
		err := r.call(ctx, func() (err error) { groups, err = r.g.GetGroups(ctx, []string{prev}); return err })
		if err != nil {
			return err
		}
		g := userGroupAt(groups, prev)
		seen := r.state.GroupName
		if seen == "" {
			// Saved before names were remembered: the group had the
			// setting's name then (the migration fills this in).
			seen = name
		}
		switch {
		case g != nil && g.Name == name:
			r.useGroup(g)
			return nil
		case g != nil && seen == name:
			return r.followRename(ctx, g, name)
		case g != nil:
			why = fmt.Sprintf("the account's group name was changed from %q", seen)
		default:
			why = fmt.Sprintf("the group %q was deleted in Google", seen)
			r.log.Info("contact group deleted in Google", "account", r.acct.ID, "group", prev)
		}
	}
	if err := r.groupByName(ctx, name); err != nil {
		return err
	}
	if prev != "" && r.group != prev {
		// Another group: its members are found by a full listing, which also
		// takes out of sync the linked contacts that are not in it.
		r.state.SyncToken = ""
		r.event(crm.EventGroup, 0, fmt.Sprintf("Synchronizing the Google group %q from now on: %s. Contacts of the previous group that are not in this one are no longer synchronized; the CRM contacts stay.", name, why))
	}
	return nil
}

// followRename keeps syncing the remembered group g, renamed in Google from
// the setting's name, and makes its new name the setting.
func (r *run) followRename(ctx context.Context, g *people.ContactGroup, old string) error {
	msg := fmt.Sprintf("The Google group was renamed from %q to %q; Sync Mobile follows it", old, g.Name)
	var groups []*people.ContactGroup
	if err := r.call(ctx, func() (err error) { groups, err = r.g.ListGroups(ctx); return err }); err != nil {
		return err
	}
	other := ""
	if userGroup(groups, old) != nil {
		// Following still wins: the members of the renamed group are the
		// synchronized set, which the other group would drop from sync.
		other = fmt.Sprintf(" Another group is now called %q: it is not synchronized; to synchronize it instead, set the group name back to %q in the account settings.", old, old)
	}
	switch changed, err := r.store.FollowGroupRename(ctx, r.acct.ID, r.acct.GroupName, g.Name); {
	case err != nil:
		return err
	case changed:
		msg = fmt.Sprintf("%s (the account's group name is now %q).", msg, g.Name)
	default:
		// The setting was changed in the CRM during the run: the next run
		// obeys it.
		msg += " this time; the account's group name was changed meanwhile, and the next sync uses it."
	}
	r.log.Info("contact group renamed in Google, following it", "account", r.acct.ID, "group", g.ResourceName, "from", old, "to", g.Name)
	r.event(crm.EventGroup, 0, msg+other)
	r.acct.GroupName = g.Name
	r.useGroup(g)
	return nil
}

// groupByName finds the group called name, in the list or, when the list
// leaves it out, through its members; it creates it when missing.
func (r *run) groupByName(ctx context.Context, name string) error {
	for attempt := 0; attempt < 2; attempt++ {
		var groups []*people.ContactGroup
		if err := r.call(ctx, func() (err error) { groups, err = r.g.ListGroups(ctx); return err }); err != nil {
			return err
		}
		if g := userGroup(groups, name); g != nil {
			r.useGroup(g)
			return nil
		}
		var g *people.ContactGroup
		err := r.call(ctx, func() (err error) { g, err = r.g.CreateGroup(ctx, name); return err })
		if err == nil {
			r.useGroup(g)
			return nil
		}
		if !isConflict(err) {
			return err
		}
		// The name is taken by a group the list left out (a legacy group),
		// or by one created meanwhile (a create whose answer was lost).
		g, err = r.unlistedGroup(ctx, name, groups)
		if err != nil || g != nil {
			if g != nil {
				r.useGroup(g)
			}
			return err
		}
	}
	return fmt.Errorf("%w: %q", errGroupNotFound, name)
}

func (r *run) useGroup(g *people.ContactGroup) {
	r.group, r.state.GroupResource, r.state.GroupName = g.ResourceName, g.ResourceName, g.Name
}

// groupNamed reads groups by resource name and returns the one called name.
func (r *run) groupNamed(ctx context.Context, name string, names []string) (*people.ContactGroup, error) {
	var groups []*people.ContactGroup
	err := r.call(ctx, func() (err error) { groups, err = r.g.GetGroups(ctx, names); return err })
	return userGroup(groups, name), err
}

// unlistedGroup looks for a group the list left out among the groups the
// account's contacts belong to, read by resource name: what the reference
// recommends (people-api.md §9: "resolve unknown ids from memberships via
// contactGroups:batchGet"). It costs a full listing, once: the name found is
// kept in the checkpoint.
func (r *run) unlistedGroup(ctx context.Context, name string, listed []*people.ContactGroup) (*people.ContactGroup, error) {
	known := map[string]bool{"contactGroups/myContacts": true, "contactGroups/starred": true}
	for _, g := range listed {
		known[g.ResourceName] = true
	}
	pageToken := ""
	for {
		var resp *people.ListConnectionsResponse
		err := r.call(ctx, func() (err error) { resp, err = r.g.ListConnections(ctx, "", pageToken); return err })
		if err != nil {
			return nil, err
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
			if g, err := r.groupNamed(ctx, name, batch); err != nil || g != nil {
				return g, err
			}
		}
		if resp.NextPageToken == "" {
			return nil, nil
		}
		pageToken = resp.NextPageToken
	}
}

// userGroup returns the user group named name among groups.
func userGroup(groups []*people.ContactGroup, name string) *people.ContactGroup {
	return userGroupWhere(groups, func(g *people.ContactGroup) bool { return g.Name == name })
}

// userGroupAt returns the user group of resource name rn among groups.
func userGroupAt(groups []*people.ContactGroup, rn string) *people.ContactGroup {
	return userGroupWhere(groups, func(g *people.ContactGroup) bool { return g.ResourceName == rn })
}

func userGroupWhere(groups []*people.ContactGroup, match func(*people.ContactGroup) bool) *people.ContactGroup {
	i := slices.IndexFunc(groups, func(g *people.ContactGroup) bool {
		return g.GroupType != "SYSTEM_CONTACT_GROUP" && match(g)
	})
	if i < 0 {
		return nil
	}
	return groups[i]
}
