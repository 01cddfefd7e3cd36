-- CardDAV (docs/carddav.md). App passwords: what phones and desktop clients
-- log in with (HTTP Basic, the user's email and one of these). Only the
-- SHA-256 of the secret is kept.
CREATE TABLE app_passwords (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME,
    revoked_at   DATETIME
);
CREATE INDEX app_passwords_user ON app_passwords (user_id, id);

-- Each user's address book: which contacts it holds ('owned' or 'all').
CREATE TABLE carddav_books (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    scope   TEXT NOT NULL DEFAULT 'owned' CHECK (scope IN ('owned', 'all'))
);

-- The vCards clients sent, byte for byte, per user's book. A contact without
-- a row is served as a card the CRM writes. A trashed contact keeps its row:
-- it is the tombstone sync-collection reports, and what a restore brings back.
CREATE TABLE carddav_cards (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    contact_id      INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    href            TEXT NOT NULL,      -- the resource name the client chose
    uid             TEXT NOT NULL,
    data            TEXT NOT NULL,      -- the client's bytes
    hash            TEXT NOT NULL,      -- of data: the ETag while the contact is unchanged
    contact_version INTEGER NOT NULL,   -- the contact's version the bytes reflect
    base            TEXT NOT NULL,      -- JSON of the CRM's phone view then
    version         INTEGER NOT NULL,   -- change version of the last PUT
    UNIQUE (user_id, href),
    UNIQUE (user_id, uid),
    UNIQUE (user_id, contact_id)
);
CREATE INDEX carddav_cards_contact ON carddav_cards (contact_id);
CREATE INDEX carddav_cards_version ON carddav_cards (user_id, version);
