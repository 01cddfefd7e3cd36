-- CardDAV (docs/carddav.md). App passwords: what phones and desktop clients
-- log in with (HTTP Basic, the user's email and one of these). Only the
-- SHA-256 of the secret is kept.
CREATE TABLE app_passwords (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL,
    secret_hash  text NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX app_passwords_user ON app_passwords (user_id, id);

-- Each user's address book: which contacts it holds ('owned' or 'all').
CREATE TABLE carddav_books (
    user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    scope   text NOT NULL DEFAULT 'owned' CHECK (scope IN ('owned', 'all'))
);

-- The vCards clients sent, byte for byte, per user's book. A contact without
-- a row is served as a card the CRM writes. A trashed contact keeps its row:
-- it is the tombstone sync-collection reports, and what a restore brings back.
CREATE TABLE carddav_cards (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    contact_id      bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    href            text NOT NULL,      -- the resource name the client chose
    uid             text NOT NULL,
    data            text NOT NULL,      -- the client's bytes
    hash            text NOT NULL,      -- of data: the ETag while the contact is unchanged
    contact_version bigint NOT NULL,   -- the contact's version the bytes reflect
    base            text NOT NULL,      -- JSON of the CRM's phone view then
    version         bigint NOT NULL,   -- change version of the last PUT
    UNIQUE (user_id, href),
    UNIQUE (user_id, uid),
    UNIQUE (user_id, contact_id)
);
CREATE INDEX carddav_cards_contact ON carddav_cards (contact_id);
CREATE INDEX carddav_cards_version ON carddav_cards (user_id, version);
