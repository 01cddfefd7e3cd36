package googleemu

import (
	"encoding/json"
	"fmt"
	"time"
)

// People API write methods: createContact, updateContact, deleteContact and
// their batch forms. Every write works on a copy of the contact and commits
// only when the whole request is valid.

const (
	maxBatchCreate = 200
	maxBatchUpdate = 200
	maxBatchDelete = 500
)

// allReadFields is the response mask when personFields is not given.
var allReadFields = sortedKeys(readPersonFields)

func (c *call) responseMask(param string) ([]string, error) {
	if c.q.Get(param) == "" {
		return allReadFields, nil
	}
	return parseMask(c.q.Get(param), param, readPersonFields, false)
}

func (c *call) createContact() (any, error) {
	mask, err := c.responseMask("personFields")
	if err != nil {
		return nil, err
	}
	body, err := decodePerson(c.body)
	if err != nil {
		return nil, err
	}
	if err := c.e.checkCapacity(c.acct, 1); err != nil {
		return nil, err
	}
	ct, err := c.e.buildContact(c.acct, body)
	if err != nil {
		return nil, err
	}
	c.e.commit(c.acct, ct, c.now)
	c.mutated = true
	return c.acct.render(ct, mask, false), nil
}

func (c *call) updateContact() (any, error) {
	mask, err := c.responseMask("personFields")
	if err != nil {
		return nil, err
	}
	upd, err := parseMask(c.q.Get("updatePersonFields"), "updatePersonFields", updatePersonFields, true)
	if err != nil {
		return nil, err
	}
	body, err := decodePerson(c.body)
	if err != nil {
		return nil, err
	}
	ct := c.acct.contactByName(c.name)
	if ct == nil {
		return nil, errNotFound()
	}
	next, err := c.e.updated(c.acct, ct, body, upd, c.staleETag)
	if err != nil {
		return nil, err
	}
	c.e.commit(c.acct, next, c.now)
	c.mutated = true
	return c.acct.render(next, mask, false), nil
}

func (c *call) deleteContact() (any, error) {
	ct := c.acct.contactByName(c.name)
	if ct == nil {
		return nil, errNotFound()
	}
	c.e.deleteLocked(c.acct, ct, c.now)
	c.mutated = true
	return map[string]any{}, nil
}

