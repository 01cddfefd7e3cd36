package store

import "database/sql"

// SQL returns the handle that runs writing transactions, for libraries that
// keep their own tables in the same database (the job queue). On SQLite it
// holds a single connection, so such a library queues behind the store's
// writers instead of failing with "database is locked"; it must never wait on
// the store while holding that connection in a transaction.
func (db *DB) SQL() *sql.DB { return db.w }
