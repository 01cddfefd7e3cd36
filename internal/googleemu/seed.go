package googleemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	people "google.golang.org/api/people/v1"
)

// The Go API for tests, the demo and benchmarks: accounts, tokens, and
// contacts and groups edited "on the phone" (no etag checks, no quotas, no
// request log).

// ErrUnknownAccount is returned for an email with no emulator account.
var ErrUnknownAccount = errors.New("googleemu: unknown account")

// Account is a Google account of the emulator.
type Account struct {
	Sub   string `json:"sub"`
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

// AddAccount creates the account (idempotent: an existing one is returned).
func (e *Emulator) AddAccount(email, name string) (Account, error) {
	if !strings.Contains(email, "@") {
		return Account{}, fmt.Errorf("googleemu: add account: invalid email %q", email)
	}
	e.mu.Lock()
	a := e.st.addAccount(email, name, e.now())
	out := Account{Sub: a.Sub, Email: a.Email, Name: a.Name}
	e.mu.Unlock()
	return out, e.save()
}

// Accounts lists the accounts, oldest first.
func (e *Emulator) Accounts() []Account {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []Account
	for _, a := range e.st.sortedAccounts() {
		out = append(out, Account{Sub: a.Sub, Email: a.Email, Name: a.Name})
	}
	return out
}

// IssueToken issues an access token and a refresh token for the account of
// email (created if needed) without the browser pages, as if the user had
// consented to scope (space-separated; "" = DefaultScope). Any OAuth client
// may refresh it.
func (e *Emulator) IssueToken(email, scope string) (TokenResponse, error) {
	if scope == "" {
		scope = DefaultScope
	}
	if _, err := e.AddAccount(email, ""); err != nil {
		return TokenResponse{}, err
	}
	e.mu.Lock()
	a := e.st.accountByEmail(email)
	res, err := e.issue(a.Sub, "", normalizeScopes(scope), true, "", "")
	e.mu.Unlock()
	if err != nil {
		return TokenResponse{}, fmt.Errorf("googleemu: issue token: %w", err)
	}
	return res, e.save()
}

// mutate runs fn on the account of email under the lock, then saves.
func (e *Emulator) mutate(email string, fn func(a *account, now time.Time) error) error {
	e.mu.Lock()
	a := e.st.accountByEmail(email)
	var err error
	if a == nil {
		err = fmt.Errorf("%w: %s", ErrUnknownAccount, email)
	} else {
		err = fn(a, e.now())
	}
	e.mu.Unlock()
	if err != nil {
		return err
	}
	return e.save()
}

func (e *Emulator) view(email string, fn func(a *account) error) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.st.accountByEmail(email)
	if a == nil {
		return fmt.Errorf("%w: %s", ErrUnknownAccount, email)
	}
	return fn(a)
}

// CreateContact adds a contact to the account of email. Memberships in p
// are honoured; without any the contact joins myContacts.
func (e *Emulator) CreateContact(email string, p *people.Person) (*people.Person, error) {
	var out *people.Person
	err := e.mutate(email, func(a *account, now time.Time) error {
		body, err := toBody(p)
		if err != nil {
			return err
		}
		if err := e.checkCapacity(a, 1); err != nil {
			return err
		}
		ct, err := e.buildContact(a, body)
		if err != nil {
			return err
		}
		e.commit(a, ct, now)
		out, err = toPerson(a.render(ct, allReadFields, false))
		return err
	})
	return out, wrap("create contact", err)
}

// UpdateContact replaces the fields of a contact (all writable fields
// present in p when fields is empty), as a person editing it on a phone:
// no etag check. p.ResourceName names the contact.
func (e *Emulator) UpdateContact(email string, p *people.Person, fields ...string) (*people.Person, error) {
	var out *people.Person
	err := e.mutate(email, func(a *account, now time.Time) error {
		ct := a.contactByName(p.ResourceName)
		if ct == nil {
			return errNotFound()
		}
		body, err := toBody(p)
		if err != nil {
			return err
		}
		if len(fields) == 0 {
			fields = writableFieldsOf(body)
		}
		body["etag"], _ = json.Marshal(ct.personETag(false))
		next, err := e.updated(a, ct, body, fields, false)
		if err != nil {
			return err
		}
		e.commit(a, next, now)
		out, err = toPerson(a.render(next, allReadFields, false))
		return err
	})
	return out, wrap("update contact", err)
}

