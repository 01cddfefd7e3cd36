package bench

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
	"simplecrm/internal/google"
	"simplecrm/internal/store"
)

// childResult is what the child process reports of one sync run.
type childResult struct {
	Status  string         `json:"status"`
	Error   string         `json:"error,omitempty"`
	Counts  crm.SyncCounts `json:"counts"`
	WallMS  float64        `json:"wall_ms"`
	VmHWMKB int64          `json:"vm_hwm_kb"` // peak resident set size of the child
}

// Child is the hidden "bench-child" command: one sync run of one account,
// exactly as a job worker runs it, in a process of its own so that its peak
// memory is the sync's. It prints a childResult as JSON on out. The secret
// key comes from SIMPLECRM_SECRET_KEY (getenv).
func Child(ctx context.Context, args []string, getenv func(string) string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("bench-child", flag.ContinueOnError)
	fs.SetOutput(errOut)
	dsn := fs.String("db", "", "database")
	orgID := fs.Int64("org", 0, "organization id")
	acctID := fs.Int64("account", 0, "Google account id")
	api := fs.String("emulator", "", "the emulator's base URL")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	memProfile := fs.String("memprofile", "", "write a heap profile at the end of the run to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	key, err := base64.StdEncoding.DecodeString(getenv("SIMPLECRM_SECRET_KEY"))
	if err != nil || len(key) != 32 {
		return errors.New("bench-child: SIMPLECRM_SECRET_KEY must be 32 bytes in base64")
	}
	db, err := store.Open(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.SetSecretKey(key); err != nil {
		return err
	}
	svc := db.Services()
	acct, err := svc.GoogleAccounts.FindGoogleAccount(ctx, *orgID, *acctID)
	if err != nil {
		return err
	}
	cfg := google.Config{ClientID: "bench", ClientSecret: "bench", AuthURL: *api + "/o/oauth2/v2/auth",
		TokenURL: *api + "/token", RevokeURL: *api + "/revoke", APIURL: *api + "/"}
	people, err := cfg.People(ctx, acct.RefreshToken)
	if err != nil {
		return err
	}
	rec := &crm.SyncRun{OrgID: *orgID, AccountID: acct.ID, Trigger: "bench"}
	if err := svc.SyncRuns.CreateSyncRun(ctx, rec); err != nil {
		return err
	}
	engine := contactsync.New(db, contactsync.Options{}, nil)
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	start := time.Now()
	err = engine.Run(ctx, google.NewClient(people), acct, rec, nil)
	wall := time.Since(start)
	if *cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	if *memProfile != "" {
		if err := writeHeapProfile(*memProfile); err != nil {
			return err
		}
	}
	hwm, err := vmHWM("/proc/self/status")
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(childResult{Status: rec.Status, Error: rec.Error, Counts: rec.Counts,
		WallMS: float64(wall.Microseconds()) / 1000, VmHWMKB: hwm})
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup("heap").WriteTo(f, 0)
}

// vmHWM reads the peak resident set size ("VmHWM", in kB) from a
// /proc/<pid>/status file.
func vmHWM(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("peak memory: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("peak memory: no VmHWM in %s", path)
}
