package carddav_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestRadicaleComparison times vdirsyncer against our server and against
// Radicale (Debian's radicale) in the same run: initial upload, no-op
// re-sync, 10 edits and a fresh full download, at each size of
// SIMPLECRM_CARDDAV_BENCH (comma-separated counts, e.g. "1000,5000"). It
// takes minutes (Radicale's 5k upload alone takes about ten), so it runs only
// when that variable is set:
//
//	SIMPLECRM_CARDDAV_BENCH=1000,5000 go test -run TestRadicaleComparison -v -timeout 60m ./internal/carddav/
func TestRadicaleComparison(t *testing.T) {
	spec := os.Getenv("SIMPLECRM_CARDDAV_BENCH")
	if spec == "" {
		t.Skip("set SIMPLECRM_CARDDAV_BENCH=1000,5000 to run the Radicale comparison")
	}
	lookClient(t, "vdirsyncer")
	radicale := lookClient(t, "radicale")
	var rows []string
	for _, f := range strings.Split(spec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 10 {
			t.Fatalf("bad size %q in SIMPLECRM_CARDDAV_BENCH", f)
		}
		e := newEnv(t, "sqlite")
		ours := runPhases(t, e.srv.URL+e.bookPath(), e.user.Email, e.password, n)
		theirs := make([]time.Duration, len(phaseNames))
		if os.Getenv("SIMPLECRM_CARDDAV_BENCH_OURS_ONLY") == "" { // to profile our side quickly
			theirs = runPhases(t, startRadicale(t, radicale)+"/bench/default/", "bench", "x", n)
		}
		for i, phase := range phaseNames {
			rows = append(rows, fmt.Sprintf("| %d | %s | %.2f s | %.2f s | %.1f× |", n, phase,
				ours[i].Seconds(), theirs[i].Seconds(), theirs[i].Seconds()/ours[i].Seconds()))
		}
	}
	fmt.Println("| contacts | phase | Simple CRM | Radicale | Radicale / Simple CRM |")
	fmt.Println("|---|---|---|---|---|")
	for _, r := range rows {
		fmt.Println(r)
	}
}

var phaseNames = []string{"initial upload", "no-op re-sync", "10 edits", "fresh full download"}

// runPhases times the phases with vdirsyncer between a local directory and
// the address book at url (collections = null: both sides name the book).
func runPhases(t *testing.T, url, user, password string, n int) []time.Duration {
	up := newBenchVdir(t, url, user, password)
	writeLocalCards(t, up.local, n)
	var out []time.Duration
	timed := func(fn func()) {
		start := time.Now()
		fn()
		out = append(out, time.Since(start))
	}
	up.run("discover")
	timed(func() { expectMoves(t, up.run("sync"), "Copying (uploading)", n) })
	timed(func() { expectMoves(t, up.run("sync"), "Copying", 0) })
	for i := 0; i < 10; i++ {
		p := filepath.Join(up.local, fmt.Sprintf("card-%04d.vcf", i))
		b, _ := os.ReadFile(p)
		os.WriteFile(p, []byte(strings.Replace(string(b), "TEL;TYPE=CELL:+33 6 00", "TEL;TYPE=CELL:+33 7 00", 1)), 0o644)
	}
	timed(func() { expectMoves(t, up.run("sync"), "Copying (updating)", 10) })
	down := newBenchVdir(t, url, user, password)
	down.run("discover")
	timed(func() { expectMoves(t, down.run("sync"), "Copying (uploading)", n) })
	return out
}

func expectMoves(t *testing.T, out, what string, n int) {
	t.Helper()
	if got := strings.Count(out, what); got != n {
		t.Fatalf("%d times %q, want %d:\n%.2000s", got, what, n, out)
	}
}

func newBenchVdir(t *testing.T, url, user, password string) *vdir {
	dir := t.TempDir()
	v := &vdir{t: t, bin: lookClient(t, "vdirsyncer"), cfg: filepath.Join(dir, "config"), local: filepath.Join(dir, "local"), timeout: 30 * time.Minute}
	for _, d := range []string{v.local, filepath.Join(dir, "status")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fmt.Sprintf(`[general]
status_path = "%s/status/"

[pair contacts]
a = "contacts_remote"
b = "contacts_local"
collections = null
conflict_resolution = "b wins"

[storage contacts_local]
type = "filesystem"
path = "%s/"
fileext = ".vcf"

[storage contacts_remote]
type = "carddav"
url = "%s"
username = "%s"
password = "%s"
`, dir, v.local, url, user, password)
	if err := os.WriteFile(v.cfg, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return v
}

// startRadicale runs Radicale on a free loopback port with a temporary
// storage holding one address book, /bench/default/, and no authentication.
func startRadicale(t *testing.T, bin string) string {
	dir := t.TempDir()
	book := filepath.Join(dir, "collection-root", "bench", "default")
	if err := os.MkdirAll(book, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(book, ".Radicale.props"), []byte(`{"tag": "VADDRESSBOOK"}`), 0o644)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cfg := filepath.Join(dir, "config")
	os.WriteFile(cfg, []byte(fmt.Sprintf("[server]\nhosts = %s\n[auth]\ntype = none\n[storage]\nfilesystem_folder = %s\n[logging]\nlevel = warning\n",
		addr, filepath.Join(dir))), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--config", cfg)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	base := "http://" + addr
	for i := 0; ; i++ {
		if resp, err := http.Get(base + "/"); err == nil {
			resp.Body.Close()
			return base
		}
		if i == 100 {
			t.Fatal("radicale did not start")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
