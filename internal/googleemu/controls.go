package googleemu

import (
	"sort"
	"time"
)

// FaultKind says what a Fault does to the calls it matches.
type FaultKind string

const (
	// FaultStatus answers with Fault.Status (500, 503, 429, 403 ...) and a
	// Google-shaped error body; nothing is applied.
	FaultStatus FaultKind = "status"
	// FaultStaleETag makes the etag check of an update fail (400
	// FAILED_PRECONDITION) even when the client's etag is current.
	FaultStaleETag FaultKind = "stale_etag"
	// FaultTimeoutAfterCommit applies the call, then closes the connection
	// without an answer: the client sees a transport error.
	FaultTimeoutAfterCommit FaultKind = "timeout_after_commit"
)

// Fault is an injected failure of the People API.
type Fault struct {
	// Method is a discovery method id (people.createContact ...); "" matches
	// every People API method.
	Method string    `json:"method"`
	Kind   FaultKind `json:"kind"`
	// Status is the HTTP status of a FaultStatus fault (default 503).
	Status int `json:"status,omitempty"`
	// Times is how many matching calls fail; 0 means until ClearFaults.
	Times int `json:"times,omitempty"`
	// After lets this many matching calls through before the fault starts
	// (e.g. to fail the third batch of a run).
	After int `json:"after,omitempty"`
}

// Quota holds per-account per-minute request limits; 0 is unlimited.
type Quota struct {
	ReadsPerMinute  int `json:"reads_per_minute"`
	WritesPerMinute int `json:"writes_per_minute"`
	// FullSyncPerMinute limits first pages of full connections listings
	// (Google's fixed "first page of a full sync" quota).
	FullSyncPerMinute int `json:"full_sync_per_minute"`
	// CountBatchItems charges a batch call once per item instead of once
	// (UNCONFIRMED which one Google does).
	CountBatchItems bool `json:"count_batch_items"`
}

type quotaKey struct {
	sub, metric string
	minute      int64
}

// AddFault injects a fault. Faults are consumed in the order added.
func (e *Emulator) AddFault(f Fault) {
	if f.Kind == "" {
		f.Kind = FaultStatus
	}
	if f.Kind == FaultStatus && f.Status == 0 {
		f.Status = 503
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = append(e.faults, &f)
}

// FailNext makes the next n calls of method ("" = any) answer status.
func (e *Emulator) FailNext(method string, n, status int) {
	e.AddFault(Fault{Method: method, Kind: FaultStatus, Status: status, Times: n})
}

// ClearFaults removes every injected fault.
func (e *Emulator) ClearFaults() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = nil
}

// Faults returns the pending faults.
func (e *Emulator) Faults() []Fault {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Fault, 0, len(e.faults))
	for _, f := range e.faults {
		out = append(out, *f)
	}
	return out
}

// takeFault consumes the first fault matching method, if any. Stale-etag
// faults only match methods that check etags. Called with e.mu held.
func (e *Emulator) takeFault(method string) *Fault {
	for i, f := range e.faults {
		if f.Method != "" && f.Method != method {
			continue
		}
		if f.Kind == FaultStaleETag && method != "people.updateContact" && method != "people.batchUpdateContacts" {
			continue
		}
		if f.Kind == FaultTimeoutAfterCommit && !isWrite(method) {
			continue
		}
		if f.After > 0 {
			f.After--
			continue
		}
		out := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				e.faults = append(e.faults[:i], e.faults[i+1:]...)
			}
		}
		return &out
	}
	return nil
}

func isWrite(method string) bool {
	switch method {
	case "people.connections.list", "people.get", "people.getBatchGet", "people.searchContacts",
		"contactGroups.list", "contactGroups.get", "contactGroups.batchGet":
		return false
	}
	return true
}

// SetLatency delays every call of method ("" = every People API method) by d
// before it is served; d <= 0 removes the delay.
func (e *Emulator) SetLatency(method string, d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if d <= 0 {
		delete(e.latency, method)
		return
	}
	e.latency[method] = d
}

func (e *Emulator) latencyFor(method string) time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	if d, ok := e.latency[method]; ok {
		return d
	}
	return e.latency[""]
}

// SetQuota replaces the per-minute quotas.
func (e *Emulator) SetQuota(q Quota) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.opts.Quota = q
	e.quotaUse = map[quotaKey]int{}
}