func (c *call) batchCreateContacts() (any, error) {
	var req struct {
		Contacts []struct {
			ContactPerson json.RawMessage `json:"contactPerson"`
		} `json:"contacts"`
		ReadMask string `json:"readMask"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	mask, err := parseMask(req.ReadMask, "readMask", readPersonFields, false)
	if err != nil {
		return nil, err
	}
	if err := checkBatchSize(len(req.Contacts), maxBatchCreate, "contacts"); err != nil {
		return nil, err
	}
	built := make([]*contact, len(req.Contacts))
	errs := make([]error, len(req.Contacts)) // each invalid item answers its own error
	var firstErr error
	for i, it := range req.Contacts {
		body, err := decodePerson(it.ContactPerson)
		if err == nil {
			built[i], err = c.e.buildContact(c.acct, body)
		}
		errs[i] = err
		if err != nil && firstErr == nil {
			firstErr = prefixErr(fmt.Sprintf("contacts[%d].contactPerson: ", i), err)
		}
	}
	if firstErr != nil && !c.e.opts.BatchPartialSuccess {
		return nil, firstErr
	}
	if err := c.e.checkCapacity(c.acct, countNonNil(built)); err != nil {
		return nil, err
	}
	var out []map[string]any
	for i, ct := range built {
		if ct == nil {
			out = append(out, failedResponse(errs[i]))
			continue
		}
		c.e.commit(c.acct, ct, c.now)
		c.mutated = true
		out = append(out, personResponse(c.acct.render(ct, mask, false)))
	}
	if len(mask) == 0 {
		return map[string]any{}, nil // empty readMask skips the post-mutate read
	}
	return map[string]any{"createdPeople": out}, nil
}

func (c *call) batchUpdateContacts() (any, error) {
	var req struct {
		Contacts   map[string]json.RawMessage `json:"contacts"`
		UpdateMask string                     `json:"updateMask"`
		ReadMask   string                     `json:"readMask"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	upd, err := parseMask(req.UpdateMask, "updateMask", updatePersonFields, true)
	if err != nil {
		return nil, err
	}
	mask, err := parseMask(req.ReadMask, "readMask", readPersonFields, false)
	if err != nil {
		return nil, err
	}
	if err := checkBatchSize(len(req.Contacts), maxBatchUpdate, "contacts"); err != nil {
		return nil, err
	}
	names := sortedKeys(req.Contacts)
	next := map[string]*contact{}
	results := map[string]any{}
	for _, rn := range names {
		body, err := decodePerson(req.Contacts[rn])
		var nc *contact
		if err == nil {
			if ct := c.acct.contactByName(rn); ct == nil {
				err = errNotFound()
			} else {
				nc, err = c.e.updated(c.acct, ct, body, upd, c.staleETag)
			}
		}
		if err != nil {
			if !c.e.opts.BatchPartialSuccess {
				return nil, prefixErr(fmt.Sprintf("contacts[%s]: ", rn), err)
			}
			results[rn] = failedResponse(err)
			continue
		}
		next[rn] = nc
	}
	for _, rn := range names {
		if nc := next[rn]; nc != nil {
			c.e.commit(c.acct, nc, c.now)
			c.mutated = true
			results[rn] = personResponse(c.acct.render(nc, mask, false))
		}
	}
	if len(mask) == 0 {
		return map[string]any{}, nil
	}
	return map[string]any{"updateResult": results}, nil
}

func (c *call) batchDeleteContacts() (any, error) {
	var req struct {
		ResourceNames []string `json:"resourceNames"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if err := checkBatchSize(len(req.ResourceNames), maxBatchDelete, "resourceNames"); err != nil {
		return nil, err
	}
	var found []*contact
	for _, rn := range req.ResourceNames {
		ct := c.acct.contactByName(rn)
		if ct == nil {
			if c.e.opts.BatchPartialSuccess {
				continue
			}
			return nil, errNotFound()
		}
		found = append(found, ct)
	}
	for _, ct := range found {
		if !ct.Deleted {
			c.e.deleteLocked(c.acct, ct, c.now)
			c.mutated = true
		}
	}
	return map[string]any{}, nil
}

// buildContact validates a create body and returns the new contact, not yet
// stored. Called with e.mu held.
func (e *Emulator) buildContact(a *account, body personBody) (*contact, error) {
	ct := &contact{ID: e.st.newID(), Fields: map[string]json.RawMessage{}}
	if err := e.applyFields(ct, body, writableFieldsOf(body)); err != nil {
		return nil, err
	}
	ids, err := body.memberships()
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 || e.opts.CreateAlwaysJoinsMyContacts {
		ids = append(ids, groupMyContacts)
	}
	for _, id := range ids {
		if err := checkAddable(a, id); err != nil {
			return nil, err
		}
		ct.addGroup(id)
	}
	return ct, nil
}

func (e *Emulator) checkCapacity(a *account, n int) error {
	if live := a.liveContacts(); live+n > e.opts.MaxContacts {
		if msg := e.opts.ContactLimitMessage; msg != "" {
			return errFailedPrecondition("%s", msg)
		}
		return errFailedPrecondition("Contacts limit reached: the account has %d contacts and the maximum is %d; %d contacts were not created.",
			live, e.opts.MaxContacts, n)
	}
	return nil
}

// updated returns a copy of ct with the masked fields of body applied, after
// the etag check. Called with e.mu held.
func (e *Emulator) updated(a *account, ct *contact, body personBody, mask []string, forceStale bool) (*contact, error) {
	if err := e.checkETag(ct, body, forceStale); err != nil {
		return nil, err
	}
	next := ct.clone()
	if err := e.applyFields(next, body, mask); err != nil {
		return nil, err
	}
	for _, f := range mask {
		if f != "memberships" {
			continue
		}
		ids, err := body.memberships()
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return nil, errInvalid("Updating memberships requires at least one contact group membership.")
		}
		next.Groups = nil
		for _, id := range ids {
			if g := a.Groups[id]; g == nil || g.Deleted {
				return nil, errInvalid("Contact group %q does not exist.", "contactGroups/"+id)
			}
			next.addGroup(id)
		}
	}
	return next, nil
}

func (e *Emulator) checkETag(ct *contact, body personBody, forceStale bool) error {
	if forceStale {
		return errStaleETag(e.opts.StaleETagLegacyErrors)
	}
	pe, se := body.etag()
	switch {
	case pe != "":
		id, rev, fromList, ok := parseETag(pe)
		if !ok || id != ct.ID || rev != ct.Rev || (fromList && e.opts.RejectListETags) {
			return errStaleETag(e.opts.StaleETagLegacyErrors)
		}
	case se != "":
		if se != ct.sourceETag() {
			return errStaleETag(e.opts.StaleETagLegacyErrors)
		}
	default:
		return errInvalid("Request must set person.etag or person.metadata.sources.etag for the source that is being updated.")
	}
	return nil
}

func (c *contact) clone() *contact {
	n := *c
	n.Fields = make(map[string]json.RawMessage, len(c.Fields))
	for k, v := range c.Fields {
		n.Fields[k] = v
	}
	n.Groups = append([]string(nil), c.Groups...)
	return &n
}

// commit stores a new contact, or an updated copy in place of the original.
// Called with e.mu held.
func (e *Emulator) commit(a *account, ct *contact, now time.Time) {
	if a.Contacts[ct.ID] == nil {
		a.live++
	}
	a.Contacts[ct.ID] = ct
	a.touch(ct, now)
}

// deleteLocked turns ct into a tombstone that incremental listings return.
func (e *Emulator) deleteLocked(a *account, ct *contact, now time.Time) {
	if !ct.Deleted {
		a.live--
	}
	ct.Deleted = true
	ct.Fields = nil
	ct.Groups = nil
	a.touch(ct, now)
}

// checkAddable says whether contacts may be added to group id.
func checkAddable(a *account, id string) error {
	g := a.Groups[id]
	if g == nil || g.Deleted {
		return errInvalid("Contact group %q does not exist.", "contactGroups/"+id)
	}
	if g.System && id != groupMyContacts && id != groupStarred {
		return errInvalid("Cannot add contacts to system contact group %q.", "contactGroups/"+id)
	}
	return nil
}

func checkBatchSize(n, max int, field string) error {
	if n == 0 {
		return errInvalid("%s: at least one item is required.", field)
	}
	if n > max {
		return errInvalid("Too many %s in the request. Allows up to %d in a single request.", field, max)
	}
	return nil
}

// personResponse and failedResponse are PersonResponse items of batches.
func personResponse(person map[string]any) map[string]any {
	return map[string]any{"person": person, "httpStatusCode": 200, "status": map[string]any{}}
}

func failedResponse(err error) map[string]any {
	ae := asAPIError(err)
	return map[string]any{"httpStatusCode": ae.Code, "status": map[string]any{"code": rpcCode(ae.Status), "message": ae.Message}}
}

func prefixErr(prefix string, err error) error {
	if ae, ok := err.(*apiError); ok {
		cp := *ae
		cp.Message = prefix + ae.Message
		return &cp
	}
	return err
}

func countNonNil(cs []*contact) int {
	n := 0
	for _, c := range cs {
		if c != nil {
			n++
		}
	}
	return n
}

// rpcCode maps a google.rpc status string to its numeric code.
func rpcCode(status string) int {
	codes := map[string]int{"OK": 0, "CANCELLED": 1, "UNKNOWN": 2, "INVALID_ARGUMENT": 3, "DEADLINE_EXCEEDED": 4,
		"NOT_FOUND": 5, "ALREADY_EXISTS": 6, "PERMISSION_DENIED": 7, "RESOURCE_EXHAUSTED": 8,
		"FAILED_PRECONDITION": 9, "ABORTED": 10, "INTERNAL": 13, "UNAVAILABLE": 14, "UNAUTHENTICATED": 16}
	return codes[status]
}

// batchItems counts the items of a batch request body (1 for other methods).
func batchItems(method string, body []byte) int {
	var req struct {
		Contacts      json.RawMessage `json:"contacts"`
		ResourceNames []string        `json:"resourceNames"`
	}
	if json.Unmarshal(body, &req) != nil {
		return 1
	}
	switch method {
	case "people.batchCreateContacts":
		var l []json.RawMessage
		_ = json.Unmarshal(req.Contacts, &l)
		return max(1, len(l))
	case "people.batchUpdateContacts":
		var m map[string]json.RawMessage
		_ = json.Unmarshal(req.Contacts, &m)
		return max(1, len(m))
	case "people.batchDeleteContacts":
		return max(1, len(req.ResourceNames))
	}
	return 1
}
