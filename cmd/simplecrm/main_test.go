package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"simplecrm/internal/pgtest"
)

// The tests in this file run the real binary, as an operator would.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func mustBuild(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "simplecrm-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "simplecrm")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// mustRun runs the binary to completion and returns its stdout.
func mustRun(t *testing.T, env []string, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(mustBuild(t), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("simplecrm %s: %v\nstderr: %s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

var listenRe = regexp.MustCompile(`msg="simplecrm listening" addr=(\S+)`)

// mustServe starts `simplecrm serve` on a free port and returns its base URL;
// the process gets SIGTERM at cleanup and must exit cleanly.
func mustServe(t *testing.T, env []string) string {
	t.Helper()
	return mustServeAt(t, env, "127.0.0.1:0")
}

// mustServeAt starts `simplecrm serve` listening on addr.
func mustServeAt(t *testing.T, env []string, addr string) string {
	t.Helper()
	cmd := exec.Command(mustBuild(t), "serve", "--addr", addr)
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	listening := make(chan string, 1)
	var logs bytes.Buffer
	var logsMu sync.Mutex
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logsMu.Lock()
			logs.WriteString(sc.Text() + "\n")
			logsMu.Unlock()
			if m := listenRe.FindStringSubmatch(sc.Text()); m != nil {
				listening <- m[1]
			}
		}
	}()
	done := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
			if err := waitErr; err != nil {
				logsMu.Lock()
				t.Errorf("serve did not exit cleanly on SIGTERM: %v\n%s", err, logs.String())
				logsMu.Unlock()
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Error("serve did not stop within 20s of SIGTERM")
		}
	})
	select {
	case a := <-listening:
		return "http://" + a
	case <-done:
		logsMu.Lock()
		defer logsMu.Unlock()
		t.Fatalf("serve exited early: %v\n%s", waitErr, logs.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not start listening within 30s")
	}
	return ""
}

// TestOperatorJourney is the "done when" of the CRM core: through the real
// binary, add a user, create a token, use the REST API for companies and
// contacts (create, read, update, trash, restore, delete a company), and see
// the data in the UI.
func TestOperatorJourney(t *testing.T) {
	engines := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "crm.db") },
		"postgres": func(t *testing.T) string { return pgtest.Start(t) },
	}
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			env := []string{"SIMPLECRM_DB=" + engines[name](t), "SIMPLECRM_SECRET_KEY=" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))}
			out := mustRun(t, env, "", "migrate")
			if !strings.Contains(out, "schema version") {
				t.Fatalf("migrate printed %q", out)
			}
			mustRun(t, env, "s3cret-passw0rd\n", "user", "add", "--org", "Acme", "--email", "ann@acme.example", "--admin")
			token := strings.TrimSpace(mustRun(t, env, "", "token", "create", "--email", "ann@acme.example"))
			if !strings.HasPrefix(token, "scrm_") || strings.Contains(token, "\n") {
				t.Fatalf("token create printed %q", token)
			}
			base := mustServe(t, env)
			c := apiClient{t: t, base: base, token: token}

			var co map[string]any
			c.do("POST", "/api/v1/companies", `{"name":"Blue Bakery","website":"bluebakery.example"}`, 201, &co)
			var ct map[string]any
			c.do("POST", "/api/v1/contacts", `{"first_name":"Zoé","last_name":"Durand","personal_email":"zoe@example.org",
				"employments":[{"company_name":"Blue Bakery","function":"Baker","work_email":"zoe@bluebakery.example"}]}`, 201, &ct)
			id := fmt.Sprint(ct["id"])
			c.do("PATCH", "/api/v1/contacts/"+id, `{"mobile_phone":"+33 6 12 34 56 78"}`, 200, &ct)
			if ct["mobile_phone"] != "+33 6 12 34 56 78" || ct["first_name"] != "Zoé" {
				t.Fatalf("patched contact = %v", ct)
			}
			c.do("PATCH", "/api/v1/companies/"+fmt.Sprint(co["id"]), `{"name":"Blue Bakery & Co"}`, 200, &co)
			c.do("GET", "/api/v1/contacts/"+id, "", 200, &ct)
			if emp := ct["employments"].([]any)[0].(map[string]any); emp["company_name"] != "Blue Bakery & Co" || emp["primary"] != true {
				t.Fatalf("employment after company rename = %v", emp)
			}
			var list struct{ Items []map[string]any }
			c.do("GET", "/api/v1/contacts?q=bakery", "", 200, &list)
			if len(list.Items) != 1 {
				t.Fatalf("search by company name found %d contacts", len(list.Items))
			}
			c.do("DELETE", "/api/v1/contacts/"+id, "", 204, nil)
			c.do("GET", "/api/v1/contacts/"+id, "", 200, &ct)
			if ct["deleted_at"] == nil {
				t.Fatal("deleted contact has no deleted_at")
			}
			c.do("POST", "/api/v1/contacts/"+id+"/restore", "", 200, &ct)
			if ct["deleted_at"] != nil {
				t.Fatal("restored contact still has deleted_at")
			}
			c.do("GET", "/api/v1/contacts/999999", "", 404, nil)
			c.do("POST", "/api/v1/contacts", `{"personal_email":"not-an-email"}`, 422, nil)

			page := html.UnescapeString(mustLoginAndGet(t, base, "ann@acme.example", "s3cret-passw0rd", "/contacts/"+id))
			for _, want := range []string{"Zoé", "Durand", "Blue Bakery & Co", "+33 6 12 34 56 78"} {
				if !strings.Contains(page, want) {
					t.Errorf("contact page lacks %q", want)
				}
			}
			deleteCompany(t, c, base, fmt.Sprint(co["id"]), id)
			for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
				resp, err := http.Get(base + path)
				if err != nil || resp.StatusCode != 200 {
					t.Fatalf("GET %s: %v %v", path, err, resp)
				}
				resp.Body.Close()
			}
		})
	}
}

