package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/crm"
	"simplecrm/internal/googleemu"
	"simplecrm/internal/store"
)

// syncFigures is what one measured sync run cost.
type syncFigures struct {
	Wall     time.Duration
	Calls    int // People API calls
	Writes   int // of which write calls
	ByMethod map[string]int
	PeakRSS  int64         // kB, VmHWM of the child process
	InEmu    time.Duration // time the emulator took to answer, latency included
	Counts   crm.SyncCounts
}

// syncer runs syncs of one Google account of the emulator against a copy of
// a loaded CRM database, each in a child process ("bench-child").
type syncer struct {
	cfg     *Config
	dsn     string
	db      *store.DB // the copy, for the CRM-side edits between runs
	crm     *crmDB
	emu     *googleemu.Server
	acct    *crm.GoogleAccount
	key     string
	persons []*people.Person // the seeded Google contacts, in dataset order
	runs    int
}

const gmail = "owner@gmail.example"

// newSyncer copies the template database to path, starts an emulator with the
// dataset's Google contacts in the account's SimpleCRM group, and connects
// the account, as a user would have through Sync Mobile.
func newSyncer(ctx context.Context, cfg *Config, tmpl *crmDB, path string, d *dataset, latency time.Duration) (*syncer, error) {
	if err := copySQLite(ctx, tmpl.db, path); err != nil {
		return nil, err
	}
	s := &syncer{cfg: cfg, dsn: "sqlite:" + path, crm: tmpl}
	rawKey := make([]byte, 32)
	rand.Read(rawKey)
	s.key = base64.StdEncoding.EncodeToString(rawKey)
	var err error
	if s.db, err = store.Open(ctx, s.dsn); err != nil {
		return nil, err
	}
	if err := s.db.SetSecretKey(rawKey); err != nil {
		s.close()
		return nil, err
	}
	s.emu, err = googleemu.Start("127.0.0.1:0", googleemu.Options{MaxContacts: 4*d.n + 1000})
	if err != nil {
		s.close()
		return nil, err
	}
	ea, err := s.emu.AddAccount(gmail, "")
	if err != nil {
		s.close()
		return nil, err
	}
	tok, err := s.emu.IssueToken(gmail, "")
	if err != nil {
		s.close()
		return nil, err
	}
	s.acct = &crm.GoogleAccount{OrgID: tmpl.org.ID, UserID: tmpl.owner.ID, Sub: ea.Sub, Email: gmail, RefreshToken: tok.RefreshToken}
	if err := s.db.SaveGoogleAccount(ctx, s.acct); err != nil {
		s.close()
		return nil, err
	}
	if s.persons, err = s.emu.SeedGroup(gmail, "SimpleCRM", d.google...); err != nil {
		s.close()
		return nil, err
	}
	s.emu.SetLatency("", latency)
	return s, nil
}

func (s *syncer) close() {
	if s.emu != nil {
		s.emu.Close()
	}
	if s.db != nil {
		s.db.Close()
	}
}

// sync runs one sync in a child process and returns what it cost; a run that
// does not succeed is an error.
func (s *syncer) sync(ctx context.Context, name string) (*syncFigures, error) {
	s.runs++
	s.emu.ResetRequests()
	args := []string{"bench-child", "--db", s.dsn, "--org", strconv.FormatInt(s.acct.OrgID, 10),
		"--account", strconv.FormatInt(s.acct.ID, 10), "--emulator", s.emu.URL}
	if s.cfg.ProfileDir != "" && name != "" {
		base := filepath.Join(s.cfg.ProfileDir, name)
		args = append(args, "--cpuprofile", base+".cpu.pprof", "--memprofile", base+".heap.pprof")
	}
	cmd := exec.CommandContext(ctx, s.cfg.Exe, args...)
	cmd.Env = append(os.Environ(), "SIMPLECRM_SECRET_KEY="+s.key)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("sync %s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	var res childResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("sync %s: child said %q: %w", name, stdout.String(), err)
	}
	if res.Status != crm.RunSucceeded {
		return nil, fmt.Errorf("sync %s: run %s: %s", name, res.Status, res.Error)
	}
	f := &syncFigures{Wall: time.Duration(res.WallMS * float64(time.Millisecond)), PeakRSS: res.VmHWMKB,
		Counts: res.Counts, ByMethod: map[string]int{}}
	for _, e := range s.emu.Requests() {
		if strings.HasPrefix(e.Method, "people.") || strings.HasPrefix(e.Method, "contactGroups.") {
			f.InEmu += e.Duration
		}
	}
	for method, byStatus := range s.emu.RequestCounts() {
		if !strings.HasPrefix(method, "people.") && !strings.HasPrefix(method, "contactGroups.") {
			continue
		}
		for _, c := range byStatus {
			f.ByMethod[method] += c
			f.Calls += c
			if isWrite(method) {
				f.Writes += c
			}
		}
	}
	return f, nil
}

// isWrite tells the People API methods that change data.
func isWrite(method string) bool {
	m := strings.ToLower(method)
	for _, w := range []string{"create", "update", "delete", "modify"} {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}

// edit makes k changes, as people do between two syncs: half of them on CRM
// contacts (a new mobile number), the other half on Google contacts (a new
// family name, typed on a phone).
func (s *syncer) edit(ctx context.Context, k int) error {
	s.runs++
	crmEdits := (k + 1) / 2
	for i := range crmEdits {
		id := s.crm.ids[i*len(s.crm.ids)/crmEdits]
		c, err := s.db.FindContact(ctx, s.crm.org.ID, id)
		if err != nil {
			return err
		}
		c.MobilePhone = fmt.Sprintf("+33 6 %02d %02d %02d %02d", s.runs%100, i/10000%100, i/100%100, i%100)
		c.Version = 0
		if err := s.db.UpdateContact(ctx, c); err != nil {
			return err
		}
	}
	for i := range k - crmEdits {
		p := s.persons[len(s.persons)-1-i*len(s.persons)/(k-crmEdits)]
		edit := &people.Person{ResourceName: p.ResourceName, Names: []*people.Name{{
			GivenName: p.Names[0].GivenName, FamilyName: fmt.Sprintf("%s-%d", p.Names[0].FamilyName, s.runs)}}}
		if _, err := s.emu.UpdateContact(gmail, edit, "names"); err != nil {
			return err
		}
	}
	return nil
}
