package cli

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"simplecrm/internal/jobs"
)

// Config is the runtime configuration of DESIGN.md §4, read from SIMPLECRM_*
// variables and overridable by flags.
type Config struct {
	DB            string
	Addr          string
	BaseURL       string
	SecretKey     string // base64 of 32 bytes
	GoogleClient  string
	GoogleSecret  string
	GoogleAuthURL string
	GoogleToken   string
	GoogleRevoke  string
	GoogleAPI     string
	SyncInterval  time.Duration
	SyncLease     time.Duration
	Sync          *SyncConfig

	syncInterval, syncLease string // as given, parsed by resolve
}

// configFlags registers the configuration on fs, with environment values (or
// the documented defaults) as flag defaults. Call resolve after parsing.
func (a *App) configFlags(fs *flag.FlagSet) *Config {
	c := &Config{}
	env := func(name, def string) string {
		if v := a.Getenv(name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&c.DB, "db", env("SIMPLECRM_DB", "sqlite:simplecrm.db"), "database: sqlite:PATH or a postgres:// URL (SIMPLECRM_DB)")
	fs.StringVar(&c.Addr, "addr", env("SIMPLECRM_ADDR", "127.0.0.1:8080"), "listen address (SIMPLECRM_ADDR)")
	fs.StringVar(&c.BaseURL, "base-url", env("SIMPLECRM_BASE_URL", ""), "external URL (SIMPLECRM_BASE_URL), default http://ADDR")
	c.SecretKey = a.Getenv("SIMPLECRM_SECRET_KEY") // never a flag: it would show in ps
	fs.StringVar(&c.GoogleClient, "google-client-id", env("SIMPLECRM_GOOGLE_CLIENT_ID", ""), "OAuth client id (SIMPLECRM_GOOGLE_CLIENT_ID)")
	c.GoogleSecret = a.Getenv("SIMPLECRM_GOOGLE_CLIENT_SECRET")
	fs.StringVar(&c.GoogleAuthURL, "google-auth-url", env("SIMPLECRM_GOOGLE_AUTH_URL", "https://accounts.google.com/o/oauth2/v2/auth"), "OAuth authorization endpoint")
	fs.StringVar(&c.GoogleToken, "google-token-url", env("SIMPLECRM_GOOGLE_TOKEN_URL", "https://oauth2.googleapis.com/token"), "OAuth token endpoint")
	fs.StringVar(&c.GoogleRevoke, "google-revoke-url", env("SIMPLECRM_GOOGLE_REVOKE_URL", "https://oauth2.googleapis.com/revoke"), "OAuth revocation endpoint")
	fs.StringVar(&c.GoogleAPI, "google-api-url", env("SIMPLECRM_GOOGLE_API_URL", "https://people.googleapis.com/"), "People API root")
	// Parsed in resolve, so that a bad environment value is reported like a bad flag.
	fs.StringVar(&c.syncInterval, "sync-interval", env("SIMPLECRM_SYNC_INTERVAL", "15m"), "automatic sync period, 0 = off (SIMPLECRM_SYNC_INTERVAL)")
	fs.StringVar(&c.syncLease, "sync-lease", env("SIMPLECRM_SYNC_LEASE", jobs.DefaultLeaseTTL.String()), "how soon a sync whose process died is resumed (SIMPLECRM_SYNC_LEASE)")
	c.Sync = syncFlags(fs, env)
	return c
}

// resolve validates the configuration and fills derived defaults.
func (c *Config) resolve() error {
	if err := c.Sync.resolve(); err != nil {
		return err
	}
	d, err := parseInterval(c.syncInterval)
	if err != nil {
		return err
	}
	c.SyncInterval = d
	if c.SyncLease, err = time.ParseDuration(c.syncLease); err != nil || c.SyncLease < time.Second {
		return fmt.Errorf("%s %q must be a duration of at least 1s, such as 30s", setting("SIMPLECRM_SYNC_LEASE"), c.syncLease)
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s %q must be an http:// or https:// URL", setting("SIMPLECRM_BASE_URL"), c.BaseURL)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	return c.resolveGoogle()
}

// resolveGoogle checks the Google settings: the client id and secret come
// together (both absent = Sync Mobile off), and each endpoint is an absolute
// http(s) URL, so that a flow that could not finish is refused at start.
func (c *Config) resolveGoogle() error {
	switch {
	case c.GoogleClient != "" && c.GoogleSecret == "":
		return fmt.Errorf("%s is needed with %s: set both, or neither to turn Sync Mobile off", setting("SIMPLECRM_GOOGLE_CLIENT_SECRET"), setting("SIMPLECRM_GOOGLE_CLIENT_ID"))
	case c.GoogleClient == "" && c.GoogleSecret != "":
		return fmt.Errorf("%s is needed with %s: set both, or neither to turn Sync Mobile off", setting("SIMPLECRM_GOOGLE_CLIENT_ID"), setting("SIMPLECRM_GOOGLE_CLIENT_SECRET"))
	}
	for _, s := range []struct{ name, value string }{
		{"SIMPLECRM_GOOGLE_AUTH_URL", c.GoogleAuthURL},
		{"SIMPLECRM_GOOGLE_TOKEN_URL", c.GoogleToken},
		{"SIMPLECRM_GOOGLE_REVOKE_URL", c.GoogleRevoke},
		{"SIMPLECRM_GOOGLE_API_URL", c.GoogleAPI},
	} {
		if !isHTTPURL(s.value) {
			return fmt.Errorf("%s %q must be an absolute http:// or https:// URL", setting(s.name), s.value)
		}
	}
	return nil
}

func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// setting names a configuration setting in an error: its flag and its
// variable ("--sync-interval / SIMPLECRM_SYNC_INTERVAL"), since the value may
// have come from either; only the variable for the secrets, which have no
// flag. Every configuration error names its setting through it.
func setting(env string) string {
	switch env {
	case "SIMPLECRM_SECRET_KEY", "SIMPLECRM_GOOGLE_CLIENT_SECRET":
		return env
	}
	return "--" + strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(env, "SIMPLECRM_")), "_", "-") + " / " + env
}

func parseInterval(s string) (time.Duration, error) {
	if s == "0" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%s %q must be a duration such as 15m or 1h, or 0 for off", setting("SIMPLECRM_SYNC_INTERVAL"), s)
	}
	return d, nil
}

// secretKey returns the 32-byte token encryption key. With SQLite and no
// SIMPLECRM_SECRET_KEY, a key is generated on first start and kept beside the
// database file (mode 0600); PostgreSQL deployments run several instances, so
// the key must be given.
func (c *Config) secretKey() ([]byte, error) {
	if c.SecretKey != "" {
		return decodeKey(c.SecretKey, setting("SIMPLECRM_SECRET_KEY"))
	}
	path, ok := strings.CutPrefix(c.DB, "sqlite:")
	if !ok {
		return nil, errors.New(setting("SIMPLECRM_SECRET_KEY") + " is required with PostgreSQL: set it to 32 random bytes in base64 (openssl rand -base64 32)")
	}
	keyFile := path + ".key"
	if b, err := os.ReadFile(keyFile); err == nil {
		return decodeKey(strings.TrimSpace(string(b)), keyFile)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read secret key: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate secret key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
		return nil, fmt.Errorf("write secret key: %w", err)
	}
	if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write secret key: %w", err)
	}
	return key, nil
}

func decodeKey(s, source string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("%s must be 32 bytes in base64 (openssl rand -base64 32)", source)
	}
	return key, nil
}
