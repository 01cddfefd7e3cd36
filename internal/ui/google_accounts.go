package ui

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"simplecrm/internal/crm"
)

// accountView is one connected account on the accounts page, with its
// settings form (as stored, or as typed when it was refused).
type accountView struct {
	*crm.GoogleAccount
	LastRun *crm.SyncRun
	Form    *form
}

// Settings form inputs. The automatic sync period is a choice (the server's
// default, off, or every N minutes) rather than one number, so that "default"
// and "off" need no magic values.
const (
	syncDefault = "default"
	syncOff     = "off"
	syncCustom  = "custom"
)

func (h *handler) listAccounts(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	return h.accountsPage(w, r, u, http.StatusOK, 0, nil)
}

// accountsPage renders the user's accounts; failed is the form of account
// failedID as the user typed it, re-shown with its errors.
func (h *handler) accountsPage(w http.ResponseWriter, r *http.Request, u *crm.User, status int, failedID int64, failed *form) error {
	accounts, err := h.sync.Accounts(r.Context(), u)
	if err != nil {
		return err
	}
	views := make([]accountView, 0, len(accounts))
	for _, a := range accounts {
		v := accountView{GoogleAccount: a, Form: newForm(encodeSettings(a))}
		if a.ID == failedID {
			v.Form = failed
		}
		if a.LastRunID != 0 {
			v.LastRun, err = h.sync.Run(r.Context(), u, a.LastRunID)
			if err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
				return err
			}
		}
		views = append(views, v)
	}
	h.render(w, r, status, "google_accounts", view{"Accounts": views})
	return nil
}

func (h *handler) saveSettings(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := h.sync.Account(r.Context(), u, id)
	if err != nil {
		return err
	}
	vals, err := parseForm(r)
	if err != nil {
		return err
	}
	f := newForm(vals)
	if decodeSettings(f, a) {
		err = h.sync.UpdateSettings(r.Context(), u, a)
		if err == nil {
			h.redirect(w, r, "/google/accounts", &flash{Message: "Settings of " + a.Email + " saved."})
			return nil
		}
		if err := f.setError(err, settingsInput); err != nil {
			return err
		}
	}
	return h.accountsPage(w, r, u, http.StatusUnprocessableEntity, id, f)
}

// encodeSettings fills the settings form from a stored account.
func encodeSettings(a *crm.GoogleAccount) url.Values {
	v := url.Values{"group_name": {a.GroupName}, "scope": {a.Scope}, "delete_mode": {a.DeleteMode},
		"sync_mode": {syncDefault}}
	if d := a.SyncInterval; d != nil && *d == 0 {
		v.Set("sync_mode", syncOff)
	} else if d != nil {
		v.Set("sync_mode", syncCustom)
		v.Set("sync_minutes", strconv.FormatInt(int64(*d/time.Minute), 10))
	}
	return v
}

// decodeSettings reads the form into a. What the service cannot judge (a
// period that is not a number) is recorded on f, and false returned.
func decodeSettings(f *form, a *crm.GoogleAccount) bool {
	a.GroupName, a.Scope, a.DeleteMode = f.Get("group_name"), f.Get("scope"), f.Get("delete_mode")
	switch f.Get("sync_mode") {
	case syncDefault:
		a.SyncInterval = nil
	case syncOff:
		off := time.Duration(0)
		a.SyncInterval = &off
	case syncCustom:
		n, err := strconv.Atoi(strings.TrimSpace(f.Get("sync_minutes")))
		if err != nil || n < 1 || n > maxSyncMinutes {
			f.Errors["sync_minutes"] = "Enter a number of minutes between 1 and " + strconv.Itoa(maxSyncMinutes) + "."
			break
		}
		d := time.Duration(n) * time.Minute
		a.SyncInterval = &d
	default:
		f.Errors["sync_mode"] = "Choose how often to sync automatically."
	}
	if len(f.Errors) > 0 {
		f.Message = "Please correct the highlighted fields."
		return false
	}
	return true
}

// maxSyncMinutes is a week: anything longer is better served by "off".
const maxSyncMinutes = 7 * 24 * 60

// settingsInput maps the service's field names to the form's inputs.
func settingsInput(key string) string {
	if key == "sync_interval" {
		return "sync_minutes"
	}
	return key
}

// SyncPeriod describes the automatic sync setting in words.
func (v accountView) SyncPeriod() string {
	switch d := v.SyncInterval; {
	case d == nil:
		return "Default (the server's setting)"
	case *d == 0:
		return "Off"
	case *d%time.Hour == 0:
		return fmt.Sprintf("Every %d h", *d/time.Hour)
	default:
		return fmt.Sprintf("Every %d min", *d/time.Minute)
	}
}
