-- OAuth states of connects in progress: random, single use, bound to the user
-- who started the flow, with the PKCE verifier. In the database so that the
-- callback may land on any instance.
CREATE TABLE oauth_states (
    state_hash   TEXT PRIMARY KEY,  -- SHA-256 of the state, hex
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    verifier     TEXT NOT NULL,
    account_id   INTEGER NOT NULL DEFAULT 0, -- the account being reconnected, 0 for a new one
    return_to    TEXT NOT NULL DEFAULT '',
    expires_at   DATETIME NOT NULL
);
