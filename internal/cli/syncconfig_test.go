package cli

import (
	"context"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
	"simplecrm/internal/google"
	"simplecrm/internal/googleemu"
	"simplecrm/internal/jobs"
	"simplecrm/internal/password"
	"simplecrm/internal/store/storetest"
)

// mustConfig parses the configuration as serve does, from env only.
func mustConfig(t *testing.T, env map[string]string) *Config {
	t.Helper()
	a := &App{Getenv: func(k string) string { return env[k] }}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg := a.configFlags(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := cfg.resolve(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestPhoneRegionConfig(t *testing.T) {
	if r := mustConfig(t, nil).Sync.Options().Phones.Region; r != "" {
		t.Errorf("default region = %q, want none", r)
	}
	if r := mustConfig(t, map[string]string{"SIMPLECRM_PHONE_REGION": "fr"}).Sync.Options().Phones.Region; r != "FR" {
		t.Errorf("region = %q, want FR", r)
	}
	for _, region := range []string{"France", "XX", "ZZ", "EU", "001"} {
		bad := &Config{Sync: &SyncConfig{PhoneRegion: region}, syncInterval: "15m"}
		if err := bad.resolve(); err == nil || !strings.Contains(err.Error(), "SIMPLECRM_PHONE_REGION") {
			t.Errorf("resolve(%s) = %v", region, err)
		}
	}
	for _, region := range []string{"us", "GB", "de", "JP", "BR"} {
		mustConfig(t, map[string]string{"SIMPLECRM_PHONE_REGION": region})
	}
}

func TestSyncBudgetConfig(t *testing.T) {
	if b := mustConfig(t, nil).Sync.Options().Budget; b != 25*time.Minute || b >= jobs.SyncTimeout {
		t.Errorf("default budget = %s, want 25m, below the job limit %s", b, jobs.SyncTimeout)
	}
	if b := mustConfig(t, map[string]string{"SIMPLECRM_SYNC_BUDGET": "10m"}).Sync.Options().Budget; b != 10*time.Minute {
		t.Errorf("budget = %s, want 10m", b)
	}
	for _, bad := range []string{"30m", "1h", "0", "soon"} {
		c := &Config{Sync: &SyncConfig{budget: bad}, syncInterval: "15m"}
		if err := c.resolve(); err == nil || !strings.Contains(err.Error(), "SIMPLECRM_SYNC_BUDGET") {
			t.Errorf("budget %q: resolve = %v", bad, err)
		}
	}
}

func TestSyncRateConfig(t *testing.T) {
	if r := mustConfig(t, nil).Sync.Options().Rate; r != contactsync.DefaultRateLimit || r.WritesPerMinute > 60 {
		t.Errorf("default rate = %+v, want the conservative default (at most 1 write/s)", r)
	}
	got := mustConfig(t, map[string]string{"SIMPLECRM_SYNC_READS_PER_MINUTE": "180", "SIMPLECRM_SYNC_WRITES_PER_MINUTE": "0"}).Sync.Options().Rate
	if got.ReadsPerMinute != 180 || got.WritesPerMinute != 0 {
		t.Errorf("rate = %+v, want 180 reads, unlimited writes", got)
	}
	for _, bad := range []string{"-1", "lots"} {
		a := &App{Getenv: func(k string) string {
			if k == "SIMPLECRM_SYNC_WRITES_PER_MINUTE" {
				return bad
			}
			return ""
		}}
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		cfg := a.configFlags(fs)
		_ = fs.Parse(nil)
		if err := cfg.resolve(); err == nil || !strings.Contains(err.Error(), "SIMPLECRM_SYNC_WRITES_PER_MINUTE") {
			t.Errorf("writes %q: resolve = %v", bad, err)
		}
	}
}

// TestProductionPhonesUseCanonicalForm runs the engine with the options serve
// builds when SIMPLECRM_PHONE_REGION is not set: Google's canonicalForm makes
// "06 12 34 56 78" in Google the CRM's "+33612345678", so matching the two
// contacts is no conflict and no write, then and on the next run.
func TestProductionPhonesUseCanonicalForm(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, "sqlite")
	if err := db.SetSecretKey([]byte(strings.Repeat("k", 32))); err != nil {
		t.Fatal(err)
	}
	svc := db.Services()
	emu := googleemu.NewTestServer(t, googleemu.Options{DefaultRegion: "FR"})
	org, err := svc.Users.EnsureOrganization(ctx, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := password.Hash("password1")
	u := &crm.User{OrgID: org.ID, Email: "ann@acme.example", Role: crm.RoleAdmin, PasswordHash: hash}
	if err := svc.Users.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	ea, err := emu.AddAccount("ann@gmail.example", "")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := emu.IssueToken("ann@gmail.example", "")
	if err != nil {
		t.Fatal(err)
	}
	acct := &crm.GoogleAccount{OrgID: org.ID, UserID: u.ID, Sub: ea.Sub, Email: "ann@gmail.example", RefreshToken: tok.RefreshToken}
	if err := svc.GoogleAccounts.SaveGoogleAccount(ctx, acct); err != nil {
		t.Fatal(err)
	}
	zoe := &crm.Contact{OrgID: org.ID, OwnerID: u.ID, FirstName: "Zoé", LastName: "Durand",
		PersonalEmail: "zoe@example.org", MobilePhone: "+33612345678"}
	if err := svc.Contacts.CreateContact(ctx, zoe); err != nil {
		t.Fatal(err)
	}
	seeded, err := emu.SeedGroup("ann@gmail.example", "SimpleCRM", &people.Person{
		Names:          []*people.Name{{GivenName: "Zoé", FamilyName: "Durand"}},
		EmailAddresses: []*people.EmailAddress{{Value: "zoe@example.org", Type: "home"}},
		PhoneNumbers:   []*people.PhoneNumber{{Value: "06 12 34 56 78", Type: "mobile"}}})
	if err != nil {
		t.Fatal(err)
	}
	if seeded[0].PhoneNumbers[0].CanonicalForm != "+33612345678" {
		t.Fatalf("emulator canonicalForm = %q", seeded[0].PhoneNumbers[0].CanonicalForm)
	}

	engine := contactsync.New(db, mustConfig(t, nil).Sync.Options(), nil)
	gcfg := google.Config{ClientID: "test", ClientSecret: "test", TokenURL: emu.URL + "/token", APIURL: emu.APIURL()}
	for i := range 2 {
		full, err := svc.GoogleAccounts.FindGoogleAccount(ctx, org.ID, acct.ID)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := gcfg.People(ctx, full.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		run := &crm.SyncRun{OrgID: org.ID, AccountID: acct.ID, Trigger: "test"}
		if err := svc.SyncRuns.CreateSyncRun(ctx, run); err != nil {
			t.Fatal(err)
		}
		if err := engine.Run(ctx, google.NewClient(ps), full, run, nil); err != nil {
			t.Fatal(err)
		}
		if run.Status != crm.RunSucceeded || run.Counts.Conflicts != 0 || run.Counts.CRMUpdated != 0 || run.Counts.GoogleUpdated != 0 {
			t.Fatalf("run %d: %s %q counts %+v, want a success with no conflict and no update", i+1, run.Status, run.Error, run.Counts)
		}
	}
	got, err := svc.Contacts.FindContact(ctx, org.ID, zoe.ID)
	if err != nil {
		t.Fatal(err)
	}
	p, err := emu.Contact("ann@gmail.example", seeded[0].ResourceName)
	if err != nil {
		t.Fatal(err)
	}
	if got.MobilePhone != "+33612345678" || p.PhoneNumbers[0].Value != "06 12 34 56 78" {
		t.Errorf("mobile: CRM %q, Google %q; want each side's own formatting kept", got.MobilePhone, p.PhoneNumbers[0].Value)
	}
}

// configErr parses the configuration from env as serve does and returns
// resolve's error.
func configErr(env map[string]string, args ...string) error {
	a := &App{Getenv: func(k string) string { return env[k] }}
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg := a.configFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	return cfg.resolve()
}

func TestGoogleConfig(t *testing.T) {
	id, secret := "SIMPLECRM_GOOGLE_CLIENT_ID", "SIMPLECRM_GOOGLE_CLIENT_SECRET"
	for _, env := range []map[string]string{nil, {id: "abc", secret: "s3cret"}} {
		if err := configErr(env); err != nil {
			t.Errorf("%v: %v", env, err)
		}
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{id: "abc"}, "SIMPLECRM_GOOGLE_CLIENT_SECRET is needed with --google-client-id / SIMPLECRM_GOOGLE_CLIENT_ID"},
		{map[string]string{secret: "s3cret"}, "--google-client-id / SIMPLECRM_GOOGLE_CLIENT_ID is needed with SIMPLECRM_GOOGLE_CLIENT_SECRET"},
		{map[string]string{id: "abc", secret: "s", "SIMPLECRM_GOOGLE_AUTH_URL": "::bad"}, "--google-auth-url / SIMPLECRM_GOOGLE_AUTH_URL"},
		{map[string]string{id: "abc", secret: "s", "SIMPLECRM_GOOGLE_TOKEN_URL": "/token"}, "SIMPLECRM_GOOGLE_TOKEN_URL"},
		{map[string]string{id: "abc", secret: "s", "SIMPLECRM_GOOGLE_REVOKE_URL": "ftp://x/revoke"}, "SIMPLECRM_GOOGLE_REVOKE_URL"},
		{map[string]string{id: "abc", secret: "s", "SIMPLECRM_GOOGLE_API_URL": "notaurl"}, "--google-api-url / SIMPLECRM_GOOGLE_API_URL"},
	} {
		if err := configErr(tc.env); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error with %q", tc.env, err, tc.want)
		}
	}
}

// TestConfigErrorNames: a configuration error names the flag and the
// variable, since the value may have come from either.
func TestConfigErrorNames(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"--sync-interval", "abc"}, `--sync-interval / SIMPLECRM_SYNC_INTERVAL "abc" must be`},
		{map[string]string{"SIMPLECRM_SYNC_INTERVAL": "abc"}, nil, `--sync-interval / SIMPLECRM_SYNC_INTERVAL "abc" must be`},
		{nil, []string{"--sync-lease", "1ms"}, `--sync-lease / SIMPLECRM_SYNC_LEASE "1ms" must be`},
		{nil, []string{"--base-url", "ftp://x"}, `--base-url / SIMPLECRM_BASE_URL "ftp://x" must be`},
		{nil, []string{"--phone-region", "France"}, `--phone-region / SIMPLECRM_PHONE_REGION "FRANCE" must be`},
		{nil, []string{"--sync-budget", "2h"}, `--sync-budget / SIMPLECRM_SYNC_BUDGET "2h" must be`},
		{map[string]string{"SIMPLECRM_SYNC_WRITES_PER_MINUTE": "x"}, nil, `--sync-writes-per-minute / SIMPLECRM_SYNC_WRITES_PER_MINUTE must be`},
	} {
		if err := configErr(tc.env, tc.args...); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%v %v: %v, want %q", tc.env, tc.args, err, tc.want)
		}
	}
	if setting("SIMPLECRM_SECRET_KEY") != "SIMPLECRM_SECRET_KEY" || setting("SIMPLECRM_DB") != "--db / SIMPLECRM_DB" {
		t.Errorf("setting: %q, %q", setting("SIMPLECRM_SECRET_KEY"), setting("SIMPLECRM_DB"))
	}
}
