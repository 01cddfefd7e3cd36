// Package syncmobile is Sync Mobile as a user sees it: connect a Google
// account through OAuth, sync it now or on a schedule, follow runs, change
// settings, disconnect. It ties the OAuth adapter (package google), the job
// queue and the sync engine (package contactsync) together for the web UI,
// the REST API and the CLI.
package syncmobile

import (
	"context"
	"fmt"
	"log/slog"

	"golang.org/x/oauth2"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
	"simplecrm/internal/google"
	"simplecrm/internal/store"
)

// Enqueuer queues sync runs, one at a time per account (package jobs).
type Enqueuer interface {
	EnqueueSync(ctx context.Context, orgID, accountID int64, trigger string) (int64, error)
}

// Service is Sync Mobile. Accounts belong to the user who connected them:
// another user, even of the same organization, gets ENOTFOUND.
type Service struct {
	db     *store.DB
	google google.Config
	engine *contactsync.Engine
	queue  Enqueuer
	log    *slog.Logger
}

// New returns the service. SetQueue must be called before syncs are started:
// the queue's workers call RunSync, so the two are built one after the other.
func New(db *store.DB, cfg google.Config, engine *contactsync.Engine, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, google: cfg, engine: engine, log: log}
}

// SetQueue sets the queue syncs are started through.
func (s *Service) SetQueue(q Enqueuer) { s.queue = q }

// Configured reports whether an OAuth client is set up; without one, connect
// explains what to configure.
func (s *Service) Configured() bool { return s.google.ClientID != "" }

var errNotConfigured = crm.Errorf(crm.EINVALID,
	"Google sync is not set up on this server: set SIMPLECRM_GOOGLE_CLIENT_ID and SIMPLECRM_GOOGLE_CLIENT_SECRET (see README), or try it with `simplecrm demo`.")

// StartConnect begins connecting a Google account for u (or reconnecting
// account accountID) and returns Google's authorization URL: the account
// chooser, then consent. returnTo is a local path to come back to.
func (s *Service) StartConnect(ctx context.Context, u *crm.User, accountID int64, returnTo string) (string, error) {
	if !s.Configured() {
		return "", errNotConfigured
	}
	if accountID != 0 {
		if _, err := s.Account(ctx, u, accountID); err != nil {
			return "", err
		}
	}
	verifier := oauth2.GenerateVerifier()
	state, err := s.db.CreateOAuthState(ctx, store.OAuthState{UserID: u.ID, Verifier: verifier, AccountID: accountID, ReturnTo: returnTo})
	if err != nil {
		return "", err
	}
	// Consent every time: Google issues a refresh token only with it.
	return s.google.AuthCodeURL(state, verifier, true), nil
}

// Connected is the outcome of a finished connect.
type Connected struct {
	Account  *crm.GoogleAccount
	RunID    int64  // the first sync, already queued
	ReturnTo string // where the user started from
}

// FinishConnect completes the OAuth callback for u: it checks the state
// (single use, bound to u; another user's is refused without using it up, so
// that its owner can still finish), exchanges the code with the PKCE
// verifier, stores the account with its encrypted refresh token and queues a
// first sync.
// googleError is the callback's error parameter, if any.
func (s *Service) FinishConnect(ctx context.Context, u *crm.User, state, code, googleError string) (*Connected, error) {
	if state == "" {
		return nil, crm.Errorf(crm.EUNAUTHORIZED, "The Google sign-in answer has no state. Start again from Sync Mobile.")
	}
	st, err := s.db.TakeOAuthState(ctx, state, u.ID)
	if err != nil {
		return nil, err
	}
	switch {
	case googleError == "access_denied":
		return nil, crm.Errorf(crm.EFORBIDDEN, "You cancelled on Google's page: no account was connected.")
	case googleError != "":
		return nil, crm.Errorf(crm.EFORBIDDEN, "Google refused the connection (%s). Try again.", googleError)
	case code == "":
		return nil, crm.Errorf(crm.EINVALID, "The Google sign-in answer has no code. Start again from Sync Mobile.")
	}
	grant, err := s.google.Exchange(ctx, code, st.Verifier)
	if err != nil {
		s.log.Warn("google code exchange failed", "user", u.ID, "err", err)
		return nil, crm.Errorf(crm.EFORBIDDEN, "Google did not accept the sign-in. Start again from Sync Mobile.")
	}
	if !grant.HasContactsScope() {
		return nil, crm.Errorf(crm.EFORBIDDEN, "Simple CRM needs access to your Google contacts: connect again and tick the contacts permission.")
	}
	if grant.Token.RefreshToken == "" {
		return nil, crm.Errorf(crm.EFORBIDDEN, "Google sent no offline access. Remove Simple CRM from your Google account's third-party access, then connect again.")
	}
	if err := s.checkReconnect(ctx, u, st.AccountID, grant.Identity); err != nil {
		return nil, err
	}
	a := &crm.GoogleAccount{OrgID: u.OrgID, UserID: u.ID, Sub: grant.Identity.Sub, Email: grant.Identity.Email,
		RefreshToken: grant.Token.RefreshToken}
	if err := s.db.SaveGoogleAccount(ctx, a); err != nil {
		return nil, err
	}
	runID, err := s.SyncNow(ctx, u, a.ID, "connect")
	if err != nil {
		return nil, err
	}
	return &Connected{Account: a, RunID: runID, ReturnTo: st.ReturnTo}, nil
}

