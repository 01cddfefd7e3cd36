package contactsync

import (
	"context"
	"time"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/crm"
	"simplecrm/internal/google"
)

// The engine talks to its two sides through the interfaces below, so that it
// is tested against the Google emulator and a real database with no HTTP
// handler or page in sight.

// Link ties one CRM contact to one Google contact within one Google account.
type Link struct {
	AccountID    int64
	ContactID    int64
	ResourceName string // people/c123
	ETag         string // the person's etag after our last read or write
	// BaseCRM and BaseGoogle are the views both sides held after the last
	// sync of this link: the base of the three-way merge.
	BaseCRM    View
	BaseGoogle View
	// SyncedVersion is the CRM contact's version after the last sync: a
	// contact still at this version has no CRM-side change (our own write
	// to the CRM is not echoed back to Google).
	SyncedVersion int64
	// CreatedByCRM is set when the CRM created the Google contact; trashing
	// the CRM contact then deletes it in Google instead of ungrouping it.
	CreatedByCRM bool
}

// State is an account's checkpoint, saved after every applied batch.
type State struct {
	CRMVersion    int64  // CRM changes up to this version are synchronized
	SyncToken     string // Google's nextSyncToken after the last complete listing
	GroupResource string // contactGroups/... of the account's group, once known
	// GroupName is the name GroupResource had in Google when last seen, so
	// that a group renamed in Google (followed) is told apart from a
	// group-name setting changed in the CRM (obeyed).
	GroupName string
}

// Exclusion records that a CRM contact and its Google contact were taken out
// of sync on purpose for one account (DESIGN.md §3 "Deletions"), so that
// matching, creates and imports do not bring them back by themselves.
// docs/sync.md says how a person brings them back.
type Exclusion struct {
	AccountID    int64
	ContactID    int64
	ResourceName string
	// Side is where it was decided: ExcludedInGoogle, ExcludedInCRM or
	// ExcludedTrashed.
	Side string
}

const (
	// ExcludedInGoogle: the Google contact left the group, or was deleted in
	// Google with "unlink only". A Google contact of the contact joining the
	// group brings it back.
	ExcludedInGoogle = "google"
	// ExcludedInCRM: the CRM contact went to the trash with "unlink only".
	// Restoring it brings it back.
	ExcludedInCRM = "crm"
	// ExcludedTrashed: the Google contact was deleted in Google and the CRM
	// contact went to the trash. The same Google contact coming back (Google
	// restored it, or it shows under a new resource name after a tombstone of
	// its old one) restores the CRM contact; restoring the CRM contact brings
	// it back as any restore does.
	ExcludedTrashed = "trashed"
)

// IndexedPerson is what the engine remembers of every Google contact of the
// account, in the group or not, to match CRM contacts by email and to find
// its own creates again (clientData simplecrm-id) after an ambiguous failure.
type IndexedPerson struct {
	ResourceName string
	Emails       []string // EmailKey form
	CRMID        int64    // clientData simplecrm-id, 0 if none
	InGroup      bool
}