// DeleteContact deletes a contact (it becomes a tombstone for sync).
func (e *Emulator) DeleteContact(email, resourceName string) error {
	return wrap("delete contact", e.mutate(email, func(a *account, now time.Time) error {
		ct := a.contactByName(resourceName)
		if ct == nil {
			return errNotFound()
		}
		e.deleteLocked(a, ct, now)
		return nil
	}))
}

// Contact returns one live contact with every field.
func (e *Emulator) Contact(email, resourceName string) (*people.Person, error) {
	var out *people.Person
	err := e.view(email, func(a *account) error {
		ct := a.contactByName(resourceName)
		if ct == nil {
			return errNotFound()
		}
		var err error
		out, err = toPerson(a.render(ct, allReadFields, false))
		return err
	})
	return out, wrap("get contact", err)
}

// Contacts returns the live contacts of the account, oldest change first.
func (e *Emulator) Contacts(email string) ([]*people.Person, error) {
	var out []*people.Person
	err := e.view(email, func(a *account) error {
		for _, ct := range a.sortedContacts() {
			p, err := toPerson(a.render(ct, allReadFields, false))
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	return out, wrap("list contacts", err)
}

// EnsureGroup returns the user contact group called name, creating it.
func (e *Emulator) EnsureGroup(email, name string) (*people.ContactGroup, error) {
	var out *people.ContactGroup
	err := e.mutate(email, func(a *account, now time.Time) error {
		g := a.groupByName(name)
		if g == nil {
			var err error
			if g, err = e.createGroupLocked(a, name, nil, now); err != nil {
				return err
			}
		}
		return convert(a.renderGroup(g, sortedKeys(groupFieldPaths), 0), &out)
	})
	return out, wrap("ensure group", err)
}

// Groups lists the contact groups of the account (system groups first).
func (e *Emulator) Groups(email string) ([]*people.ContactGroup, error) {
	var out []*people.ContactGroup
	err := e.view(email, func(a *account) error {
		for _, g := range a.sortedGroups() {
			var cg *people.ContactGroup
			if err := convert(a.renderGroup(g, sortedKeys(groupFieldPaths), 0), &cg); err != nil {
				return err
			}
			out = append(out, cg)
		}
		return nil
	})
	return out, wrap("list groups", err)
}

// ModifyGroupMembers adds and removes contacts of a group (resource name
// contactGroups/ID) with the API's rules: unknown contacts are skipped and a
// contact is never removed from its last group.
func (e *Emulator) ModifyGroupMembers(email, groupResourceName string, add, remove []string) error {
	return wrap("modify members", e.mutate(email, func(a *account, now time.Time) error {
		id := strings.TrimPrefix(groupResourceName, "contactGroups/")
		if len(add) > 0 {
			if err := checkAddable(a, id); err != nil {
				return err
			}
		} else if g := a.Groups[id]; g == nil || g.Deleted {
			return errNotFound()
		}
		e.modifyMembersLocked(a, id, add, remove, now)
		return nil
	}))
}

// SeedGroup ensures the group called groupName and creates each person as
// a member of it and of myContacts. It is how the demo fills "SimpleCRM".
func (e *Emulator) SeedGroup(email, groupName string, persons ...*people.Person) ([]*people.Person, error) {
	g, err := e.EnsureGroup(email, groupName)
	if err != nil {
		return nil, err
	}
	var out []*people.Person
	for _, p := range persons {
		cp := *p
		cp.Memberships = []*people.Membership{
			{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: "contactGroups/" + groupMyContacts}},
			{ContactGroupMembership: &people.ContactGroupMembership{ContactGroupResourceName: g.ResourceName}},
		}
		created, err := e.CreateContact(email, &cp)
		if err != nil {
			return out, err
		}
		out = append(out, created)
	}
	return out, nil
}

func toBody(p *people.Person) (personBody, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode person: %w", err)
	}
	return decodePerson(b)
}

func toPerson(v map[string]any) (*people.Person, error) {
	var p *people.Person
	return p, convert(v, &p)
}

func convert(v any, out any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if ae, ok := err.(*apiError); ok {
		return fmt.Errorf("googleemu: %s: %s", op, ae.Message)
	}
	return fmt.Errorf("googleemu: %s: %w", op, err)
}