// deleteCompany checks the UI's companies list, then deletes the company
// (Zoé's primary employer) through the API: it leaves the API and the UI,
// and Zoé stays, with her other employment now primary.
func deleteCompany(t *testing.T, c apiClient, base, companyID, contactID string) {
	t.Helper()
	c.do("POST", "/api/v1/companies", `{"name":"Flour Mill"}`, 201, nil)
	var ct map[string]any
	c.do("PATCH", "/api/v1/contacts/"+contactID, fmt.Sprintf(`{"employments":[{"company_id":%s,"function":"Baker","primary":true},
		{"company_name":"Flour Mill","function":"Adviser"}]}`, companyID), 200, &ct)
	before := ct["updated_at"]
	list := html.UnescapeString(mustLoginAndGet(t, base, "ann@acme.example", "s3cret-passw0rd", "/companies"))
	for _, want := range []string{"Blue Bakery & Co", "Flour Mill"} {
		if !strings.Contains(list, want) {
			t.Errorf("companies page lacks %q", want)
		}
	}

	c.do("DELETE", "/api/v1/companies/"+companyID, "", 204, nil)
	c.do("GET", "/api/v1/companies/"+companyID, "", 404, nil)
	c.do("DELETE", "/api/v1/companies/"+companyID, "", 404, nil)
	list = html.UnescapeString(mustLoginAndGet(t, base, "ann@acme.example", "s3cret-passw0rd", "/companies"))
	if strings.Contains(list, "Blue Bakery") || !strings.Contains(list, "Flour Mill") {
		t.Errorf("companies page after the delete shows Blue Bakery, or lost Flour Mill")
	}
	c.do("GET", "/api/v1/contacts/"+contactID, "", 200, &ct)
	emps := ct["employments"].([]any)
	if len(emps) != 1 || emps[0].(map[string]any)["company_name"] != "Flour Mill" || emps[0].(map[string]any)["primary"] != true ||
		ct["deleted_at"] != nil || ct["updated_at"] == before {
		t.Errorf("employee after her primary company was deleted: %v (updated_at was %v)", ct, before)
	}
}

type apiClient struct {
	t     *testing.T
	base  string
	token string
}

func (c apiClient) do(method, path, body string, want int, out any) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s = %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
}

