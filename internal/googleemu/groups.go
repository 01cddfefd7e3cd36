package googleemu

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// contactGroups.* methods and membership rules.

var groupFieldPaths = set("clientData", "groupType", "memberCount", "metadata", "name")

var systemGroupNames = map[string]string{groupMyContacts: "My Contacts", groupStarred: "Starred"}

func groupETag(g *group) string {
	return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("G|%s|%d", g.ID, g.Rev)))
}

func (a *account) members(id string) []*contact {
	var out []*contact
	for _, c := range a.Contacts {
		if !c.Deleted && c.inGroup(id) {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// renderGroup builds the ContactGroup JSON of g restricted to fields.
func (a *account) renderGroup(g *group, fields []string, maxMembers int) map[string]any {
	out := map[string]any{"resourceName": "contactGroups/" + g.ID, "etag": groupETag(g)}
	if g.Deleted {
		out["metadata"] = map[string]any{"updateTime": g.Updated.UTC().Format(time.RFC3339Nano), "deleted": true}
		return out
	}
	var members []*contact
	if slices.Contains(fields, "memberCount") || maxMembers > 0 {
		members = a.members(g.ID)
	}
	for _, f := range fields {
		switch f {
		case "metadata":
			if !g.System {
				out["metadata"] = map[string]any{"updateTime": g.Updated.UTC().Format(time.RFC3339Nano)}
			}
		case "groupType":
			out["groupType"] = "USER_CONTACT_GROUP"
			if g.System {
				out["groupType"] = "SYSTEM_CONTACT_GROUP"
			}
		case "name":
			out["name"], out["formattedName"] = g.Name, g.Name
			if fn := systemGroupNames[g.ID]; g.System && fn != "" {
				out["formattedName"] = fn
			}
		case "memberCount":
			if len(members) > 0 {
				out["memberCount"] = len(members)
			}
		case "clientData":
			if len(g.ClientData) > 0 {
				out["clientData"] = g.ClientData
			}
		}
	}
	if maxMembers > 0 && len(members) > 0 {
		names := make([]string, 0, min(maxMembers, len(members)))
		for _, c := range members[:min(maxMembers, len(members))] {
			names = append(names, c.resourceName())
		}
		out["memberResourceNames"] = names
	}
	return out
}

func (c *call) groupFields(param string, def string) ([]string, error) {
	raw := c.q.Get(param)
	if raw == "" {
		raw = def
	}
	return parseMask(raw, param, groupFieldPaths, false)
}

func (c *call) groupByName(rn string) *group {
	id, ok := strings.CutPrefix(rn, "contactGroups/")
	if !ok {
		return nil
	}
	if g := c.acct.Groups[id]; g != nil && !g.Deleted {
		return g
	}
	return nil
}

func (c *call) listGroups() (any, error) {
	fields, err := c.groupFields("groupFields", "metadata,groupType,memberCount,name")
	if err != nil {
		return nil, err
	}
	size, err := c.pageSize(30, 1000, false)
	if err != nil {
		return nil, err
	}
	var base uint64
	if raw := c.q.Get("syncToken"); raw != "" {
		var st syncToken
		if !decodeToken(raw, &st) || st.Sub != c.acct.Sub {
			return nil, errInvalid("Sync token is not valid.")
		}
		if st.Gen < c.e.st.TokenGen || c.now.Sub(time.Unix(st.Issued, 0)) > c.e.opts.SyncTokenMaxAge {
			return nil, c.e.errExpiredSyncToken()
		}
		base = st.Seq
	}
	var groups []*group
	for _, g := range c.acct.Groups {
		if (g.Deleted && base == 0) || (base > 0 && g.Seq <= base) || c.e.unlisted(g) {
			continue
		}
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool {
		if groups[i].System != groups[j].System {
			return groups[i].System
		}
		if groups[i].Seq != groups[j].Seq {
			return groups[i].Seq < groups[j].Seq
		}
		return groups[i].ID < groups[j].ID
	})
	offset := 0
	if raw := c.q.Get("pageToken"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 0 || n > len(groups) {
			return nil, errInvalid("Page token is not valid.")
		}
		offset = n
	}
	rest := groups[offset:]
	page := rest[:min(size, len(rest))]
	res := map[string]any{"totalItems": len(groups)}
	if len(page) > 0 {
		out := make([]map[string]any, 0, len(page))
		for _, g := range page {
			out = append(out, c.acct.renderGroup(g, fields, 0))
		}
		res["contactGroups"] = out
	}
	if len(rest) > len(page) {
		res["nextPageToken"] = strconv.Itoa(offset + len(page))
	} else if c.e.opts.GroupListSyncToken {
		res["nextSyncToken"] = encodeToken(syncToken{Sub: c.acct.Sub, Seq: c.acct.Seq, Issued: c.now.Unix(),
			FullSync: c.now.Unix(), Gen: c.e.st.TokenGen})
	}
	return res, nil
}

// groupReadParams reads groupFields and maxMembers of get and batchGet.
func (c *call) groupReadParams() ([]string, int, error) {
	fields, err := c.groupFields("groupFields", "metadata,groupType,memberCount,name")
	if err != nil {
		return nil, 0, err
	}
	maxMembers, err := c.intParam("maxMembers")
	return fields, maxMembers, err
}

func (c *call) getGroup() (any, error) {
	fields, maxMembers, err := c.groupReadParams()
	if err != nil {
		return nil, err
	}
	g := c.groupByName(c.name)
	if g == nil {
		return nil, errNotFound()
	}
	return c.acct.renderGroup(g, fields, maxMembers), nil
}

func (c *call) batchGetGroups() (any, error) {
	fields, maxMembers, err := c.groupReadParams()
	if err != nil {
		return nil, err
	}
	names, err := c.resourceNames(200)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for _, rn := range names {
		r := map[string]any{"requestedResourceName": rn}
		if g := c.groupByName(rn); g != nil {
			r["contactGroup"], r["status"] = c.acct.renderGroup(g, fields, maxMembers), map[string]any{}
		} else {
			r["status"] = map[string]any{"code": 5, "message": "Requested entity was not found."}
		}
		out = append(out, r)
	}
	return map[string]any{"responses": out}, nil
}

type groupBody struct {
	ContactGroup *struct {
		Etag       string          `json:"etag"`
		Name       string          `json:"name"`
		ClientData json.RawMessage `json:"clientData"`
	} `json:"contactGroup"`
	ReadGroupFields   string `json:"readGroupFields"`
	UpdateGroupFields string `json:"updateGroupFields"`
}

func (c *call) createGroup() (any, error) {
	var req groupBody
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	fields, err := parseMask(defaultStr(req.ReadGroupFields, "metadata,groupType,name"), "readGroupFields", groupFieldPaths, false)
	if err != nil {
		return nil, err
	}
	if req.ContactGroup == nil {
		return nil, errInvalid("contactGroup is required.")
	}
	g, err := c.e.createGroupLocked(c.acct, req.ContactGroup.Name, req.ContactGroup.ClientData, c.now)
	if err != nil {
		return nil, err
	}
	c.mutated = true
	return c.acct.renderGroup(g, fields, 0), nil
}

// createGroupLocked adds a user contact group. Called with e.mu held.
func (e *Emulator) createGroupLocked(a *account, name string, clientData json.RawMessage, now time.Time) (*group, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, errInvalid("contactGroup.name must not be empty.")
	}
	if a.groupByName(name) != nil {
		return nil, &apiError{Code: 409, Status: e.opts.DuplicateGroupStatus,
			Message: "Contact group name already exists: " + name + "."}
	}
	g := &group{ID: strconv.FormatUint(e.st.newID(), 16), Name: name}
	if !isNull(clientData) {
		g.ClientData = clientData
	}
	a.Groups[g.ID] = g
	a.touchGroup(g, now)
	return g, nil
}

func (c *call) updateGroup() (any, error) {
	var req groupBody
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	read, err := parseMask(defaultStr(req.ReadGroupFields, "metadata,groupType,name"), "readGroupFields", groupFieldPaths, false)
	if err != nil {
		return nil, err
	}
	upd, err := parseMask(defaultStr(req.UpdateGroupFields, "name"), "updateGroupFields", set("name", "clientData"), false)
	if err != nil {
		return nil, err
	}
	g := c.groupByName(c.name)
	if g == nil {
		return nil, errNotFound()
	}
	if req.ContactGroup == nil {
		return nil, errInvalid("contactGroup is required.")
	}
	if g.System {
		return nil, errInvalid("System contact groups cannot be updated.")
	}
	if req.ContactGroup.Etag != "" && req.ContactGroup.Etag != groupETag(g) {
		return nil, errFailedPrecondition("Request contactGroup.etag is different than the current contactGroup.etag.")
	}
	for _, f := range upd {
		switch f {
		case "name":
			name := strings.TrimSpace(req.ContactGroup.Name)
			if name == "" {
				return nil, errInvalid("contactGroup.name must not be empty.")
			}
			if o := c.acct.groupByName(name); o != nil && o != g {
				return nil, &apiError{Code: 409, Status: c.e.opts.DuplicateGroupStatus,
					Message: "Contact group name already exists: " + name + "."}
			}
			g.Name = name
		case "clientData":
			g.ClientData = nil
			if !isNull(req.ContactGroup.ClientData) {
				g.ClientData = req.ContactGroup.ClientData
			}
		}
	}
	c.acct.touchGroup(g, c.now)
	c.mutated = true
	return c.acct.renderGroup(g, read, 0), nil
}

func (c *call) deleteGroup() (any, error) {
	withContacts, err := c.boolParam("deleteContacts")
	if err != nil {
		return nil, err
	}
	g := c.groupByName(c.name)
	if g == nil {
		return nil, errNotFound()
	}
	if g.System {
		return nil, errInvalid("System contact groups cannot be deleted.")
	}
	for _, ct := range c.acct.members(g.ID) {
		if withContacts {
			c.e.deleteLocked(c.acct, ct, c.now)
			continue
		}
		ct.removeGroup(g.ID)
		if len(ct.Groups) == 0 && !c.e.opts.GroupDeleteLeavesContactsUngrouped {
			// A contact keeps at least one group (reference §9, §16); what
			// Google does to a group's only members is not documented.
			ct.addGroup(groupMyContacts)
		}
		c.acct.touch(ct, c.now)
	}
	g.Deleted = true
	c.acct.touchGroup(g, c.now)
	c.mutated = true
	return map[string]any{}, nil
}

func (c *call) modifyMembers() (any, error) {
	var req struct {
		Add    []string `json:"resourceNamesToAdd"`
		Remove []string `json:"resourceNamesToRemove"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if len(req.Add)+len(req.Remove) > 1000 {
		return nil, errInvalid("The total number of resource names to add and remove must be less than or equal to 1000.")
	}
	g := c.groupByName(c.name)
	if g == nil {
		return nil, errNotFound()
	}
	if len(req.Add) > 0 {
		if err := checkAddable(c.acct, g.ID); err != nil {
			return nil, err
		}
	}
	notFound, lastGroup := c.e.modifyMembersLocked(c.acct, g.ID, req.Add, req.Remove, c.now)
	c.mutated = true
	res := map[string]any{}
	if len(notFound) > 0 {
		res["notFoundResourceNames"] = notFound
	}
	if len(lastGroup) > 0 {
		res["canNotRemoveLastContactGroupResourceNames"] = lastGroup
	}
	return res, nil
}

// modifyMembersLocked adds and removes members of group id; a contact keeps
// at least one group. Every changed contact gets a new etag.
func (e *Emulator) modifyMembersLocked(a *account, id string, add, remove []string, now time.Time) (notFound, lastGroup []string) {
	for _, rn := range add {
		ct := a.contactByName(rn)
		if ct == nil {
			notFound = append(notFound, rn)
			continue
		}
		if ct.addGroup(id) {
			a.touch(ct, now)
		}
	}
	for _, rn := range remove {
		ct := a.contactByName(rn)
		if ct == nil {
			notFound = append(notFound, rn)
			continue
		}
		if !ct.inGroup(id) {
			continue
		}
		if len(ct.Groups) == 1 {
			lastGroup = append(lastGroup, rn)
			continue
		}
		ct.removeGroup(id)
		a.touch(ct, now)
	}
	return notFound, lastGroup
}

func defaultStr(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}
