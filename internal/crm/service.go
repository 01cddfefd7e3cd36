package crm

import (
	"context"
	"time"
)

// DefaultPageSize and MaxPageSize bound every listing.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// ContactFilter selects contacts for a listing. Listings are ordered by last
// name, first name, id, and paginated with an opaque cursor.
type ContactFilter struct {
	Query     string // words matched as prefixes against name, emails, phones, company names
	OwnerID   int64  // 0 = any owner
	CompanyID int64  // 0 = any; otherwise employees of this company
	Trashed   bool   // false: live contacts; true: the trash
	Limit     int    // 0 = DefaultPageSize; capped at MaxPageSize
	Cursor    string // from a previous page's next cursor; "" = first page
}

// CompanyFilter selects companies for a listing, ordered by name, id.
type CompanyFilter struct {
	Query  string // words matched as prefixes against the name
	Limit  int
	Cursor string
}

// ContactService stores contacts and their employments. Every method is scoped
// by organization: an id of another organization is ENOTFOUND.
type ContactService interface {
	// FindContact returns a contact, in the trash or not, with its employments.
	FindContact(ctx context.Context, orgID, id int64) (*Contact, error)
	// ListContacts returns one page and the cursor of the next ("" on the last).
	ListContacts(ctx context.Context, orgID int64, f ContactFilter) ([]*Contact, string, error)
	// CreateContact validates and stores c (OrgID and OwnerID set by the caller),
	// finding or creating companies named by employments, and fills ID,
	// timestamps and Version.
	CreateContact(ctx context.Context, c *Contact) error
	// UpdateContact replaces the stored fields and employments of c. When
	// c.Version is non-zero it must equal the stored version (ECONFLICT otherwise:
	// someone else changed the contact meanwhile).
	UpdateContact(ctx context.Context, c *Contact) error
	// TrashContact moves a contact to the trash; RestoreContact brings it back.
	TrashContact(ctx context.Context, orgID, id int64) error
	RestoreContact(ctx context.Context, orgID, id int64) error
	// PurgeTrash deletes for good, in every organization, the contacts trashed
	// before the given time, and returns how many.
	PurgeTrash(ctx context.Context, before time.Time) (int, error)
}

// CompanyService stores companies. Renaming or deleting a company bumps the
// change version of its employees.
type CompanyService interface {
	FindCompany(ctx context.Context, orgID, id int64) (*Company, error)
	ListCompanies(ctx context.Context, orgID int64, f CompanyFilter) ([]*Company, string, error)
	// CreateCompany stores c; a name already used in the organization is ECONFLICT.
	CreateCompany(ctx context.Context, c *Company) error
	UpdateCompany(ctx context.Context, c *Company) error
	// DeleteCompany removes the company and its employments (the contacts stay).
	DeleteCompany(ctx context.Context, orgID, id int64) error
}

// UserService stores organizations and users. Emails are unique across the
// whole installation, since they are the login.
type UserService interface {
	// EnsureOrganization returns the organization of that name (matched
	// case-insensitively after trimming), creating it.
	EnsureOrganization(ctx context.Context, name string) (*Organization, error)
	FindOrganization(ctx context.Context, id int64) (*Organization, error)
	// CreateUser stores u with its PasswordHash already set; a used email is ECONFLICT.
	CreateUser(ctx context.Context, u *User) error
	// CreateUserInOrganization does EnsureOrganization(orgName) and CreateUser
	// in one transaction, so a refused user leaves no organization behind;
	// created reports whether the organization is new.
	CreateUserInOrganization(ctx context.Context, orgName string, u *User) (org *Organization, created bool, err error)
	FindUser(ctx context.Context, orgID, id int64) (*User, error)
	// FindUserByEmail looks a user up by login, case-insensitively, in any organization.
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	ListUsers(ctx context.Context, orgID int64) ([]*User, error)
	// UpdateUser stores u's role and password hash.
	UpdateUser(ctx context.Context, u *User) error
}

// AuthService stores the credentials that stand for a user: browser sessions
// and API tokens. Only hashes of their secrets are stored.
type AuthService interface {
	// CreateSession returns the secret for a new session cookie.
	CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, error)
	// SessionUser returns the user of a live session, EUNAUTHORIZED otherwise.
	SessionUser(ctx context.Context, secret string) (*User, error)
	DeleteSession(ctx context.Context, secret string) error

	// CreateAPIToken returns the token record and its secret, shown only once.
	CreateAPIToken(ctx context.Context, userID int64, name string) (*APIToken, string, error)
	ListAPITokens(ctx context.Context, userID int64) ([]*APIToken, error)
	RevokeAPIToken(ctx context.Context, userID, id int64) error
	// TokenUser returns the user of a valid API token, EUNAUTHORIZED otherwise.
	TokenUser(ctx context.Context, secret string) (*User, error)
}

// Services bundles the stores the web UI, REST API and CLI act through.
type Services struct {
	Contacts  ContactService
	Companies CompanyService
	Users     UserService
	Auth      AuthService

	GoogleAccounts GoogleAccountService
	SyncRuns       SyncRunService
}