func mustLoginAndGet(t *testing.T, base, email, pw, path string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.PostForm(base+"/login", url.Values{"email": {email}, "password": {pw}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = client.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || strings.Contains(resp.Request.URL.Path, "/login") {
		t.Fatalf("GET %s after login: %d at %s", path, resp.StatusCode, resp.Request.URL)
	}
	return string(b)
}

// TestErrorsAreOneLine checks the CLI contract: a non-zero exit status and
// exactly one line on stderr, which says what to fix and nothing of the
// database driver's internals.
func TestErrorsAreOneLine(t *testing.T) {
	db := "SIMPLECRM_DB=sqlite:" + filepath.Join(t.TempDir(), "crm.db")
	mustRun(t, []string{db}, "long-enough\n", "user", "add", "--org", "A", "--email", "dup@b.example")
	userAdd := []string{"user", "add", "--org", "Other", "--email", "new@b.example"}
	for _, tc := range []struct {
		name  string
		env   []string
		stdin string
		args  []string
		want  string
		lacks []string
	}{
		{"no command", nil, "", nil, `no command given; run "simplecrm help"`, nil},
		{"unknown command", nil, "", []string{"bogus"}, `unknown command "bogus"; run "simplecrm help"`, nil},
		{"help with an argument", nil, "", []string{"help", "bogus"}, `help: unexpected argument "bogus"; run "simplecrm help"`, nil},
		{"group without subcommand", nil, "", []string{"user"}, "usage: simplecrm user add --org NAME", nil},
		{"bad flag", []string{db}, "", []string{"user", "add", "--bogus"}, `user add: flag provided but not defined: -bogus; run "simplecrm user add -h"`, nil},
		{"bad flag value", []string{db}, "", []string{"google-emulator", "--addr"}, "google-emulator: flag needs an argument: -addr", nil},
		{"missing required flag", []string{db}, "long-enough\n", []string{"user", "add", "--email", "a@b.example"}, "--org NAME", nil},
		{"extra argument", []string{db}, "", []string{"migrate", "extra-arg"}, `migrate: unexpected argument "extra-arg"`, nil},
		{"extra argument after flags", []string{db}, "", []string{"token", "create", "--email", "dup@b.example", "oops"}, `unexpected argument "oops"`, nil},
		{"bad database", []string{"SIMPLECRM_DB=mysql://x"}, "", []string{"migrate"}, "SIMPLECRM_DB", nil},
		{"password in database URL", []string{"SIMPLECRM_DB=postgres://ann:hunter2@127.0.0.1:1/x"}, "", []string{"migrate"}, "ping postgres", []string{"hunter2"}},
		{"user without password", []string{db}, "", userAdd, "stdin", nil},
		{"short password", []string{db}, "short\n", userAdd, "password: Use at least 8 characters.", nil},
		{"spaces as password", []string{db}, "          \n", userAdd, "password: Use characters other than spaces.", nil},
		{"duplicate user", []string{db}, "long-enough\n", []string{"user", "add", "--org", "Other", "--email", "DUP@b.example"},
			"simplecrm: A user with this email already exists.", []string{"constraint", "UNIQUE", "2067", "users.email"}},
		{"long organization name", []string{db}, "long-enough\n", []string{"user", "add", "--org", strings.Repeat("o", 201), "--email", "new@b.example"},
			"simplecrm: organization: Use at most 200 characters.", nil},
		{"token for nobody", []string{db}, "", []string{"token", "create", "--email", "nobody@b.example"}, "no user with email", nil},
		{"blank token name", []string{db}, "", []string{"token", "create", "--email", "dup@b.example", "--name", " "}, "simplecrm: name: Name the token after what will use it", nil},
		{"long token name", []string{db}, "", []string{"token", "create", "--email", "dup@b.example", "--name", strings.Repeat("n", 201)}, "simplecrm: name: Use at most 200 characters.", nil},
		{"blank app password name", []string{db}, "", []string{"app-password", "create", "--email", "dup@b.example", "--name", ""}, "simplecrm: name: Name it after the device", nil},
		{"bad sync lease", []string{db, "SIMPLECRM_SYNC_LEASE=10ms"}, "", []string{"serve"}, "SIMPLECRM_SYNC_LEASE", nil},
		{"postgres without key", []string{"SIMPLECRM_DB=postgres://127.0.0.1:1/x"}, "", []string{"serve"}, "SIMPLECRM_SECRET_KEY is required", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stderr := mustFail(t, tc.env, tc.stdin, tc.args...)
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "simplecrm: ") || !strings.Contains(stderr, tc.want) {
				t.Fatalf("stderr = %q, want one line with %q", stderr, tc.want)
			}
			for _, s := range append(tc.lacks, "Please correct the highlighted fields.") {
				if strings.Contains(stderr, s) {
					t.Errorf("stderr = %q, shows %q", stderr, s)
				}
			}
		})
	}
}

// mustFail runs the binary, which must exit with a non-zero status, and
// returns its stderr.
func mustFail(t *testing.T, env []string, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, mustBuild(t), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() <= 0 {
		t.Fatalf("simplecrm %s: %v, want a non-zero exit status\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, &stdout, &stderr)
	}
	return stderr.String()
}
