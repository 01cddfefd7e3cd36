package store

import (
	"database/sql"
	"time"
)

// Test hooks, compiled only into this package's tests.

// RawDB returns the pool that reads, for tests that inspect rows directly.
func RawDB(db *DB) *sql.DB { return db.r }

// WriterDB returns the pool that writes.
func WriterDB(db *DB) *sql.DB { return db.w }

// SetClock replaces the database's clock.
func SetClock(db *DB, now func() time.Time) { db.now = now }

// Fold, QueryWords and ContactSearchText expose search internals to tests.
var (
	Fold              = fold
	QueryWords        = queryWords
	ContactSearchText = contactSearchText
)
