package google

import (
	"context"
	"encoding/json"
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
		case ge.Code == 400 && mentionsContactLimit(ge.Message):
			return KindContactLimit
		case ge.Code == 401:
			return KindReconnect
		case ge.Code == 403 && insufficientScope(ge, reason):
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

// ClassifyCreate is Classify for a batch create. A create carries neither an
// etag nor a sync token, so a 400 FAILED_PRECONDITION can only mean the
// account cannot take more contacts: Google's wording for a full account is
// UNCONFIRMED (people-api.md §12), its status is what Google uses for a
// refused state, so the status decides and the message is a fallback.
func ClassifyCreate(err error) Kind {
	k := Classify(err)
	var ge *googleapi.Error
	if k != KindContactLimit && errors.As(err, &ge) && ge.Code == 400 && statusOf(ge) == "FAILED_PRECONDITION" {
		return KindContactLimit
	}
	return k
}

// mentionsContactLimit is the message fallback for a full account: the
// emulator's "Contacts limit reached" and the wordings quoted for Google.
func mentionsContactLimit(msg string) bool {
	msg = strings.ToLower(msg)
	return strings.Contains(msg, "limit reached") || strings.Contains(msg, "limit exceeded") ||
		strings.Contains(msg, "contact") && strings.Contains(msg, "maximum")
}

// insufficientScope reads a 403 as a missing contacts scope by its ErrorInfo
// reason (ACCESS_TOKEN_SCOPE_INSUFFICIENT, UNCONFIRMED for People), by the
// WWW-Authenticate header (error="insufficient_scope", observed), or by
// Google's message (people-api.md §11).
func insufficientScope(ge *googleapi.Error, reason string) bool {
	if reason == "ACCESS_TOKEN_SCOPE_INSUFFICIENT" {
		return true
	}
	if ge.Header != nil {
		for _, v := range ge.Header.Values("WWW-Authenticate") {
			if strings.Contains(v, `error="insufficient_scope"`) {
				return true
			}
		}
	}
	return strings.Contains(strings.ToLower(ge.Message), "insufficient authentication scopes")
}

// statusOf returns the google.rpc status string of the error body
// (FAILED_PRECONDITION...), which googleapi.Error does not expose.
func statusOf(ge *googleapi.Error) string {
	var body struct {
		Error struct {
			Status string `json:"status"`
		} `json:"error"`
	}
	if json.Unmarshal([]byte(ge.Body), &body) != nil {
		return ""
	}
	return body.Error.Status
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
