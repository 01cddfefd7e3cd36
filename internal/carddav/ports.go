// Package carddav serves each user's CRM contacts as one CardDAV address book
// (RFC 6352, with RFC 6578 sync-collection), so that phones (iOS, DAVx5) and
// desktop clients (Thunderbird, vdirsyncer, khard) hold them without Google.
// Clients' vCard bytes are stored and served as sent; they are parsed only to
// update the CRM's fields, with the field map of Sync Mobile (docs/carddav.md).
package carddav

import (
	"context"
	"time"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
)

// Scopes of an address book, as for a Google account: the user's own
// contacts, or every contact of the organization.
const (
	ScopeOwned = "owned"
	ScopeAll   = "all"
)

// AppPassword is a password for one CardDAV client of a user. Only the hash
// of its secret is stored; the secret is shown once, at creation.
type AppPassword struct {
	ID         int64
	UserID     int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// StoredCard is a vCard as a client sent it to a user's book.
type StoredCard struct {
	OrgID, UserID, ContactID int64
	Href                     string // resource name within the book
	UID                      string
	Data                     []byte // nil in listings
	Hash                     string
	// ContactVersion is the contact's version the bytes reflect; a contact
	// changed since is served re-serialized.
	ContactVersion int64
	// Base is the CRM's phone view when the card was stored: a business field
	// the CRM changed since goes into the card, one it did not stays the card's.
	Base contactsync.View
	// Version is the change version of the PUT that stored the card.
	Version int64
}

// Member is a contact as a book listing or a sync sees it.
type Member struct {
	ContactID int64
	Version   int64 // the contact's change version
	// Live is false for a contact in the trash or out of the book's scope: a
	// sync reports it as removed.
	Live bool
	Card *StoredCard // the client's card, without Data and Base; nil if none
}

// Store is what the CardDAV server needs of the database.
type Store interface {
	crm.ContactService

	// AppPasswordUser returns the user whose email and app password these
	// are, EUNAUTHORIZED otherwise.
	AppPasswordUser(ctx context.Context, email, secret string) (*crm.User, error)
	CreateAppPassword(ctx context.Context, userID int64, name string) (*AppPassword, string, error)
	ListAppPasswords(ctx context.Context, userID int64) ([]*AppPassword, error)
	RevokeAppPassword(ctx context.Context, userID, id int64) error

	// BookScope returns the scope of the user's book (ScopeOwned by default);
	// SetBookScope changes it.
	BookScope(ctx context.Context, userID int64) (string, error)
	SetBookScope(ctx context.Context, userID int64, scope string) error
	// ChangeVersion returns the organization's latest change version.
	ChangeVersion(ctx context.Context, orgID int64) (int64, error)
	// BookMembers returns the contacts of a user's book: with since = 0 the
	// live ones; otherwise every contact whose version, or whose card's
	// version, is above since, live or not. ownerID 0 means any owner.
	BookMembers(ctx context.Context, orgID, userID, ownerID, since int64) ([]Member, error)
	// Card returns the user's card at href, or by UID when href is "", or
	// nil when there is none.
	Card(ctx context.Context, userID int64, href, uid string) (*StoredCard, error)
	// CardsOf returns the user's cards of these contacts, by contact id.
	CardsOf(ctx context.Context, userID int64, contactIDs []int64) (map[int64]*StoredCard, error)
	// SaveCard stores c as the user's card of its contact, replacing the
	// contact's previous card and any card at the same href or with the same
	// UID, and stamps c.Version.
	SaveCard(ctx context.Context, c *StoredCard) error
	// SaveContactCard creates (c.ID == 0) or updates c and stores card as
	// its card, in one transaction; it fills card's ContactID,
	// ContactVersion, Base and Version.
	SaveContactCard(ctx context.Context, c *crm.Contact, card *StoredCard) error
	// FindContacts returns the organization's contacts with these ids.
	FindContacts(ctx context.Context, orgID int64, ids []int64) ([]*crm.Contact, error)
}
