package ui

import "testing"

func TestLoginLimiterPerIPAndPerEmail(t *testing.T) {
	l := newLoginLimiter()
	for range loginBurst {
		if !l.allowed("10.0.0.1", "ann@example.com") {
			t.Fatal("limited before the burst was used")
		}
		l.failed("10.0.0.1", "ann@example.com")
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
		if got := l.allowed(tc.ip, tc.email); got != tc.want {
			t.Errorf("allowed(%s, %s) = %v, want %v", tc.ip, tc.email, got, tc.want)
		}
	}
}
