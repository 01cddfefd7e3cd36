package cli

import (
	"flag"
	"fmt"
	"strings"

	"simplecrm/internal/contactsync"
)

// SyncConfig tunes the sync engine: how phone numbers are read and, in
// production, everything Options would otherwise leave at its zero value.
type SyncConfig struct {
	// PhoneRegion is the country (ISO 3166 alpha-2) that numbers written
	// without "+" belong to; "" = only "+" numbers and Google's canonicalForm
	// are read as E.164, other numbers compare by their digits.
	PhoneRegion string
}

// syncFlags registers the sync settings on fs, with environment defaults.
func syncFlags(fs *flag.FlagSet, env func(name, def string) string) *SyncConfig {
	c := &SyncConfig{}
	fs.StringVar(&c.PhoneRegion, "phone-region", env("SIMPLECRM_PHONE_REGION", ""),
		"country of phone numbers written without +, e.g. FR; empty = only + numbers and Google's canonical form (SIMPLECRM_PHONE_REGION)")
	return c
}

func (c *SyncConfig) resolve() error {
	c.PhoneRegion = strings.ToUpper(strings.TrimSpace(c.PhoneRegion))
	if c.PhoneRegion != "" && !isRegion(c.PhoneRegion) {
		return fmt.Errorf("SIMPLECRM_PHONE_REGION %q must be a two-letter country code such as FR, or empty", c.PhoneRegion)
	}
	return nil
}

// Options returns the engine options serve and sync run with.
func (c *SyncConfig) Options() contactsync.Options {
	return contactsync.Options{Phones: contactsync.Phones{Region: c.PhoneRegion}}
}

func isRegion(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}
