package googleemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"
)

// Options configures an Emulator. The zero value is a usable in-memory
// emulator with Google's documented defaults.
type Options struct {
	// DataFile, when set, keeps state across restarts: loaded by New, written
	// atomically after every mutation and on Close.
	DataFile string `json:"data_file"`
	// Clients restricts OAuth to these clients; when empty any client id and
	// secret and any http(s) redirect URI are accepted. At run time they
	// change with AddClient and ClearClients (not Configure).
	Clients []Client `json:"clients,omitempty"`
	// DefaultRegion is the region used to compute phone canonicalForm for
	// numbers without a country code (default "US").
	DefaultRegion string `json:"default_region"`
	// AccessTokenTTL is the lifetime of access tokens (default 1h).
	AccessTokenTTL time.Duration `json:"access_token_ttl"`
	// RefreshTokenTTL, when > 0, makes refresh tokens expire after this age
	// (Google does so after 7 days for apps in "Testing" status).
	RefreshTokenTTL time.Duration `json:"refresh_token_ttl"`
	// MaxRefreshTokens is how many live refresh tokens an account keeps per
	// client; a new one silently invalidates the oldest (default 100; the
	// limit has been quoted as 25, 50 and 100: UNCONFIRMED). -1 is unlimited.
	MaxRefreshTokens int `json:"max_refresh_tokens"`
	// Issuer is the id_token "iss" (default https://accounts.google.com).
	Issuer string `json:"issuer"`
	// Now replaces the wall clock (SetNow/Advance still shift it).
	Now func() time.Time `json:"-"`

	// SyncTokenMaxAge is the age after which sync tokens expire (default 7 days).
	SyncTokenMaxAge time.Duration `json:"sync_token_max_age"`
	// SyncTokenAgeFromFullSync measures the age from the full sync that
	// started the chain of tokens instead of from the token's own issue
	// (Google: "Sync tokens expire 7 days after the full sync"; UNCONFIRMED).
	SyncTokenAgeFromFullSync bool `json:"sync_token_age_from_full_sync"`
	// SyncPropagationDelay hides changes younger than this from incremental
	// (syncToken) listings, like Google's propagation lag. Default 0.
	SyncPropagationDelay time.Duration `json:"sync_propagation_delay"`
	// ExpiredSyncTokenStatus is the google.rpc status string of the expired
	// sync token error: FAILED_PRECONDITION (default) or INVALID_ARGUMENT (UNCONFIRMED).
	ExpiredSyncTokenStatus string `json:"expired_sync_token_status"`
	// ExpiredSyncTokenHTTP410 answers an expired sync token with HTTP 410
	// (older guide text) instead of 400.
	ExpiredSyncTokenHTTP410 bool `json:"expired_sync_token_http_410"`
	// RejectDescendingWithSyncToken rejects sortOrder=LAST_MODIFIED_DESCENDING
	// together with requestSyncToken (UNCONFIRMED).
	RejectDescendingWithSyncToken bool `json:"reject_descending_with_sync_token"`

	// SearchLag hides writes younger than this from searchContacts, like
	// Google's cache-backed search ("new writes are not immediately
	// searchable", reference §8). Default 0.
	SearchLag time.Duration `json:"search_lag"`
	// SearchNeedsWarmup makes searchContacts see contacts only as they were
	// at the latest warm-up request (an empty query) made at least SearchLag
	// ago; with none, nothing is found. The reference says clients should
	// warm up "to update the cache"; what Google does without it is
	// UNCONFIRMED. Default off.
	SearchNeedsWarmup bool `json:"search_needs_warmup"`

	// StaleETagLegacyErrors adds the legacy errors[{reason:failedPrecondition}]
	// array to stale-etag errors (the shape go-client#1904 implies).
	StaleETagLegacyErrors bool `json:"stale_etag_legacy_errors"`
	// RejectListETags makes updates carrying an etag read through
	// connections.list fail as stale (UNCONFIRMED single report).
	RejectListETags bool `json:"reject_list_etags"`
	// CreateAlwaysJoinsMyContacts puts every created contact in myContacts,
	// even when the request names only user groups (UNCONFIRMED). Contacts
	// created without memberships always join myContacts.
	CreateAlwaysJoinsMyContacts bool `json:"create_always_joins_my_contacts"`
	// BatchPartialSuccess applies the valid items of a batch that has invalid
	// ones (UNCONFIRMED); by default a batch is all-or-nothing.
	BatchPartialSuccess bool `json:"batch_partial_success"`
	// DuplicateGroupStatus is the status string of the 409 on a duplicate group
	// name: ALREADY_EXISTS (default) or ABORTED (UNCONFIRMED).
	DuplicateGroupStatus string `json:"duplicate_group_status"`
	// GroupListSyncToken makes contactGroups.list return nextSyncToken on its
	// last page (UNCONFIRMED; default off: groups are "token-less").
	GroupListSyncToken bool `json:"group_list_sync_token"`
	// GroupDeleteLeavesContactsUngrouped lets contactGroups.delete (without
	// deleteContacts) leave contacts that were only in the deleted group in
	// no group at all; by default they join myContacts, since a contact keeps
	// at least one group (UNCONFIRMED: the reference does not say).
	GroupDeleteLeavesContactsUngrouped bool `json:"group_delete_leaves_contacts_ungrouped"`
	// ScopeErrorInfo adds ErrorInfo ACCESS_TOKEN_SCOPE_INSUFFICIENT to 403
	// insufficient-scope errors (UNCONFIRMED for People).
	ScopeErrorInfo bool `json:"scope_error_info"`
	// RenamedNotFound makes get and getBatchGet answer NOT_FOUND for a
	// renamed contact's former resource name (RenamePerson). By default they
	// answer with the renamed person and requestedResourceName = the old name,
	// as people-api.md §4 implies; Google does not say it resolves old names.
	RenamedNotFound bool `json:"renamed_not_found"`
	// RenameTombstone makes RenamePerson also leave a tombstone under the old
	// name for incremental listings, just before the renamed person
	// (UNCONFIRMED: the reference only says the renamed person carries
	// previousResourceNames).
	RenameTombstone bool `json:"rename_tombstone"`
	// UnlistedGroups names user groups that contactGroups.list leaves out,
	// like groups made with the legacy Contacts API (people-api.md §9, §15.15);
	// get and batchGet still find them, and create still meets them (409).
	UnlistedGroups []string `json:"unlisted_groups,omitempty"`
	// MaxContacts is the per-account contact limit (default 25000; the real
	// value and error are UNCONFIRMED).
	MaxContacts int `json:"max_contacts"`
	// ContactLimitMessage replaces the message of the 400 FAILED_PRECONDITION
	// refusing creates past MaxContacts (Google's wording is UNCONFIRMED);
	// default "Contacts limit reached: ...".
	ContactLimitMessage string `json:"contact_limit_message,omitempty"`

	// Quota sets per-account per-minute request quotas (0 = unlimited).
	Quota Quota `json:"quota"`
	// RetryAfter, when > 0, adds a Retry-After header to 429 answers (the
	// reference does not say Google sends it).
	RetryAfter time.Duration `json:"retry_after"`
}