// checkReconnect refuses a reconnect of account id (0: a new connection)
// where the user chose another Google account in Google's chooser: saving it
// would silently add a second account and leave the first one broken.
// Nothing is changed; the token just granted for the other account is left
// alone (revoking it could end that account's own connection).
func (s *Service) checkReconnect(ctx context.Context, u *crm.User, id int64, chosen google.Identity) error {
	if id == 0 {
		return nil
	}
	a, err := s.Account(ctx, u, id)
	if err != nil {
		return err
	}
	if a.Sub != chosen.Sub {
		return crm.Errorf(crm.ECONFLICT, "You chose %s; reconnecting needs %s. Nothing was changed: reconnect again and choose %s in Google's account chooser.",
			chosen.Email, a.Email, a.Email)
	}
	return nil
}

// Account returns one of u's accounts (without its token).
func (s *Service) Account(ctx context.Context, u *crm.User, id int64) (*crm.GoogleAccount, error) {
	a, err := s.db.FindGoogleAccount(ctx, u.OrgID, id)
	if err != nil {
		return nil, err
	}
	if a.UserID != u.ID {
		return nil, crm.NotFound("Google account")
	}
	a.RefreshToken = ""
	return a, nil
}

// Accounts lists u's accounts.
func (s *Service) Accounts(ctx context.Context, u *crm.User) ([]*crm.GoogleAccount, error) {
	return s.db.ListGoogleAccounts(ctx, u.OrgID, u.ID)
}

// UpdateSettings stores an account's settings (group name, scope, deletion
// mode, sync period).
func (s *Service) UpdateSettings(ctx context.Context, u *crm.User, a *crm.GoogleAccount) error {
	if _, err := s.Account(ctx, u, a.ID); err != nil {
		return err
	}
	a.OrgID = u.OrgID
	return s.db.UpdateGoogleAccountSettings(ctx, a)
}

// Disconnect revokes the account's token at Google and forgets the account
// and its links. The contacts stay on both sides.
func (s *Service) Disconnect(ctx context.Context, u *crm.User, id int64) error {
	if _, err := s.Account(ctx, u, id); err != nil {
		return err
	}
	a, err := s.db.FindGoogleAccount(ctx, u.OrgID, id)
	if err != nil {
		return err
	}
	if err := s.google.Revoke(ctx, a.RefreshToken); err != nil {
		// The token is deleted anyway; Google drops unused tokens in time.
		s.log.Warn("revoking google token failed", "account", id, "err", err)
	}
	return s.db.DeleteGoogleAccount(ctx, u.OrgID, id)
}

// SyncNow queues a sync of one of u's accounts and returns its run (the one
// already queued or running, if any).
func (s *Service) SyncNow(ctx context.Context, u *crm.User, id int64, trigger string) (int64, error) {
	a, err := s.Account(ctx, u, id)
	if err != nil {
		return 0, err
	}
	if a.ReconnectNeeded && trigger != "connect" {
		return 0, crm.Errorf(crm.ECONFLICT, "Reconnect %s first: Google no longer accepts its authorization.", a.Email)
	}
	if s.queue == nil {
		return 0, fmt.Errorf("sync now: no job queue")
	}
	return s.queue.EnqueueSync(ctx, u.OrgID, id, trigger)
}

// Run returns one of u's runs.
func (s *Service) Run(ctx context.Context, u *crm.User, id int64) (*crm.SyncRun, error) {
	run, err := s.db.FindSyncRun(ctx, u.OrgID, id)
	if err != nil {
		return nil, err
	}
	if _, err := s.Account(ctx, u, run.AccountID); err != nil {
		return nil, crm.NotFound("sync run")
	}
	return run, nil
}

// RunSync is the job: it synchronizes the account and records the outcome in
// the run. It returns an error only when the run should be tried again.
func (s *Service) RunSync(ctx context.Context, accountID, runID int64) error {
	a, err := s.db.GoogleAccountForSync(ctx, accountID)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return nil // disconnected meanwhile
	}
	if err != nil {
		return err
	}
	run, err := s.db.FindSyncRun(ctx, a.OrgID, runID)
	if err != nil {
		return err
	}
	svc, err := s.google.People(ctx, a.RefreshToken)
	if err != nil {
		return err
	}
	return s.engine.Run(ctx, google.NewClient(svc), a, run, nil)
}
