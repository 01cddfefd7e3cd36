package store_test

import (
	"strings"
	"sync"
	"testing"

	"simplecrm/internal/crm"
)

// One Google account (sub) belongs to one CRM user, of any organization:
// two users' syncs would write to it at the same time. The user who has it
// reconnects it freely; once disconnected, another user may connect it.
func TestGoogleAccountOneUserPerSub(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		mustKey(t, e.db, testKey)
		a := mustAccount(t, e.db, e.org.ID, e.user.ID, "555")
		bob := mustUser(t, e.db, e.org.ID, "bob@example.com", crm.RoleMember)
		for _, u := range []*crm.User{bob, e.ouser} {
			err := e.db.SaveGoogleAccount(ctx, &crm.GoogleAccount{OrgID: u.OrgID, UserID: u.ID, Sub: "555", Email: "555@gmail.com", RefreshToken: "x"})
			wantCode(t, err, crm.ECONFLICT)
			if msg := crm.ErrorMessage(err); !strings.Contains(msg, "555@gmail.com is already connected to Simple CRM by another user") ||
				strings.Contains(msg, e.user.Email) {
				t.Errorf("message %q", msg)
			}
		}
		mustAccount(t, e.db, e.org.ID, e.user.ID, "555") // a reconnect
		if err := e.db.DeleteGoogleAccount(ctx, e.org.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		mustAccount(t, e.db, e.org.ID, bob.ID, "555")

		// Two users connecting one new account at the same moment: one wins.
		carol := mustUser(t, e.db, e.org.ID, "carol@example.com", crm.RoleMember)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, u := range []*crm.User{e.user, carol} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = e.db.SaveGoogleAccount(ctx, &crm.GoogleAccount{OrgID: u.OrgID, UserID: u.ID, Sub: "777", Email: "777@gmail.com", RefreshToken: "x"})
			}()
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("both or neither connected: %v, %v", errs[0], errs[1])
		}
	})
}
