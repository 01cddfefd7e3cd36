package google

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/api/people/v1"
)

// PersonFields is the read mask of every person the sync reads: the managed
// fields, plus what it needs to scope (memberships), match (clientData,
// emails) and merge (metadata with the CONTACT source's updateTime).
const PersonFields = "names,emailAddresses,phoneNumbers,addresses,organizations,memberships,metadata,clientData"

// Client is the People API subset the sync engine uses, one method per call,
// over the official client. It implements contactsync.Google.
type Client struct {
	svc *people.Service
}

// NewClient wraps a People API service.
func NewClient(svc *people.Service) *Client { return &Client{svc: svc} }

// ListConnections lists one page of people/me's connections (a full listing
// without syncToken), asking for a sync token. Only the CONTACT source is
// read: a linked Google profile must not leak into the CRM.
func (c *Client) ListConnections(ctx context.Context, syncToken, pageToken string) (*people.ListConnectionsResponse, error) {
	call := c.svc.People.Connections.List("people/me").Context(ctx).
		PersonFields(PersonFields).PageSize(1000).RequestSyncToken(true).Sources("READ_SOURCE_TYPE_CONTACT")
	if syncToken != "" {
		call = call.SyncToken(syncToken)
	}
	if pageToken != "" {
		call = call.PageToken(pageToken)
	}
	resp, err := call.Do()
	if err != nil {
		return nil, fmt.Errorf("people.connections.list: %w", err)
	}
	return resp, nil
}

// BatchGet reads up to 200 people, keyed by the resource name asked for:
// Google may answer with a person whose resource name changed (profile
// linking, people-api.md §4). People Google no longer has are left out.
func (c *Client) BatchGet(ctx context.Context, names []string) (map[string]*people.Person, error) {
	resp, err := c.svc.People.GetBatchGet().Context(ctx).ResourceNames(names...).
		PersonFields(PersonFields).Sources("READ_SOURCE_TYPE_CONTACT").Do()
	if err != nil {
		return nil, fmt.Errorf("people.getBatchGet: %w", err)
	}
	out := make(map[string]*people.Person, len(resp.Responses))
	for _, r := range resp.Responses {
		if r.Person == nil || r.Status != nil && r.Status.Code != 0 {
			continue
		}
		asked := r.RequestedResourceName
		if asked == "" {
			asked = r.Person.ResourceName
		}
		out[asked] = r.Person
	}
	return out, nil
}

// BatchCreate creates up to 200 contacts and returns them in request order.
func (c *Client) BatchCreate(ctx context.Context, persons []*people.Person) ([]*people.Person, error) {
	req := &people.BatchCreateContactsRequest{ReadMask: PersonFields, Sources: []string{"READ_SOURCE_TYPE_CONTACT"}}
	for _, p := range persons {
		req.Contacts = append(req.Contacts, &people.ContactToCreate{ContactPerson: p})
	}
	resp, err := c.svc.People.BatchCreateContacts(req).Context(ctx).Do()
	if err != nil {
		return nil, fmt.Errorf("people.batchCreateContacts: %w", err)
	}
	out := make([]*people.Person, 0, len(resp.CreatedPeople))
	for _, r := range resp.CreatedPeople {
		out = append(out, r.Person)
	}
	return out, nil
}

// BatchUpdate replaces the masked fields of up to 200 contacts.
func (c *Client) BatchUpdate(ctx context.Context, persons map[string]*people.Person, mask []string) (map[string]*people.Person, error) {
	contacts := make(map[string]people.Person, len(persons))
	for name, p := range persons {
		contacts[name] = *p
	}
	req := &people.BatchUpdateContactsRequest{Contacts: contacts, UpdateMask: strings.Join(mask, ","),
		ReadMask: PersonFields, Sources: []string{"READ_SOURCE_TYPE_CONTACT"}}
	resp, err := c.svc.People.BatchUpdateContacts(req).Context(ctx).Do()
	if err != nil {
		return nil, fmt.Errorf("people.batchUpdateContacts: %w", err)
	}
	out := make(map[string]*people.Person, len(resp.UpdateResult))
	for name, r := range resp.UpdateResult {
		if r.Person != nil {
			out[name] = r.Person
		}
	}
	return out, nil
}

// BatchDelete deletes up to 500 contacts.
func (c *Client) BatchDelete(ctx context.Context, names []string) error {
	_, err := c.svc.People.BatchDeleteContacts(&people.BatchDeleteContactsRequest{ResourceNames: names}).Context(ctx).Do()
	if err != nil {
		return fmt.Errorf("people.batchDeleteContacts: %w", err)
	}
	return nil
}

// ListGroups lists every contact group of the account.
func (c *Client) ListGroups(ctx context.Context) ([]*people.ContactGroup, error) {
	// Only what finding the account's group needs: memberCount makes the
	// server count every group's members on each run (the emulator walks all
	// contacts for it: half a second of a no-op sync at 100k contacts).
	var out []*people.ContactGroup
	err := c.svc.ContactGroups.List().Context(ctx).PageSize(1000).GroupFields("name,groupType").
		Pages(ctx, func(r *people.ListContactGroupsResponse) error {
			out = append(out, r.ContactGroups...)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("contactGroups.list: %w", err)
	}
	return out, nil
}

// CreateGroup creates a user contact group. A group of that name that exists
// already is a 409 error.
func (c *Client) CreateGroup(ctx context.Context, name string) (*people.ContactGroup, error) {
	g, err := c.svc.ContactGroups.Create(&people.CreateContactGroupRequest{
		ContactGroup: &people.ContactGroup{Name: name}}).Context(ctx).Do()
	if err != nil {
		return nil, fmt.Errorf("contactGroups.create: %w", err)
	}
	return g, nil
}

// GetGroups reads up to 200 contact groups by resource name, including
// groups that contactGroups.list leaves out (legacy groups, people-api.md §9).
// Groups Google does not have are left out.
func (c *Client) GetGroups(ctx context.Context, names []string) ([]*people.ContactGroup, error) {
	resp, err := c.svc.ContactGroups.BatchGet().Context(ctx).ResourceNames(names...).GroupFields("name,groupType").Do()
	if err != nil {
		return nil, fmt.Errorf("contactGroups.batchGet: %w", err)
	}
	var out []*people.ContactGroup
	for _, r := range resp.Responses {
		if r.ContactGroup != nil && (r.Status == nil || r.Status.Code == 0) {
			out = append(out, r.ContactGroup)
		}
	}
	return out, nil
}

// ModifyMembers adds people to and removes people from a group.
func (c *Client) ModifyMembers(ctx context.Context, group string, add, remove []string) (*people.ModifyContactGroupMembersResponse, error) {
	resp, err := c.svc.ContactGroups.Members.Modify(group, &people.ModifyContactGroupMembersRequest{
		ResourceNamesToAdd: add, ResourceNamesToRemove: remove}).Context(ctx).Do()
	if err != nil {
		return nil, fmt.Errorf("contactGroups.members.modify: %w", err)
	}
	return resp, nil
}
