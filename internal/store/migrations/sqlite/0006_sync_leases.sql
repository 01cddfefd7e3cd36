-- The lease of the sync run going on for an account: the run renews it while
-- it lives (a heartbeat); a lease past expires_at (Unix milliseconds) was left
-- by a run whose process died, and its job may be resumed. docs/jobs.md.
CREATE TABLE sync_leases (
    account_id INTEGER PRIMARY KEY REFERENCES google_accounts (id) ON DELETE CASCADE,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
