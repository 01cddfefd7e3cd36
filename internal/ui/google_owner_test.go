package ui_test

import (
	"context"
	"net/http"
	"testing"
)

// Reconnecting an account checks that Google's chooser gave that account
// back: another one is refused, says which was chosen and which is needed,
// and changes nothing (no second account, the first still needs a reconnect).
func TestReconnectNeedsTheSameAccount(t *testing.T) {
	s := newSyncEnv(t)
	c := s.login(s.admin)
	c.waitEnd(s.connect(c, gmail).id())
	a := s.onlyAccount(t)
	if err := s.db.MarkGoogleAccountReconnect(context.Background(), a.ID, true, "Google revoked the access."); err != nil {
		t.Fatal(err)
	}
	p := c.post("/google/accounts/"+itoa(a.ID)+"/reconnect", nil)
	consent, params := s.chooseAccount(c, p, "someone.else@gmail.example")
	s.consent(c, consent, params, true, true).want(http.StatusBadRequest,
		"You chose someone.else@gmail.example; reconnecting needs "+gmail, "Nothing was changed", `id="try-again"`)
	if got := s.onlyAccount(t); got.ID != a.ID || !got.ReconnectNeeded || got.Sub != a.Sub {
		t.Fatalf("after a refused reconnect: %+v", got)
	}

	// The right account reconnects.
	p = c.post("/google/accounts/"+itoa(a.ID)+"/reconnect", nil)
	consent, params = s.chooseAccount(c, p, gmail)
	s.consent(c, consent, params, true, true).want(http.StatusOK, "Connected "+gmail)
	if got := s.onlyAccount(t); got.ID != a.ID || got.ReconnectNeeded {
		t.Fatalf("after the reconnect: %+v", got)
	}
}

// A Google account is synced by one CRM user only: a second user choosing
// it is refused with the reason, without learning who has it.
func TestGoogleAccountOfAnotherUser(t *testing.T) {
	s := newSyncEnv(t)
	admin := s.login(s.admin)
	admin.waitEnd(s.connect(admin, gmail).id())

	member := s.login(s.member)
	p := member.post("/google/connect", nil)
	consent, params := s.chooseAccount(member, p, gmail)
	page := s.consent(member, consent, params, true, true).want(http.StatusBadRequest,
		"The Google account "+gmail+" is already connected to Simple CRM by another user", `id="try-again"`)
	page.lacks(s.admin.Email)
	if got, err := s.sync.Accounts(context.Background(), s.member); err != nil || len(got) != 0 {
		t.Fatalf("the member's accounts: %v, %v", got, err)
	}
	if a := s.onlyAccount(t); a.ReconnectNeeded {
		t.Fatalf("the admin's account was touched: %+v", a)
	}
}
