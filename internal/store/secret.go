package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
)

// Google refresh tokens are encrypted at rest with AES-256-GCM under
// SIMPLECRM_SECRET_KEY, so that a copy of the database (a backup, a SQLite
// file sent along with a bug report) does not give access to anyone's Google
// contacts.

// SecretKeySize is the length of the key SetSecretKey takes.
const SecretKeySize = 32

// sealedV1 is the first byte of every sealed value: the format (AES-256-GCM,
// 12-byte nonce), so that a later format or key rotation can tell them apart.
const sealedV1 = 1

// errNoSecretKey is returned by every method that reads or writes a token
// before SetSecretKey was called.
var errNoSecretKey = errors.New("no secret key: set SIMPLECRM_SECRET_KEY (the store's SetSecretKey) before using Google accounts")

// secretBox holds the AEAD built from the key. It is set once at start-up but
// read by every request, hence atomic.
type secretBox struct {
	aead atomic.Pointer[cipher.AEAD]
}

// SetSecretKey sets the 32-byte key that encrypts Google refresh tokens. It
// must be called before any Google account method that reads or writes a
// token; the same key must be used for the life of the database.
func (db *DB) SetSecretKey(key []byte) error {
	if len(key) != SecretKeySize {
		return fmt.Errorf("secret key: %d bytes, want %d", len(key), SecretKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return fmt.Errorf("secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("secret key: %w", err)
	}
	db.secret.aead.Store(&aead)
	return nil
}

// seal encrypts plaintext with a fresh random nonce. ad binds the result to
// its row: the same ciphertext copied into another row does not open.
func (b *secretBox) seal(plaintext string, ad []byte) ([]byte, error) {
	p := b.aead.Load()
	if p == nil {
		return nil, errNoSecretKey
	}
	aead := *p
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = sealedV1
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("encrypt: nonce: %w", err)
	}
	return aead.Seal(out, out[1:], []byte(plaintext), ad), nil
}

// open decrypts what seal returned for the same ad.
func (b *secretBox) open(sealed, ad []byte) (string, error) {
	p := b.aead.Load()
	if p == nil {
		return "", errNoSecretKey
	}
	aead := *p
	if len(sealed) < 1+aead.NonceSize()+aead.Overhead() || sealed[0] != sealedV1 {
		return "", errors.New("decrypt: not a sealed value of a known format")
	}
	nonce, ct := sealed[1:1+aead.NonceSize()], sealed[1+aead.NonceSize():]
	pt, err := aead.Open(nil, nonce, ct, ad)
	if err != nil {
		return "", errors.New("decrypt: wrong SIMPLECRM_SECRET_KEY, or the value was altered or moved from another row")
	}
	return string(pt), nil
}

// tokenAD is the additional data of an account's refresh token: the account's
// natural key, known before the row's id exists (the upsert seals first).
func tokenAD(userID int64, sub string) []byte {
	return []byte("google refresh token\x00" + strconv.FormatInt(userID, 10) + "\x00" + sub)
}
