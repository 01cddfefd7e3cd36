package ui

import "testing"

func TestLoginLimiterPerIPAndPerEmail(t *testing.T) {
	l := newLoginLimiter()
	for range loginBurst {
		a, ok := l.reserve("10.0.0.1", "ann@example.com")
		if !ok {
			t.Fatal("limited before the burst was used")
		}
		a.done(true)
	}
	for _, tc := range []struct {
		ip, email string
		want      bool
	}{
		{"10.0.0.1", "ann@example.com", false}, // both exhausted
		{"10.0.0.2", "ann@example.com", false}, // the account is protected from every address
		{"10.0.0.1", "bob@example.com", false}, // one address cannot try many accounts
		{"10.0.0.2", "bob@example.com", true},
	} {
		a, got := l.reserve(tc.ip, tc.email)
		if got != tc.want {
			t.Errorf("reserve(%s, %s) = %v, want %v", tc.ip, tc.email, got, tc.want)
		}
		if got {
			a.done(false)
		}
	}
}

// TestLoginLimiterCountsAttemptsInFlight: attempts whose password check has
// not finished already count, and one that succeeds gives its place back.
func TestLoginLimiterCountsAttemptsInFlight(t *testing.T) {
	l := newLoginLimiter()
	var inFlight []*loginAttempt
	for range loginBurst {
		a, ok := l.reserve("10.0.0.1", "ann@example.com")
		if !ok {
			t.Fatal("limited before the burst was used")
		}
		inFlight = append(inFlight, a)
	}
	if _, ok := l.reserve("10.0.0.1", "ann@example.com"); ok {
		t.Fatal("a sixth attempt was admitted while five were in flight")
	}
	inFlight[0].done(false) // the right password
	a, ok := l.reserve("10.0.0.1", "ann@example.com")
	if !ok {
		t.Fatal("a successful attempt did not give its place back")
	}
	a.done(true)
	for _, a := range inFlight[1:] {
		a.done(true)
	}
	if _, ok := l.reserve("10.0.0.1", "ann@example.com"); ok {
		t.Fatal("admitted after five failures")
	}
}
