package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"simplecrm/internal/crm"
	"simplecrm/internal/store"
	"simplecrm/internal/store/storetest"
)

func TestOAuthStates(t *testing.T) {
	for _, engine := range storetest.Engines() {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, engine)
			svc := db.Services()
			org, _ := svc.Users.EnsureOrganization(ctx, "Acme")
			var users []*crm.User
			for _, e := range []string{"ann@acme.example", "bob@acme.example"} {
				u := &crm.User{OrgID: org.ID, Email: e, Role: crm.RoleMember, PasswordHash: "x"}
				if err := svc.Users.CreateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
				users = append(users, u)
			}
			ann, bob := users[0], users[1]
			state, err := db.CreateOAuthState(ctx, store.OAuthState{UserID: ann.ID, Verifier: "v1", ReturnTo: "/contacts"})
			if err != nil {
				t.Fatal(err)
			}
			// Another user's attempt is refused as such, and leaves the
			// state to its owner.
			_, err = db.TakeOAuthState(ctx, state, bob.ID)
			if crm.ErrorCode(err) != crm.EFORBIDDEN || !strings.Contains(crm.ErrorMessage(err), "started by another Simple CRM user") {
				t.Fatalf("foreign state: err = %v, want forbidden, started by another user", err)
			}
			if st, err := db.TakeOAuthState(ctx, state, ann.ID); err != nil || st.Verifier != "v1" || st.ReturnTo != "/contacts" {
				t.Fatalf("the owner after a foreign attempt: %+v, %v", st, err)
			}
			if _, err := db.TakeOAuthState(ctx, state, bob.ID); crm.ErrorCode(err) != crm.EUNAUTHORIZED {
				t.Fatalf("a used state, foreign: err = %v, want unauthorized", err)
			}
			state, _ = db.CreateOAuthState(ctx, store.OAuthState{UserID: ann.ID, Verifier: "v2", AccountID: 7})
			st, err := db.TakeOAuthState(ctx, state, ann.ID)
			if err != nil || st.Verifier != "v2" || st.AccountID != 7 {
				t.Fatalf("take = %+v, %v", st, err)
			}
			if _, err := db.TakeOAuthState(ctx, state, ann.ID); crm.ErrorCode(err) != crm.EUNAUTHORIZED {
				t.Fatalf("reused state: err = %v", err)
			}
			if _, err := db.TakeOAuthState(ctx, "st_made-up", ann.ID); crm.ErrorCode(err) != crm.EUNAUTHORIZED {
				t.Fatalf("unknown state: err = %v", err)
			}
			store.SetClock(db, func() time.Time { return time.Now().Add(-time.Hour) })
			state, _ = db.CreateOAuthState(ctx, store.OAuthState{UserID: ann.ID, Verifier: "v3"})
			store.SetClock(db, time.Now)
			if _, err := db.TakeOAuthState(ctx, state, bob.ID); crm.ErrorCode(err) != crm.EUNAUTHORIZED {
				t.Fatalf("expired state, foreign: err = %v", err)
			}
			if _, err := db.TakeOAuthState(ctx, state, ann.ID); crm.ErrorCode(err) != crm.EUNAUTHORIZED {
				t.Fatalf("expired state: err = %v", err)
			}
		})
	}
}
