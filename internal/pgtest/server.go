package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// server is a postgres process this test binary started.
type server struct {
	dir      string // temporary directory: data/, the socket, the log
	url      string // maintenance database
	cmd      *exec.Cmd
	watchdog *exec.Cmd
	done     chan struct{} // closed when cmd has exited
}

// startServer runs initdb and postgres in a new temporary directory.
func startServer() (*server, error) {
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	cred, uid, gid, err := serverUser()
	if err != nil {
		return nil, err
	}
	// Our own directory, not t.TempDir: it outlives the first test, and the
	// postgres user must be able to reach it.
	dir, err := os.MkdirTemp("", "simplecrm-pgtest-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	fail := func(err error) (*server, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fail(err)
	}
	if uid >= 0 {
		if err := os.Chown(dir, uid, gid); err != nil {
			return fail(fmt.Errorf("chown temp dir: %w", err))
		}
	}
	logPath := filepath.Join(dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fail(err)
	}
	defer logFile.Close()

	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions")
	initdb.Dir = dir
	initdb.Env = serverEnv()
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("initdb: %v: %s", err, strings.TrimSpace(string(out))))
	}

	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return fail(err)
		}
		s := &server{dir: dir, done: make(chan struct{}),
			url: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)}
		// Run postgres itself, not pg_ctl, so that it is our child and we
		// know when it exits. Output goes to a file: a child holding the
		// test binary's stdout would make "go test" wait for it.
		s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", strconv.Itoa(port),
			"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="+dir,
			"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
			"-c", "max_connections=300", "-c", "shared_buffers=128MB", "-c", "dynamic_shared_memory_type=mmap")
		s.cmd.Dir = dir
		s.cmd.Env = serverEnv()
		s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
		s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
		if err := s.cmd.Start(); err != nil {
			return fail(fmt.Errorf("start postgres: %w", err))
		}
		go func() { s.cmd.Wait(); close(s.done) }()
		if err := s.startWatchdog(logFile); err != nil {
			s.kill()
			return fail(err)
		}
		if lastErr = s.waitReady(30 * time.Second); lastErr == nil {
			return s, nil
		}
		s.kill()
	}
	log, _ := os.ReadFile(logPath)
	return fail(fmt.Errorf("postgres did not start: %v\n%s", lastErr, tail(string(log), 2000)))
}

// startWatchdog starts a shell that stops postgres and removes the directory
// once this process is gone, however it ended.
func (s *server) startWatchdog(logFile *os.File) error {
	script := fmt.Sprintf(`while kill -0 %d 2>/dev/null; do sleep 0.5; done
kill -QUIT %d 2>/dev/null; sleep 1; kill -KILL -%d 2>/dev/null; rm -rf %q`,
		os.Getpid(), s.cmd.Process.Pid, s.cmd.Process.Pid, s.dir)
	s.watchdog = exec.Command("/bin/sh", "-c", script)
	s.watchdog.Stdout, s.watchdog.Stderr = logFile, logFile
	// Its own process group, so a Ctrl-C aimed at the tests does not kill
	// the watchdog before it has cleaned up.
	s.watchdog.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.watchdog.Start(); err != nil {
		return fmt.Errorf("start watchdog: %w", err)
	}
	go s.watchdog.Wait()
	return nil
}

func (s *server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	db, err := sql.Open("pgx", s.url)
	if err != nil {
		return err
	}
	defer db.Close()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err = db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("postgres exited: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop shuts postgres down fast, waits for it and removes the directory.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGINT) // fast shutdown
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.kill()
	}
	if s.watchdog != nil && s.watchdog.Process != nil {
		s.watchdog.Process.Kill()
	}
	os.RemoveAll(s.dir)
}

// kill ends postgres and its backends at once.
func (s *server) kill() {
	syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
	if s.watchdog != nil && s.watchdog.Process != nil {
		s.watchdog.Process.Kill()
		s.watchdog = nil
	}
}

// findBinDir returns the directory of initdb and postgres: from PATH, or the
// newest of Debian's /usr/lib/postgresql/*/bin.
func findBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	return "", notAvailableError{"no initdb on PATH or in /usr/lib/postgresql/*/bin"}
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

// serverUser returns the credential to run PostgreSQL with: none when not
// root, the "postgres" user (or "nobody") when root.
func serverUser() (*syscall.Credential, int, int, error) {
	if os.Geteuid() != 0 {
		return nil, -1, -1, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, uid, gid, nil
	}
	return nil, -1, -1, fmt.Errorf("running as root and no postgres or nobody user to run PostgreSQL as")
}

func serverEnv() []string {
	return []string{"PATH=/usr/bin:/bin", "LANG=C", "LC_ALL=C", "TZ=UTC"}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
