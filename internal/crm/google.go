package crm

import (
	"context"
	"time"
)

// Sync scopes: which CRM contacts a Google account synchronizes.
const (
	ScopeOwned = "owned" // contacts owned by the connecting user (default)
	ScopeAll   = "all"   // every contact of the organization
)

// Deletion modes of a Google account (DESIGN.md §3, "Deletions").
const (
	DeleteTrash  = "trash"  // deletions propagate: to the trash in the CRM, deleted/ungrouped in Google
	DeleteUnlink = "unlink" // deletions only drop the link; nothing is deleted on the other side
)

// DefaultGroupName is the Google contact group that scopes a sync.
const DefaultGroupName = "SimpleCRM"

// GoogleAccount is a Google account connected by a CRM user through OAuth.
type GoogleAccount struct {
	ID     int64
	OrgID  int64
	UserID int64
	Sub    string // Google's stable account id, from the id_token
	Email  string
	// RefreshToken is the decrypted token, in memory only; the store keeps
	// it encrypted and never returns it from listings.
	RefreshToken string

	GroupName  string
	Scope      string // ScopeOwned or ScopeAll
	DeleteMode string // DeleteTrash or DeleteUnlink
	// SyncInterval overrides SIMPLECRM_SYNC_INTERVAL when non-nil; 0 = off.
	SyncInterval *time.Duration

	ReconnectNeeded bool   // the refresh token was revoked or lost the contacts scope
	LastRunID       int64  // 0 before the first run
	LastError       string // user-facing message of the last failed run
	CreatedAt       time.Time
}

// Sync run statuses (DESIGN.md §4).
const (
	RunQueued    = "queued"
	RunRunning   = "running"
	RunSucceeded = "succeeded"
	RunFailed    = "failed"
)

// PhaseQueued is the phase of a run waiting for its turn (the engine sets
// the others while it runs: "Starting", "Reading changes from Google",
// "Sending CRM changes to Google", "Done", "Stopped", and "Interrupted; will
// resume" for a run put back in the queue).
const PhaseQueued = "Waiting to start"

// Sync event kinds.
const (
	EventConflict       = "conflict"        // a field changed on both sides; Winner won
	EventDuplicateEmail = "duplicate_email" // several CRM contacts share an email; the oldest is synced
	EventSkipped        = "skipped"         // a contact could not be synchronized; message says why
	EventError          = "error"           // a failure that ended or degraded the run
	EventDeleted        = "deleted"         // a contact went to the trash or left the group
	EventGroup          = "group"           // the account's Google group was renamed, deleted or changed
)

// SyncCounts are the figures of a run's end message.
type SyncCounts struct {
	CRMCreated    int `json:"crm_created"`
	CRMUpdated    int `json:"crm_updated"`
	CRMDeleted    int `json:"crm_deleted"`
	GoogleCreated int `json:"google_created"`
	GoogleUpdated int `json:"google_updated"`
	GoogleDeleted int `json:"google_deleted"`
	Conflicts     int `json:"conflicts"`
	Duplicates    int `json:"duplicates"`
	Skipped       int `json:"skipped"`
	Errors        int `json:"errors"`
}

// SyncRun is one synchronization of one Google account.
type SyncRun struct {
	ID        int64
	OrgID     int64
	AccountID int64
	Trigger   string // "manual" (UI), "api", "periodic", "connect", "cli"
	Status    string
	Counts    SyncCounts
	// Phase and Done/Total describe progress while running.
	Phase      string
	Done       int
	Total      int
	Error      string // user-facing message when failed
	CreatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
}

// SyncEvent is something a run reports about one contact.
type SyncEvent struct {
	ID        int64
	RunID     int64
	Kind      string
	ContactID int64 // 0 when not about a CRM contact
	Message   string
	CreatedAt time.Time
}

// GoogleAccountService stores connected Google accounts. Refresh tokens are
// encrypted at rest.
type GoogleAccountService interface {
	// SaveGoogleAccount creates the account, or updates the token and identity
	// of the user's account with the same Sub (a reconnect).
	SaveGoogleAccount(ctx context.Context, a *GoogleAccount) error
	FindGoogleAccount(ctx context.Context, orgID, id int64) (*GoogleAccount, error)
	ListGoogleAccounts(ctx context.Context, orgID, userID int64) ([]*GoogleAccount, error)
	// UpdateGoogleAccountSettings stores GroupName, Scope, DeleteMode and SyncInterval.
	UpdateGoogleAccountSettings(ctx context.Context, a *GoogleAccount) error
	// DeleteGoogleAccount forgets the account, its token and its links.
	DeleteGoogleAccount(ctx context.Context, orgID, id int64) error
}

// SyncRunService stores sync runs and their events.
type SyncRunService interface {
	// CreateSyncRun stores a new run (status queued) and fills its ID.
	CreateSyncRun(ctx context.Context, run *SyncRun) error
	FindSyncRun(ctx context.Context, orgID, id int64) (*SyncRun, error)
	ListSyncRuns(ctx context.Context, orgID, accountID int64, limit int) ([]*SyncRun, error)
	ListSyncEvents(ctx context.Context, runID int64, limit int) ([]*SyncEvent, error)
	// ListSyncEventsAfter lists the events after the one with id afterID.
	ListSyncEventsAfter(ctx context.Context, runID, afterID int64, limit int) ([]*SyncEvent, error)
}