// withDefaults fills the zero values of o with Google's defaults.
func withDefaults(o Options) Options {
	if o.DefaultRegion == "" {
		o.DefaultRegion = "US"
	}
	if o.AccessTokenTTL <= 0 {
		o.AccessTokenTTL = time.Hour
	}
	if o.MaxRefreshTokens == 0 {
		o.MaxRefreshTokens = 100
	}
	if o.Issuer == "" {
		o.Issuer = "https://accounts.google.com"
	}
	if o.SyncTokenMaxAge <= 0 {
		o.SyncTokenMaxAge = 7 * 24 * time.Hour
	}
	if o.ExpiredSyncTokenStatus == "" {
		o.ExpiredSyncTokenStatus = "FAILED_PRECONDITION"
	}
	if o.DuplicateGroupStatus == "" {
		o.DuplicateGroupStatus = "ALREADY_EXISTS"
	}
	if o.MaxContacts <= 0 {
		o.MaxContacts = 25000
	}
	return o
}

// Configure changes behaviour options at run time: fn edits a copy of the
// current options. DataFile, Now and Issuer cannot change; Clients change
// with AddClient and ClearClients.
func (e *Emulator) Configure(fn func(o *Options)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := e.opts
	fn(&o)
	o.DataFile, o.Clients, o.Now, o.Issuer = e.dataFile, e.opts.Clients, e.nowFn, e.issuer
	e.opts = withDefaults(o)
}

