package carddav_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"simplecrm/internal/crm"
)

// Tests with CardDAV clients nobody on the team wrote, run as subprocesses.
// They are skipped when the client is not installed, unless
// SIMPLECRM_REQUIRE_DAV_CLIENTS=1 (CI) makes them mandatory.

func lookClient(t *testing.T, name string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("SIMPLECRM_REQUIRE_DAV_CLIENTS") == "1" {
			t.Fatalf("%s is required (SIMPLECRM_REQUIRE_DAV_CLIENTS=1) but not installed", name)
		}
		t.Skipf("%s not installed", name)
	}
	return bin
}

// vdir is a vdirsyncer pair between the server and a local directory.
type vdir struct {
	t     *testing.T
	bin   string
	cfg   string
	local string // the local copy of the book
	// timeout bounds one run (3 minutes when zero); Radicale's 5k upload
	// in the benchmark takes about ten.
	timeout time.Duration
}

func newVdir(t *testing.T, e *env) *vdir {
	dir := t.TempDir()
	v := &vdir{t: t, bin: lookClient(t, "vdirsyncer"), cfg: filepath.Join(dir, "config"), local: filepath.Join(dir, "local", "default")}
	for _, d := range []string{v.local, filepath.Join(dir, "status")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg := fmt.Sprintf(`[general]
status_path = "%s/status/"

[pair contacts]
a = "contacts_local"
b = "contacts_remote"
collections = ["from a", "from b"]
conflict_resolution = "a wins"

[storage contacts_local]
type = "filesystem"
path = "%s/local/"
fileext = ".vcf"

[storage contacts_remote]
type = "carddav"
url = "%s/"
username = "%s"
password = "%s"
`, dir, dir, e.srv.URL, e.user.Email, e.password)
	if err := os.WriteFile(v.cfg, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return v
}

func (v *vdir) run(args ...string) string {
	v.t.Helper()
	timeout := v.timeout
	if timeout == 0 {
		timeout = 3 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, v.bin, append([]string{"-c", v.cfg}, args...)...)
	cmd.Stdin = nil
	out, err := cmd.CombinedOutput()
	if err != nil {
		v.t.Fatalf("vdirsyncer %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func writeLocalCards(t *testing.T, dir string, n int) {
	for i := 0; i < n; i++ {
		uid := fmt.Sprintf("card-%04d", i)
		c := card(uid, fmt.Sprintf("EMAIL;TYPE=HOME:p%d@example.com\r\nTEL;TYPE=CELL:+33 6 00 00 %04d\r\nX-CLIENT-ONLY:%d\r\n", i, i, i))
		if err := os.WriteFile(filepath.Join(dir, uid+".vcf"), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func localFiles(t *testing.T, dir string) []string {
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// assertSameBytes checks that every local card is served byte for byte.
func assertSameBytes(t *testing.T, e *env, dir string) {
	t.Helper()
	for _, name := range localFiles(t, dir) {
		want, _ := os.ReadFile(filepath.Join(dir, name))
		st, _, got := e.do("GET", e.bookPath()+name, "")
		if st != 200 || got != string(want) {
			t.Fatalf("%s: served %d\n%q\nlocal\n%q", name, st, got, want)
		}
	}
}

func count(out, s string) int { return strings.Count(out, s) }

func TestVdirsyncerTwoWay(t *testing.T) {
	e := newEnv(t, "sqlite")
	v := newVdir(t, e)
	ctx := context.Background()
	writeLocalCards(t, v.local, 1000)
	v.run("discover")
	if out := v.run("sync"); count(out, "Copying (uploading)") != 1000 {
		t.Fatalf("initial upload:\n%.2000s", out)
	}
	if out := v.run("sync"); count(out, "Copying") != 0 || count(out, "Deleting") != 0 {
		t.Fatalf("no-op sync moved items:\n%s", out)
	}
	assertSameBytes(t, e, v.local)
	if n := e.countContacts(); n != 1000 {
		t.Fatalf("CRM has %d contacts", n)
	}

	// 10 local edits go up.
	for i := 0; i < 10; i++ {
		p := filepath.Join(v.local, fmt.Sprintf("card-%04d.vcf", i))
		b, _ := os.ReadFile(p)
		os.WriteFile(p, []byte(strings.Replace(string(b), "TEL;TYPE=CELL:+33 6 00", "TEL;TYPE=CELL:+33 7 00", 1)), 0o644)
	}
	if out := v.run("sync"); count(out, "Copying (updating)") != 10 {
		t.Fatalf("local edits:\n%s", out)
	}
	// 10 CRM edits come down, re-serialized with the client's other lines kept.
	cs, _, err := e.db.ListContacts(ctx, e.user.OrgID, crm.ContactFilter{Query: "p5", Limit: 200})
	if err != nil || len(cs) < 10 {
		t.Fatalf("contacts %d %v", len(cs), err)
	}
	for _, c := range cs[:10] {
		c.LastName = "Edited"
		c.Version = 0
		if err := e.db.UpdateContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	out := v.run("sync")
	if count(out, "to contacts_local") != 10 {
		t.Fatalf("server edits:\n%s", out)
	}
	assertSameBytes(t, e, v.local)
	edited := 0
	for _, name := range localFiles(t, v.local) {
		b, _ := os.ReadFile(filepath.Join(v.local, name))
		if strings.Contains(string(b), "N:Edited;Zoe;;;") {
			edited++
			if !strings.Contains(string(b), "X-CLIENT-ONLY:") {
				t.Fatalf("client's property lost:\n%s", b)
			}
		}
	}
	if edited != 10 {
		t.Fatalf("%d local cards show the CRM edit", edited)
	}

	// A conflict: both sides change card-0100; "a wins" keeps the local one.
	p := filepath.Join(v.local, "card-0100.vcf")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, []byte(strings.Replace(string(b), "FN:Zoe Ng", "FN:Local Wins", 1)), 0o644)
	c := e.contactByEmail("p100@example.com")
	c.FirstName, c.Version = "Server", 0
	if err := e.db.UpdateContact(ctx, c); err != nil {
		t.Fatal(err)
	}
	v.run("sync")
	assertSameBytes(t, e, v.local)
	if got := e.contactByEmail("p100@example.com"); got.FirstName != "Zoe" {
		t.Fatalf("after the conflict the CRM has %q", got.FirstName)
	}

	// Deletions both ways: local files removed trash contacts, trashed
	// contacts remove local files.
	for i := 200; i < 205; i++ {
		os.Remove(filepath.Join(v.local, fmt.Sprintf("card-%04d.vcf", i)))
	}
	if out := v.run("sync"); count(out, "Deleting item") != 5 {
		t.Fatalf("local deletions:\n%s", out)
	}
	for i := 300; i < 305; i++ {
		c := e.contactByEmail(fmt.Sprintf("p%d@example.com", i))
		if err := e.db.TrashContact(ctx, e.user.OrgID, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	if out := v.run("sync"); count(out, "Deleting item") != 5 {
		t.Fatalf("server deletions:\n%s", out)
	}
	if n := len(localFiles(t, v.local)); n != 990 {
		t.Fatalf("%d local cards", n)
	}
	if n := e.countContacts(); n != 990 {
		t.Fatalf("CRM has %d live contacts", n)
	}
	if out := v.run("sync"); count(out, "Copying") != 0 || count(out, "Deleting") != 0 {
		t.Fatalf("final no-op sync moved items:\n%s", out)
	}
}

// khard edits the local copy; vdirsyncer carries its cards up, and the
// server keeps the values go-vcard would corrupt.
func TestKhardThroughVdirsyncer(t *testing.T) {
	e := newEnv(t, "sqlite")
	v := newVdir(t, e)
	khard := lookClient(t, "khard")
	v.run("discover")
	kcfg := filepath.Join(t.TempDir(), "khard.conf")
	os.WriteFile(kcfg, []byte(`[addressbooks]
[[contacts]]
path = `+v.local+`/
[general]
default_action = list
editor = true
merge_editor = true
[contact table]
show_uids = yes
[vcard]
preferred_version = 3.0
skip_unparsable = no
`), 0o600)
	kh := func(stdin string, args ...string) string {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, khard, append([]string{"-c", kcfg}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("khard %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	tmpl := "First name : Kay\nLast name : Doe\nOrganisation : Beta\nTitle : Buyer\nPhone :\n    cell : +33 6 11 22 33 44\n" +
		"Email :\n    home : kay@home.test\nCategories : [work, friends]\nNote : call; not on fridays, ever\n"
	kh(tmpl, "new", "-a", "contacts", "--vcard-version", "4.0")
	if out := v.run("sync"); count(out, "Copying (uploading)") != 1 {
		t.Fatalf("upload:\n%s", out)
	}
	assertSameBytes(t, e, v.local)
	files := localFiles(t, v.local)
	_, _, served := e.do("GET", e.bookPath()+files[0], "")
	for _, want := range []string{"CATEGORIES:work,friends", `NOTE:call\; not on fridays\, ever`} {
		if !strings.Contains(served, want) {
			t.Fatalf("served card lacks %q:\n%s", want, served)
		}
	}
	c := e.contactByEmail("kay@home.test")
	if c.FirstName != "Kay" || c.MobilePhone != "+33 6 11 22 33 44" || !strings.Contains(c.Note, "Company: Beta") {
		t.Fatalf("CRM contact %+v", c)
	}
	// khard edits the card; the edit reaches the CRM.
	in := filepath.Join(t.TempDir(), "edit.yaml")
	os.WriteFile(in, []byte(strings.Replace(tmpl, "+33 6 11 22 33 44", "+33 6 99 88 77 66", 1)), 0o600)
	kh("y\n", "edit", "-i", in, "kay")
	if out := v.run("sync"); count(out, "Copying (updating)") != 1 {
		t.Fatalf("edit upload:\n%s", out)
	}
	assertSameBytes(t, e, v.local)
	if c := e.contactByEmail("kay@home.test"); c.MobilePhone != "+33 6 99 88 77 66" {
		t.Fatalf("CRM mobile %q", c.MobilePhone)
	}
	if out := kh("", "list"); !regexp.MustCompile(`Kay\s+Doe`).MatchString(out) {
		t.Fatalf("khard list after sync:\n%s", out)
	}
}

func (e *env) countContacts() int {
	n, cursor := 0, ""
	for {
		cs, next, err := e.db.ListContacts(context.Background(), e.user.OrgID, crm.ContactFilter{Limit: crm.MaxPageSize, Cursor: cursor})
		if err != nil {
			e.t.Fatal(err)
		}
		n += len(cs)
		if next == "" {
			return n
		}
		cursor = next
	}
}

func (e *env) contactByEmail(email string) *crm.Contact {
	cs, err := e.db.ContactsByEmail(context.Background(), e.user.OrgID, 0, []string{email})
	if err != nil || len(cs) != 1 {
		e.t.Fatalf("contact %s: %d %v", email, len(cs), err)
	}
	return cs[0]
}
