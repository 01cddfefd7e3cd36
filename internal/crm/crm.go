// Package crm holds Simple CRM's domain: the types a small business works with
// (organizations, users, companies, contacts, employments), the errors the product
// speaks in, and the interfaces of the services that store them. It imports no
// database, HTTP or UI code; those live in packages named after their dependency.
package crm

import (
	"time"
)

// Role is what a user may do within an organization.
type Role string

const (
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
)

// Organization is a tenant. Every row belongs to exactly one organization and
// nothing ever crosses organizations.
type Organization struct {
	ID        int64
	Name      string
	CreatedAt time.Time
}

// User is a person who logs in. Users of one organization see all its companies
// and contacts.
type User struct {
	ID           int64
	OrgID        int64
	Email        string
	Role         Role
	PasswordHash string // never serialized; argon2id, see package password
	CreatedAt    time.Time
}

// IsAdmin reports whether the user may manage the organization's users.
func (u *User) IsAdmin() bool { return u.Role == RoleAdmin }

// Company is a business the organization works with.
type Company struct {
	ID        int64
	OrgID     int64
	Name      string
	Phone     string
	Website   string
	Address   string
	Note      string
	CreatedAt time.Time
	UpdatedAt time.Time
	// Employees is the number of contacts (not in the trash) employed by the company.
	// Filled by listings and FindCompany; ignored on writes.
	Employees int
}

// Address is a structured postal address, the shape Google and vCard use.
type Address struct {
	Street     string
	Extended   string // second line
	PostalCode string
	City       string
	Region     string
	Country    string
}

// IsZero reports whether every part of the address is empty.
func (a Address) IsZero() bool { return a == Address{} }

// Contact is a person. Its Version is a change version: it increases (per
// organization, in commit order) on every change that alters the contact's view
// on a phone, including a rename of a company it works for, so that sync and
// CardDAV can ask "what changed since version N".
type Contact struct {
	ID            int64
	OrgID         int64
	FirstName     string
	LastName      string
	HomePhone     string
	MobilePhone   string
	PersonalEmail string
	Address       Address
	Note          string
	OwnerID       int64
	OwnerEmail    string // read-only, filled from OwnerID
	Employments   []Employment
	CreatedAt     time.Time
	UpdatedAt     time.Time
	DeletedAt     *time.Time // non-nil while in the trash
	Version       int64
}

// Name is the contact's display name, "First Last", or a placeholder.
func (c *Contact) Name() string {
	switch {
	case c.FirstName != "" && c.LastName != "":
		return c.FirstName + " " + c.LastName
	case c.FirstName != "":
		return c.FirstName
	case c.LastName != "":
		return c.LastName
	case c.PersonalEmail != "":
		return c.PersonalEmail
	}
	return "(no name)"
}

// Primary returns the contact's primary employment, the one synchronized to
// phones, or nil.
func (c *Contact) Primary() *Employment {
	for i := range c.Employments {
		if c.Employments[i].Primary {
			return &c.Employments[i]
		}
	}
	return nil
}

// Employment ties a contact to a company (the seed's "Company-Contact").
// A contact has at most one primary employment.
type Employment struct {
	ID          int64
	ContactID   int64
	CompanyID   int64
	CompanyName string // on writes, used to find or create the company when CompanyID is 0
	Function    string // job title
	WorkPhone   string
	WorkMobile  string
	WorkEmail   string
	Primary     bool
}

// APIToken is a bearer token for the REST API. Only its hash is stored; the
// secret is shown once, at creation.
type APIToken struct {
	ID         int64
	OrgID      int64
	UserID     int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// TrashRetention is how long a contact stays restorable in the trash before the
// purge job deletes it for good.
const TrashRetention = 30 * 24 * time.Hour
