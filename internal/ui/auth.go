package ui

import (
	"cmp"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"simplecrm/internal/crm"
	"simplecrm/internal/password"
)

const (
	sessionCookie = "simplecrm_session"
	sessionTTL    = 30 * 24 * time.Hour
)

func (h *handler) sessionUser(r *http.Request) (*crm.User, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, crm.Errorf(crm.EUNAUTHORIZED, "Please log in.")
	}
	return h.svc.Auth.SessionUser(r.Context(), c.Value)
}

func (h *handler) loginPage(w http.ResponseWriter, r *http.Request) {
	next := localPath(r.URL.Query().Get("next"))
	if _, err := h.sessionUser(r); err == nil {
		http.Redirect(w, r, cmp.Or(next, "/contacts"), http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, "login", view{"Form": newForm(nil), "Next": next})
}

func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	vals, err := parseForm(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var email, pw, unused string
	bind(vals, userFields(&email, &pw, &unused))
	email = strings.ToLower(strings.TrimSpace(email))
	next := localPath(vals.Get("next"))
	f := newForm(url.Values{"email": {email}})
	show := func(status int, msg string) {
		f.Message = msg
		h.render(w, r, status, "login", view{"Form": f, "Next": next})
	}

	attempt, ok := h.limiter.reserve(clientIP(r), email)
	if !ok {
		show(http.StatusTooManyRequests, "Too many failed attempts. Please wait a minute and try again.")
		return
	}
	u, err := h.checkPassword(r, email, pw)
	attempt.done(err == nil && u == nil) // only a wrong password is a guess
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if u == nil {
		show(http.StatusUnauthorized, "Wrong email or password.")
		return
	}
	// A new login gets a new session; one the browser already had (perhaps
	// planted by someone else) is ended.
	if old, err := r.Cookie(sessionCookie); err == nil && old.Value != "" {
		_ = h.svc.Auth.DeleteSession(r.Context(), old.Value)
	}
	secret, err := h.svc.Auth.CreateSession(r.Context(), u.ID, sessionTTL)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.SetCookie(w, h.cookie(secret, int(sessionTTL/time.Second)))
	h.log.Info("ui: login", "user_id", u.ID, "org_id", u.OrgID)
	http.Redirect(w, r, cmp.Or(next, "/contacts"), http.StatusSeeOther)
}

// checkPassword returns the user whose email and password match, or nil. An
// unknown email still costs one hash, so response times do not reveal which
// emails have accounts.
func (h *handler) checkPassword(r *http.Request, email, pw string) (*crm.User, error) {
	u, err := h.svc.Users.FindUserByEmail(r.Context(), email)
	if crm.ErrorCode(err) == crm.ENOTFOUND || (err == nil && u == nil) {
		password.Check(dummyHash(), pw)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ok, err := password.Check(u.PasswordHash, pw)
	if err != nil {
		h.log.Error("ui: stored password hash unreadable", "user_id", u.ID, "err", err)
		return nil, nil
	}
	if !ok {
		return nil, nil
	}
	return u, nil
}

var dummyHash = sync.OnceValue(func() string {
	s, _ := password.Hash("not a real password")
	return s
})

func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := h.svc.Auth.DeleteSession(r.Context(), c.Value); err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
			h.log.Error("ui: delete session", "err", err)
		}
	}
	http.SetCookie(w, h.cookie("", -1))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (h *handler) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode,
	}
}

// clientIP is the peer address. X-Forwarded-For is not trusted: anyone could
// set it to dodge the limit; behind a proxy, all users share the proxy's limit
// and the per-email limit still protects each account.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// loginLimiter counts failed logins per IP and per email: a burst of
// loginBurst failures, then one more every loginEvery. Only failures count, so
// a person who types the right password is never slowed down by it.
//
// An attempt takes its place before the password is checked (reserve) and
// settles after (done): with the check first and the count after, 60
// parallel guesses all got through a limit of 5. rate.Limiter cannot give a
// token back once taken (Reservation.Cancel restores only reservations still
// in the future), so attempts in flight are counted beside it, in pending.
//
// The counts live in this process's memory: with N instances behind a load
// balancer, each instance allows its own burst (docs/architecture.md, Security).
type loginLimiter struct {
	mu        sync.Mutex
	buckets   map[string]*loginBucket
	lastSweep time.Time
}

type loginBucket struct {
	lim     *rate.Limiter
	pending int // attempts reserved whose password check has not finished
}

// loginAttempt is one reserved attempt; call done exactly once.
type loginAttempt struct {
	l       *loginLimiter
	buckets [2]*loginBucket
}

const (
	loginBurst = 5
	loginEvery = 12 * time.Second // refills the burst in a minute
)

func newLoginLimiter() *loginLimiter {
	return &loginLimiter{buckets: map[string]*loginBucket{}, lastSweep: time.Now()}
}

// reserve admits an attempt from ip for email if both have a failure left
// once every attempt in flight is counted as one.
func (l *loginLimiter) reserve(ip, email string) (*loginAttempt, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := &loginAttempt{l: l, buckets: [2]*loginBucket{l.bucket("ip:" + ip), l.bucket("email:" + email)}}
	for _, b := range a.buckets {
		if b.lim.Tokens()-float64(b.pending) < 1 {
			return nil, false
		}
	}
	for _, b := range a.buckets {
		b.pending++
	}
	return a, true
}

// done settles the attempt: a failure uses up its place, anything else
// gives it back.
func (a *loginAttempt) done(failed bool) {
	a.l.mu.Lock()
	defer a.l.mu.Unlock()
	for _, b := range a.buckets {
		b.pending--
		if failed {
			b.lim.Allow()
		}
	}
}

// bucket returns the bucket of key. Once a minute, full buckets with nothing
// in flight are dropped: they hold no information, and this keeps the map
// from growing without bound.
func (l *loginLimiter) bucket(key string) *loginBucket {
	if now := time.Now(); now.Sub(l.lastSweep) > time.Minute {
		for k, b := range l.buckets {
			if b.pending == 0 && b.lim.Tokens() >= loginBurst {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &loginBucket{lim: rate.NewLimiter(rate.Every(loginEvery), loginBurst)}
		l.buckets[key] = b
	}
	return b
}