// Store is what the engine needs of the CRM database for one account. The
// implementation scopes every contact query by organization and, when owner
// is non-zero, by owner (the account's "owned" scope).
type Store interface {
	// ContactsChangedSince returns up to limit contacts of the scope whose
	// version is above after, trashed ones included, in version order, with
	// their employments.
	ContactsChangedSince(ctx context.Context, orgID, ownerID, after int64, limit int) ([]*crm.Contact, error)
	// CountContactsChangedSince counts them all (for the run's progress).
	CountContactsChangedSince(ctx context.Context, orgID, ownerID, after int64) (int, error)
	// ContactsByEmail returns the live contacts of the scope having any of
	// the emails (personal or work, compared in EmailKey form), oldest first.
	ContactsByEmail(ctx context.Context, orgID, ownerID int64, emails []string) ([]*crm.Contact, error)
	// FindContacts returns the contacts with these ids (trashed ones too);
	// missing ids are left out.
	FindContacts(ctx context.Context, orgID int64, ids []int64) ([]*crm.Contact, error)
	// CreateLinkedContacts creates contacts imported from Google each with
	// its link, in one transaction: an import never exists without its link,
	// which a crash in between would leave to be imported again. It fills
	// each link's ContactID and SyncedVersion from its contact.
	CreateLinkedContacts(ctx context.Context, cs []*crm.Contact, links []*Link) error
	// UpdateContact has crm.ContactService semantics (ECONFLICT on a version
	// mismatch when c.Version is set).
	UpdateContact(ctx context.Context, c *crm.Contact) error
	TrashContact(ctx context.Context, orgID, id int64) error
	RestoreContact(ctx context.Context, orgID, id int64) error

	// ListLinks pages through the account's links by contact id.
	ListLinks(ctx context.Context, accountID, afterContactID int64, limit int) ([]*Link, error)
	LinksByResource(ctx context.Context, accountID int64, names []string) ([]*Link, error)
	LinksByContact(ctx context.Context, accountID int64, contactIDs []int64) ([]*Link, error)
	// SaveLinks saves links in one transaction (a batch's links are all
	// saved or none).
	SaveLinks(ctx context.Context, links ...*Link) error
	DeleteLink(ctx context.Context, accountID, contactID int64) error

	// Exclude records (or replaces) the exclusion of e.ContactID; Exclusions
	// returns those of these contacts or of these Google contacts; Unexclude
	// forgets those of these contacts.
	Exclude(ctx context.Context, e Exclusion) error
	Exclusions(ctx context.Context, accountID int64, contactIDs []int64, names []string) ([]Exclusion, error)
	Unexclude(ctx context.Context, accountID int64, contactIDs []int64) error

	IndexPeople(ctx context.Context, accountID int64, people []IndexedPerson) error
	// UnindexPeople forgets deleted Google contacts.
	UnindexPeople(ctx context.Context, accountID int64, names []string) error
	// IndexedNames pages through the indexed resource names, in order.
	IndexedNames(ctx context.Context, accountID int64, after string, limit int) ([]string, error)
	// PeopleByEmail returns indexed Google contacts having any of the emails.
	PeopleByEmail(ctx context.Context, accountID int64, emails []string) ([]IndexedPerson, error)
	// PeopleByCRMID returns indexed Google contacts carrying these CRM ids.
	PeopleByCRMID(ctx context.Context, accountID int64, contactIDs []int64) ([]IndexedPerson, error)

	LoadState(ctx context.Context, accountID int64) (State, error)
	SaveState(ctx context.Context, accountID int64, s State) error

	// FollowGroupRename sets the account's group-name setting to to, unless
	// it is no longer from (changed in the CRM meanwhile), keeping the
	// checkpoint: the account's group was renamed in Google. It reports
	// whether it changed the setting.
	FollowGroupRename(ctx context.Context, accountID int64, from, to string) (bool, error)

	// MarkGoogleAccountReconnect records that the account's authorization no
	// longer works (needed) or works again, with a user-facing message.
	MarkGoogleAccountReconnect(ctx context.Context, accountID int64, needed bool, message string) error

	// SaveRunProgress stores the run's status, phase, counters and error;
	// AddEvents appends events to it.
	SaveRunProgress(ctx context.Context, run *crm.SyncRun) error
	AddEvents(ctx context.Context, runID int64, events []crm.SyncEvent) error
}

// Google is the subset of the People API the engine uses (people-api.md §2),
// one method per API call. Implemented by package google over the official
// client.
type Google interface {
	// ListConnections lists people/me's connections: a full listing when
	// syncToken is empty, the changes since it otherwise, always asking for
	// a next sync token. An expired token is an error google.Classify
	// reports as KindExpiredSyncToken.
	ListConnections(ctx context.Context, syncToken, pageToken string) (*people.ListConnectionsResponse, error)
	// BatchGet reads people by resource name; the answer is keyed by the
	// name asked for, which may differ from the person's resourceName when
	// Google renamed it (people-api.md §4). Unknown names are left out.
	BatchGet(ctx context.Context, names []string) (map[string]*people.Person, error)
	BatchCreate(ctx context.Context, persons []*people.Person) ([]*people.Person, error)
	// BatchUpdate replaces the fields of mask in each person (keyed by
	// resource name, each with its etag) and returns the updated persons.
	BatchUpdate(ctx context.Context, persons map[string]*people.Person, mask []string) (map[string]*people.Person, error)
	BatchDelete(ctx context.Context, names []string) error
	ListGroups(ctx context.Context) ([]*people.ContactGroup, error)
	CreateGroup(ctx context.Context, name string) (*people.ContactGroup, error)
	// GetGroups reads groups by resource name (contactGroups.batchGet), which
	// also finds groups the list leaves out; unknown names are left out.
	GetGroups(ctx context.Context, names []string) ([]*people.ContactGroup, error)
	ModifyMembers(ctx context.Context, group string, add, remove []string) (*people.ModifyContactGroupMembersResponse, error)
}

// Limits of the People API (people-api.md §2).
const (
	MaxBatchMutate = 200  // batchCreate, batchUpdate, getBatchGet
	MaxBatchDelete = 500  // batchDelete
	MaxPageSize    = 1000 // connections.list
	MaxModify      = 1000 // members:modify, add + remove
)

// Options tune a run.
type Options struct {
	Phones Phones
	// Budget bounds a run's wall time, retries included; past it the run
	// ends failed-but-resumable with every checkpoint kept. 0 = 30 minutes.
	Budget time.Duration
	// Backoff is the retry policy of 429, 5xx and lost answers; zero = the
	// defaults of google.Backoff.
	Backoff google.Backoff
	// Rate spaces the calls of each account; zero = unlimited (tests).
	// Production uses DefaultRateLimit unless configured.
	Rate RateLimit
	Now  func() time.Time
}
