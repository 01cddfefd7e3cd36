package password

import (
	"strings"
	"testing"
)

func TestHashAndCheck(t *testing.T) {
	h, err := Hash("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$") || strings.Contains(h, "correct horse") {
		t.Fatalf("unexpected encoding %q", h)
	}
	h2, _ := Hash("correct horse")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"correct horse", true}, {"correct horse ", false}, {"", false}} {
		ok, err := Check(h, tc.pw)
		if err != nil || ok != tc.want {
			t.Errorf("Check(%q) = %v, %v; want %v", tc.pw, ok, err, tc.want)
		}
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA"} {
		if _, err := Check(bad, "x"); err == nil {
			t.Errorf("Check(%q) accepted a malformed hash", bad)
		}
	}
}

func TestProblem(t *testing.T) {
	for _, tc := range []struct {
		pw, want string
	}{
		{"correct horse", ""},
		{"éééééééé", ""}, // characters, not bytes
		{"a      b", ""},
		{"short", "Use at least 8 characters."},
		{"ééé", "Use at least 8 characters."},
		{"", "Use at least 8 characters."},
		{"        ", "Use characters other than spaces."},
		{" \t  \t   ", "Use characters other than spaces."},
	} {
		if got := Problem(tc.pw); got != tc.want {
			t.Errorf("Problem(%q) = %q, want %q", tc.pw, got, tc.want)
		}
	}
}
