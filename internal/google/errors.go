package google

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/googleapi"
)

// Kind is what the sync engine must do about a failed Google call.
type Kind int

const (
	KindOther            Kind = iota // a bug or bad request: stop the run and report
	KindRetry                        // 429, 5xx, network: back off and retry
	KindExpiredSyncToken             // do a full listing that merges
	KindStaleEtag                    // re-read, re-merge, retry
	KindNotFound                     // the contact is gone
	KindReconnect                    // refresh token revoked or invalid: the user must reconnect
	KindScope                        // contacts scope missing: ask for consent again
	KindAmbiguous                    // the request may have been applied (timeout, dropped connection)
	KindContactLimit                 // the account holds as many contacts as Google allows
)

// Classify tells what kind of failure err is. It reads the HTTP code, then the
// ErrorInfo reason in the details, then the legacy errors[].reason, then the
// message, since Google's bodies vary (people-api.md §11, §14).
func Classify(err error) Kind {
	if err == nil {
		return KindOther
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.ErrorCode == "invalid_grant" || re.ErrorCode == "unauthorized_client" || re.Response != nil && re.Response.StatusCode == 401 {
			return KindReconnect
		}
		if re.Response != nil && re.Response.StatusCode >= 500 {
			return KindRetry
		}
		return KindOther
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		reason := reasonOf(ge)
		switch {
		case reason == "EXPIRED_SYNC_TOKEN" || ge.Code == http.StatusGone ||
			ge.Code == 400 && strings.Contains(ge.Message, "Sync token is expired"):
			return KindExpiredSyncToken
		case ge.Code == 400 && (reason == "failedPrecondition" || strings.Contains(ge.Message, "etag")):
			return KindStaleEtag
		case ge.Code == 400 && strings.Contains(strings.ToLower(ge.Message), "limit reached"):
			// Google's wording for a full account is UNCONFIRMED (people-api.md §12).
			return KindContactLimit
		case ge.Code == 401:
			return KindReconnect
		case ge.Code == 403 && strings.Contains(strings.ToLower(ge.Message), "insufficient authentication scopes"):
			return KindScope
		case ge.Code == 404:
			return KindNotFound
		case ge.Code == 429 || ge.Code >= 500:
			return KindRetry
		}
		return KindOther
	}
	if errors.Is(err, context.Canceled) {
		return KindOther
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "EOF") ||
		strings.Contains(err.Error(), "connection reset") {
		return KindAmbiguous
	}
	return KindOther
}

func reasonOf(ge *googleapi.Error) string {
	for _, d := range ge.Details {
		if m, ok := d.(map[string]any); ok {
			if r, ok := m["reason"].(string); ok && r != "" {
				return r
			}
		}
	}
	for _, e := range ge.Errors {
		if e.Reason != "" {
			return e.Reason
		}
	}
	return ""
}

// RetryAfter returns the delay Google asked for in a Retry-After header, or 0.
func RetryAfter(err error) time.Duration {
	var ge *googleapi.Error
	if !errors.As(err, &ge) || ge.Header == nil {
		return 0
	}
	v := ge.Header.Get("Retry-After")
	if s, convErr := strconv.Atoi(v); convErr == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, parseErr := http.ParseTime(v); parseErr == nil {
		return time.Until(t)
	}
	return 0
}

// Backoff is the retry policy for 429, 5xx and ambiguous failures:
// exponential with full jitter, at least what Retry-After asks, and never past
// the run's deadline.
type Backoff struct {
	Base time.Duration // first delay, default 500 ms
	Max  time.Duration // cap of one delay, default 30 s
}

// Delay returns how long to wait before retry number attempt (0-based).
func (b Backoff) Delay(attempt int, err error) time.Duration {
	base, maxDelay := b.Base, b.Max
	if base == 0 {
		base = 500 * time.Millisecond
	}
	if maxDelay == 0 {
		maxDelay = 30 * time.Second
	}
	d := base << min(attempt, 16)
	if d > maxDelay || d <= 0 {
		d = maxDelay
	}
	d = time.Duration(rand.Int64N(int64(d)) + 1) // full jitter
	if ra := RetryAfter(err); ra > d {
		d = ra
	}
	return d
}

// StatusCode returns the HTTP status of a failed Google API call, or 0.
func StatusCode(err error) int {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return ge.Code
	}
	return 0
}