// Options returns the current options.
func (e *Emulator) Options() Options {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.opts
}

// patchOptions applies a JSON object of options (snake_case names, as in
// GET /_emulator/options); durations may be strings such as "10s". Options
// fixed at start (data_file, issuer) and clients (see AddClient) may only be
// sent with their current value, so that a GET answer can be sent back.
func (e *Emulator) patchOptions(body []byte) error {
	cur := e.Options()
	o, err := decodeOptions(cur, body)
	if err != nil {
		return err
	}
	switch {
	case o.DataFile != cur.DataFile:
		return errors.New(`options: "data_file" cannot change at run time (start with --data)`)
	case o.Issuer != cur.Issuer:
		return errors.New(`options: "issuer" cannot change at run time (set it when the emulator starts)`)
	case !slices.EqualFunc(o.Clients, cur.Clients, func(a, b Client) bool { return reflect.DeepEqual(a, b) }):
		return errors.New(`options: "clients" cannot change through options: use POST or DELETE /_emulator/clients`)
	}
	e.Configure(func(c *Options) { *c = o })
	return nil
}

// decodeOptions applies a JSON object of options over base; a bad name or
// value is an error and base is returned unchanged.
func decodeOptions(base Options, body []byte) (Options, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return base, fmt.Errorf("options: %w", err)
	}
	t := reflect.TypeOf(Options{})
	known := map[string]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		known[jsonName(t.Field(i))] = t.Field(i)
	}
	for k, v := range raw {
		f, ok := known[k]
		if !ok || k == "-" {
			return base, fmt.Errorf("options: unknown option %q", k)
		}
		var s string
		if f.Type == reflect.TypeOf(time.Duration(0)) && json.Unmarshal(v, &s) == nil {
			d, err := time.ParseDuration(s)
			if err != nil {
				return base, fmt.Errorf("options: %s: %w", k, err)
			}
			raw[k], _ = json.Marshal(int64(d))
		}
	}
	patched, _ := json.Marshal(raw) // re-encoding decoded JSON cannot fail
	o := base
	if _, ok := raw["clients"]; ok {
		o.Clients = nil // Unmarshal would decode into base's array, changing base
	}
	if err := json.Unmarshal(patched, &o); err != nil {
		return base, fmt.Errorf("options: %w", err)
	}
	return o, nil
}

func jsonName(f reflect.StructField) string {
	tag := f.Tag.Get("json")
	for i := 0; i < len(tag); i++ {
		if tag[i] == ',' {
			return tag[:i]
		}
	}
	return tag
}

// optionsJSON is the GET /_emulator/options answer: Options with durations
// written as strings ("168h0m0s").
func (e *Emulator) optionsJSON() map[string]any {
	o := e.Options()
	out := map[string]any{}
	v := reflect.ValueOf(o)
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		name := jsonName(f)
		if name == "-" || name == "" {
			continue
		}
		if d, ok := v.Field(i).Interface().(time.Duration); ok {
			out[name] = d.String()
			continue
		}
		out[name] = v.Field(i).Interface()
	}
	return out
}