// chargeQuota counts the call against the account's per-minute quotas of
// the emulator clock and answers 429 when one is exceeded.
func (e *Emulator) chargeQuota(c *call, m apiMethod) error {
	q := e.opts.Quota
	minute := c.now.Unix() / 60
	n := 1
	if q.CountBatchItems {
		n = batchItems(m.id, c.body)
	}
	if len(e.quotaUse) > 10000 {
		for k := range e.quotaUse {
			if k.minute < minute {
				delete(e.quotaUse, k)
			}
		}
	}
	charge := func(metric string, limit, n int) bool {
		if limit <= 0 {
			return true
		}
		k := quotaKey{c.acct.Sub, metric, minute}
		if e.quotaUse[k]+n > limit {
			return false
		}
		e.quotaUse[k] += n
		return true
	}
	if m.write {
		if !charge("write", q.WritesPerMinute, n) {
			return e.rateLimitError(true)
		}
		return nil
	}
	if !charge("read", q.ReadsPerMinute, n) {
		return e.rateLimitError(false)
	}
	if m.id == "people.connections.list" && c.q.Get("pageToken") == "" && c.q.Get("syncToken") == "" {
		if !charge("fullsync", q.FullSyncPerMinute, 1) {
			return errRateLimited("people.googleapis.com/full_sync_requests", "FullSyncRequestsPerMinutePerProjectPerUser", e.retryAfterSeconds())
		}
	}
	return nil
}

func (e *Emulator) rateLimitError(write bool) error {
	if write {
		return errRateLimited("people.googleapis.com/critical_write_requests", "CriticalWritesPerMinutePerProjectPerUser", e.retryAfterSeconds())
	}
	return errRateLimited("people.googleapis.com/critical_read_requests", "CriticalReadRequestsPerMinutePerProjectPerUser", e.retryAfterSeconds())
}

func (e *Emulator) retryAfterSeconds() int {
	if e.opts.RetryAfter <= 0 {
		return 0
	}
	return int((e.opts.RetryAfter + time.Second - 1) / time.Second)
}

// ExpireSyncTokens makes every sync token issued so far expired.
func (e *Emulator) ExpireSyncTokens() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.st.TokenGen++
}

// Reset forgets every account, contact, group, token, fault, latency,
// quota use and logged request. Options stay.
func (e *Emulator) Reset() {
	e.mu.Lock()
	e.st = newState()
	e.faults = nil
	e.latency = map[string]time.Duration{}
	e.quotaUse = map[quotaKey]int{}
	e.log = requestLog{}
	e.mu.Unlock()
	_ = e.save() // best effort; the next mutation saves again
}

// RequestLogEntry is one served People API request.
type RequestLogEntry struct {
	Time     time.Time     `json:"time"`
	Method   string        `json:"method"`
	Status   int           `json:"status"` // 0: no answer (timeout after commit, client gone)
	Account  string        `json:"account,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

type requestLog struct {
	counts  map[string]map[int]int
	entries []RequestLogEntry
}

const maxLogEntries = 10000

func (e *Emulator) record(method string, status int, sub string, start time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.log.counts == nil {
		e.log.counts = map[string]map[int]int{}
	}
	if e.log.counts[method] == nil {
		e.log.counts[method] = map[int]int{}
	}
	e.log.counts[method][status]++
	email := ""
	if a := e.st.Accounts[sub]; a != nil {
		email = a.Email
	}
	e.log.entries = append(e.log.entries, RequestLogEntry{Time: e.now(), Method: method, Status: status,
		Account: email, Duration: time.Since(start)})
	if len(e.log.entries) > maxLogEntries {
		e.log.entries = e.log.entries[len(e.log.entries)-maxLogEntries:]
	}
}

// RequestCounts returns how many People API requests were served, by
// discovery method id and HTTP status (0 = no answer was sent).
func (e *Emulator) RequestCounts() map[string]map[int]int {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]map[int]int, len(e.log.counts))
	for m, byStatus := range e.log.counts {
		out[m] = make(map[int]int, len(byStatus))
		for s, n := range byStatus {
			out[m][s] = n
		}
	}
	return out
}

// Calls returns how many requests of method were served, any status.
func (e *Emulator) Calls(method string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, c := range e.log.counts[method] {
		n += c
	}
	return n
}

// Requests returns the most recent served requests, oldest first.
func (e *Emulator) Requests() []RequestLogEntry {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]RequestLogEntry(nil), e.log.entries...)
}

// ResetRequests clears the request log and counts.
func (e *Emulator) ResetRequests() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = requestLog{}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
