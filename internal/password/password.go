// Package password hashes and checks user passwords with argon2id, encoded in
// the PHC string format ($argon2id$v=19$m=...,t=...,p=...$salt$hash) so that
// parameters can be raised later without breaking stored hashes.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Parameters follow the OWASP recommendation for argon2id (19 MiB, 2 passes).
const (
	memoryKiB = 19 * 1024
	passes    = 2
	threads   = 1
	saltLen   = 16
	keyLen    = 32
)

// MinLength is the shortest password accepted for a new user.
const MinLength = 8

// Problem says what is wrong with pw as a new password, or "" if nothing
// is: it must have MinLength characters, and not only spaces, which a
// stray key or a script's empty variable produces and anyone can guess.
// The web UI and the CLI apply this one rule.
func Problem(pw string) string {
	switch {
	case utf8.RuneCountInString(pw) < MinLength:
		return fmt.Sprintf("Use at least %d characters.", MinLength)
	case strings.TrimSpace(pw) == "":
		return "Use characters other than spaces."
	}
	return ""
}

var b64 = base64.RawStdEncoding

// Hash returns the encoded argon2id hash of pw with a random salt.
func Hash(pw string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, passes, memoryKiB, threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, memoryKiB, passes, threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Check reports whether pw matches the encoded hash. A malformed hash is an
// error; a wrong password is (false, nil).
func Check(encoded, pw string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("password hash: not argon2id")
	}
	var version int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errors.New("password hash: unsupported version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, fmt.Errorf("password hash parameters: %w", err)
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("password hash salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, fmt.Errorf("password hash key: %w", err)
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
