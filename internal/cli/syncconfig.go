package cli

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/jobs"
)

// SyncConfig tunes the sync engine: how phone numbers are read and, in
// production, everything Options would otherwise leave at its zero value.
type SyncConfig struct {
	// PhoneRegion is the country (ISO 3166 alpha-2) that numbers written
	// without "+" belong to; "" = only "+" numbers and Google's canonicalForm
	// are read as E.164, other numbers compare by their digits.
	PhoneRegion string
	// Budget bounds one sync run; it must stay below jobs.SyncTimeout so a
	// long run ends failed-but-resumable rather than cancelled by the queue.
	Budget time.Duration
	// ReadsPerMinute and WritesPerMinute space each Google account's calls
	// (0 = unlimited).
	ReadsPerMinute, WritesPerMinute int

	budget string // as given, parsed by resolve
}

// syncFlags registers the sync settings on fs, with environment defaults.
func syncFlags(fs *flag.FlagSet, env func(name, def string) string) *SyncConfig {
	c := &SyncConfig{}
	fs.StringVar(&c.PhoneRegion, "phone-region", env("SIMPLECRM_PHONE_REGION", ""),
		"country of phone numbers written without +, e.g. FR; empty = only + numbers and Google's canonical form (SIMPLECRM_PHONE_REGION)")
	fs.StringVar(&c.budget, "sync-budget", env("SIMPLECRM_SYNC_BUDGET", contactsync.DefaultBudget.String()),
		"time limit of one sync run, below the job limit of "+jobs.SyncTimeout.String()+" (SIMPLECRM_SYNC_BUDGET)")
	def := contactsync.DefaultRateLimit
	fs.IntVar(&c.ReadsPerMinute, "sync-reads-per-minute", envInt(env, "SIMPLECRM_SYNC_READS_PER_MINUTE", def.ReadsPerMinute),
		"People API reads per minute per Google account, 0 = unlimited (SIMPLECRM_SYNC_READS_PER_MINUTE)")
	fs.IntVar(&c.WritesPerMinute, "sync-writes-per-minute", envInt(env, "SIMPLECRM_SYNC_WRITES_PER_MINUTE", def.WritesPerMinute),
		"People API writes per minute per Google account, 0 = unlimited (SIMPLECRM_SYNC_WRITES_PER_MINUTE)")
	return c
}

func (c *SyncConfig) resolve() error {
	c.PhoneRegion = strings.ToUpper(strings.TrimSpace(c.PhoneRegion))
	if c.PhoneRegion != "" && !isRegion(c.PhoneRegion) {
		return fmt.Errorf("%s %q must be a two-letter country code with phone numbers, such as FR, or empty", setting("SIMPLECRM_PHONE_REGION"), c.PhoneRegion)
	}
	d, err := time.ParseDuration(c.budget)
	if err != nil || d < time.Second || d >= jobs.SyncTimeout {
		return fmt.Errorf("%s %q must be a duration from 1s to below %s (the job limit), such as 25m", setting("SIMPLECRM_SYNC_BUDGET"), c.budget, jobs.SyncTimeout)
	}
	c.Budget = d
	for _, s := range []struct {
		name string
		n    int
	}{{"SIMPLECRM_SYNC_READS_PER_MINUTE", c.ReadsPerMinute}, {"SIMPLECRM_SYNC_WRITES_PER_MINUTE", c.WritesPerMinute}} {
		if s.n < 0 {
			return fmt.Errorf("%s must be a number: 0 (unlimited) or more", setting(s.name))
		}
	}
	return nil
}

// envInt reads an integer default from the environment; a value that is not
// one is kept as -1, which resolve refuses with the variable's name.
func envInt(env func(name, def string) string, name string, def int) int {
	n, err := strconv.Atoi(env(name, strconv.Itoa(def)))
	if err != nil {
		return -1
	}
	return n
}

// Options returns the engine options serve and sync run with.
func (c *SyncConfig) Options() contactsync.Options {
	return contactsync.Options{Phones: contactsync.Phones{Region: c.PhoneRegion}, Budget: c.Budget,
		Rate: contactsync.RateLimit{ReadsPerMinute: c.ReadsPerMinute, WritesPerMinute: c.WritesPerMinute,
			Burst: contactsync.DefaultRateLimit.Burst}}
}

// isRegion reports whether s is a region the phone number library has
// numbering rules for: "XX" has the format of a country code but none.
func isRegion(s string) bool {
	return phonenumbers.GetSupportedRegions()[s]
}
