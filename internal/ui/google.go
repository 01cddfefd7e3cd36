package ui

import (
	"net/http"
	"net/url"
	"strconv"

	"simplecrm/internal/crm"
)

// Sync Mobile: connecting Google accounts (this file), their settings
// (google_accounts.go), and runs with their progress and history
// (google_runs.go). Everything goes through syncmobile.Service, which checks
// that accounts and runs belong to the user.

func (h *handler) googleRoutes(mux router) {
	mux.Handle("POST /google/connect", h.syncPage(h.connect))
	mux.Handle("GET /google/callback", h.syncPage(h.callback))
	mux.Handle("GET /google/accounts", h.syncPage(h.listAccounts))
	mux.Handle("POST /google/accounts/{id}/sync", h.syncPage(h.syncAccount))
	mux.Handle("POST /google/accounts/{id}/settings", h.syncPage(h.saveSettings))
	mux.Handle("POST /google/accounts/{id}/disconnect", h.syncPage(h.disconnect))
	mux.Handle("POST /google/accounts/{id}/reconnect", h.syncPage(h.reconnect))
	mux.Handle("GET /google/accounts/{id}/history", h.syncPage(h.accountHistory))
	mux.Handle("GET /google/history", h.syncPage(h.history))
	mux.Handle("GET /google/runs/{id}", h.syncPage(h.showRun))
	mux.Handle("GET /google/runs/{id}/events", h.syncPage(h.runEvents))
}

// syncPage is authed for Sync Mobile pages: without a Sync service (a server
// or a test without Google), they explain that instead of failing.
func (h *handler) syncPage(fn pageFunc) http.Handler {
	return h.authed(func(w http.ResponseWriter, r *http.Request, u *crm.User) error {
		if h.sync == nil {
			h.render(w, r, http.StatusNotFound, "google_error", view{
				"Title":   "Sync Mobile is not available",
				"Message": "This server is not set up to synchronize with Google Contacts.",
			})
			return nil
		}
		return fn(w, r, u)
	})
}

// connect answers the "Sync Mobile" button: connect a first account, sync the
// only one, or let the user choose among several. The form field "new" (the
// "Add a Google account" button) always connects another account.
func (h *handler) connect(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	vals, err := parseForm(r)
	if err != nil {
		return err
	}
	returnTo := localPath(vals.Get("return_to"))
	if vals.Get("new") == "" {
		accounts, err := h.sync.Accounts(r.Context(), u)
		if err != nil {
			return err
		}
		switch {
		case len(accounts) == 1 && !accounts[0].ReconnectNeeded:
			return h.startSync(w, r, u, accounts[0].ID, returnTo)
		case len(accounts) > 0:
			// Several accounts, or one that needs reconnecting: the accounts
			// page says which and offers the buttons.
			h.redirect(w, r, "/google/accounts", nil)
			return nil
		}
	}
	return h.toGoogle(w, r, u, 0, returnTo)
}

// reconnect sends the user to Google again for an account whose
// authorization was revoked.
func (h *handler) reconnect(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return h.toGoogle(w, r, u, id, "/google/accounts")
}

// toGoogle starts the OAuth flow and redirects to Google's account chooser.
func (h *handler) toGoogle(w http.ResponseWriter, r *http.Request, u *crm.User, accountID int64, returnTo string) error {
	authURL, err := h.sync.StartConnect(r.Context(), u, accountID, returnTo)
	if err != nil {
		return h.connectFailed(w, r, err)
	}
	http.Redirect(w, r, authURL, http.StatusSeeOther)
	return nil
}

// callback is where Google sends the browser back. Every refusal (cancelled,
// expired, reused or foreign state, contacts permission unticked) is a page
// that says what happened and offers to try again.
func (h *handler) callback(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	q := r.URL.Query()
	done, err := h.sync.FinishConnect(r.Context(), u, q.Get("state"), q.Get("code"), q.Get("error"))
	if err != nil {
		return h.connectFailed(w, r, err)
	}
	h.log.Info("ui: google account connected", "user_id", u.ID, "account_id", done.Account.ID)
	h.redirect(w, r, runURL(done.RunID, done.ReturnTo),
		&flash{Message: "Connected " + done.Account.Email + ". The first sync has started."})
	return nil
}

// connectFailed renders the connect error page. Messages of crm errors are
// meant for users; anything else is logged and shown generically.
func (h *handler) connectFailed(w http.ResponseWriter, r *http.Request, err error) error {
	status, msg := http.StatusBadRequest, crm.ErrorMessage(err)
	switch crm.ErrorCode(err) {
	case crm.EINVALID, crm.EFORBIDDEN, crm.EUNAUTHORIZED, crm.ECONFLICT:
	case crm.ENOTFOUND:
		return err
	default:
		h.log.Error("ui: google connect", "path", r.URL.Path, "err", err)
		status, msg = http.StatusBadGateway, "Connecting to Google failed. Please try again in a moment."
	}
	h.render(w, r, status, "google_error", view{"Title": "Google account not connected", "Message": msg, "Retry": true})
	return nil
}

// startSync queues a sync of the account and shows its run page. A refusal
// the user can act on (reconnect needed) goes back to the accounts page.
func (h *handler) startSync(w http.ResponseWriter, r *http.Request, u *crm.User, id int64, returnTo string) error {
	runID, err := h.sync.SyncNow(r.Context(), u, id, "manual")
	switch crm.ErrorCode(err) {
	case "":
		h.redirect(w, r, runURL(runID, returnTo), nil)
		return nil
	case crm.ECONFLICT, crm.EINVALID:
		h.redirect(w, r, "/google/accounts", &flash{Message: crm.ErrorMessage(err), Error: true})
		return nil
	}
	return err
}

func (h *handler) syncAccount(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return h.startSync(w, r, u, id, "/google/accounts")
}

func (h *handler) disconnect(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := h.sync.Account(r.Context(), u, id)
	if err != nil {
		return err
	}
	if err := h.sync.Disconnect(r.Context(), u, id); err != nil {
		return err
	}
	h.redirect(w, r, "/google/accounts", &flash{Message: "Disconnected " + a.Email +
		". Its contacts stay in Simple CRM and in Google."})
	return nil
}

// runURL is a run's page; back, a local path, is where its "Back" link goes.
func runURL(id int64, back string) string {
	u := "/google/runs/" + strconv.FormatInt(id, 10)
	if back = localPath(back); back != "" {
		u += "?back=" + url.QueryEscape(back)
	}
	return u
}

// originOf returns the scheme://host of rawURL, "" when it has none.
func originOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}
