-- Simple CRM schema, SQLite. Timestamps are DATETIME columns holding UTC times
-- written by the driver (_time_format=sqlite), so they compare as text in order.

CREATE TABLE organizations (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    -- change_seq is the organization's change version counter; every writing
    -- transaction bumps it first, which also serializes writers per organization.
    change_seq  INTEGER NOT NULL DEFAULT 0,
    created_at  DATETIME NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    org_id        INTEGER NOT NULL REFERENCES organizations (id),
    email         TEXT NOT NULL UNIQUE, -- stored lower-cased: the login is case-insensitive
    role          TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    DATETIME NOT NULL
);
CREATE INDEX users_org ON users (org_id, email);

CREATE TABLE companies (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    name        TEXT NOT NULL,
    phone       TEXT NOT NULL DEFAULT '',
    website     TEXT NOT NULL DEFAULT '',
    address     TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    sort_key    TEXT NOT NULL,              -- folded name, computed in Go
    search_text TEXT NOT NULL DEFAULT '',   -- folded name tokens, computed in Go
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    UNIQUE (org_id, name)
);
CREATE INDEX companies_list ON companies (org_id, sort_key, id);

CREATE TABLE contacts (
    id             INTEGER PRIMARY KEY,
    org_id         INTEGER NOT NULL REFERENCES organizations (id),
    first_name     TEXT NOT NULL DEFAULT '',
    last_name      TEXT NOT NULL DEFAULT '',
    home_phone     TEXT NOT NULL DEFAULT '',
    mobile_phone   TEXT NOT NULL DEFAULT '',
    personal_email TEXT NOT NULL DEFAULT '',
    street         TEXT NOT NULL DEFAULT '',
    extended       TEXT NOT NULL DEFAULT '',
    postal_code    TEXT NOT NULL DEFAULT '',
    city           TEXT NOT NULL DEFAULT '',
    region         TEXT NOT NULL DEFAULT '',
    country        TEXT NOT NULL DEFAULT '',
    note           TEXT NOT NULL DEFAULT '',
    owner_id       INTEGER REFERENCES users (id),
    version        INTEGER NOT NULL,
    search_text    TEXT NOT NULL DEFAULT '',
    sort_key       TEXT NOT NULL DEFAULT '',
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL,
    deleted_at     DATETIME
);
-- search_text makes the index covering for the first step of a search, which
-- reads the listing in order and tests each row's words (see searchContacts).
CREATE INDEX contacts_list ON contacts (org_id, sort_key, id, search_text) WHERE deleted_at IS NULL;
CREATE INDEX contacts_trash ON contacts (org_id, sort_key, id) WHERE deleted_at IS NOT NULL;
CREATE INDEX contacts_purge ON contacts (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX contacts_owner ON contacts (org_id, owner_id, sort_key, id);
-- Sync and CardDAV ask "what changed since version N".
CREATE INDEX contacts_version ON contacts (org_id, version);
-- Sync matches contacts by email, case-insensitively.
CREATE INDEX contacts_personal_email ON contacts (org_id, lower(personal_email)) WHERE personal_email <> '';

CREATE TABLE employments (
    id          INTEGER PRIMARY KEY,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    company_id  INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    function    TEXT NOT NULL DEFAULT '',
    work_phone  TEXT NOT NULL DEFAULT '',
    work_mobile TEXT NOT NULL DEFAULT '',
    work_email  TEXT NOT NULL DEFAULT '',
    is_primary  BOOLEAN NOT NULL DEFAULT 0,
    UNIQUE (contact_id, company_id)
);
-- At most one primary employment per contact: it is the one synchronized to phones.
CREATE UNIQUE INDEX employments_one_primary ON employments (contact_id) WHERE is_primary;
CREATE INDEX employments_company ON employments (company_id);
CREATE INDEX employments_work_email ON employments (lower(work_email)) WHERE work_email <> '';

CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE, -- hex SHA-256 of the cookie secret
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE, -- hex SHA-256 of the bearer secret
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id       INTEGER NOT NULL REFERENCES organizations (id),
    name         TEXT NOT NULL,
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME,
    revoked_at   DATETIME
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);

-- Full-text index over contacts.search_text (folded tokens computed in Go).
-- External content: the text lives in contacts; triggers keep the index in
-- step inside the writing transaction, including cascaded deletes.
CREATE VIRTUAL TABLE contacts_fts USING fts5 (
    search_text,
    content = 'contacts',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
END;
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF search_text ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    INSERT INTO contacts_fts (rowid, search_text) VALUES (new.id, new.search_text);
END;
