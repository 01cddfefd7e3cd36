-- Same tables and meaning as the SQLite set.
-- Sync Mobile: connected Google accounts, their links, the index of their
-- Google contacts, their checkpoint, and the history of sync runs. Everything
-- of an account goes when the account is deleted (ON DELETE CASCADE).

CREATE TABLE google_accounts (
    id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id                bigint NOT NULL REFERENCES organizations (id),
    user_id               bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sub                   text NOT NULL,  -- Google's stable account id
    email                 text NOT NULL,
    -- AES-GCM: format byte, nonce, ciphertext; the key is SIMPLECRM_SECRET_KEY.
    refresh_token_enc     bytea NOT NULL,
    group_name            text NOT NULL DEFAULT 'SimpleCRM',
    scope                 text NOT NULL DEFAULT 'owned' CHECK (scope IN ('owned', 'all')),
    delete_mode           text NOT NULL DEFAULT 'trash' CHECK (delete_mode IN ('trash', 'unlink')),
    sync_interval_seconds bigint,        -- NULL = SIMPLECRM_SYNC_INTERVAL; 0 = off
    reconnect_needed      boolean NOT NULL DEFAULT false,
    -- No foreign key: sync_runs already references this table.
    last_run_id           bigint NOT NULL DEFAULT 0,
    last_error            text NOT NULL DEFAULT '',
    -- The sync checkpoint (contactsync.State).
    crm_version           bigint NOT NULL DEFAULT 0,
    sync_token            text NOT NULL DEFAULT '',
    group_resource        text NOT NULL DEFAULT '',
    created_at            timestamptz NOT NULL,
    UNIQUE (user_id, sub)
);
CREATE INDEX google_accounts_org ON google_accounts (org_id, user_id, id);

-- A link ties one CRM contact to one Google person within one account.
CREATE TABLE google_links (
    account_id     bigint NOT NULL REFERENCES google_accounts (id) ON DELETE CASCADE,
    contact_id     bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    resource_name  text NOT NULL,
    etag           text NOT NULL DEFAULT '',
    base_crm       text NOT NULL DEFAULT '{}', -- JSON of contactsync.View
    base_google    text NOT NULL DEFAULT '{}',
    synced_version bigint NOT NULL DEFAULT 0,
    created_by_crm boolean NOT NULL DEFAULT false,
    PRIMARY KEY (account_id, contact_id),
    UNIQUE (account_id, resource_name)
);
-- Purging a contact cascades through this index.
CREATE INDEX google_links_contact ON google_links (contact_id);

-- What the engine knows of every Google contact of an account, in the group
-- or not: to match by email and to find its own creates (simplecrm-id) again.
CREATE TABLE google_people (
    account_id    bigint NOT NULL REFERENCES google_accounts (id) ON DELETE CASCADE,
    resource_name text NOT NULL,
    crm_id        bigint NOT NULL DEFAULT 0, -- clientData simplecrm-id; no foreign key, Google's word
    in_group      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (account_id, resource_name)
);
CREATE INDEX google_people_crm ON google_people (account_id, crm_id) WHERE crm_id <> 0;

CREATE TABLE google_people_emails (
    account_id    bigint NOT NULL,
    resource_name text NOT NULL,
    email_key     text NOT NULL, -- contactsync.EmailKey form
    PRIMARY KEY (account_id, resource_name, email_key),
    FOREIGN KEY (account_id, resource_name) REFERENCES google_people (account_id, resource_name) ON DELETE CASCADE
);
CREATE INDEX google_people_emails_key ON google_people_emails (account_id, email_key);

CREATE TABLE sync_runs (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id         bigint NOT NULL REFERENCES organizations (id),
    account_id     bigint NOT NULL REFERENCES google_accounts (id) ON DELETE CASCADE,
    trigger        text NOT NULL,
    status         text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    crm_created    bigint NOT NULL DEFAULT 0,
    crm_updated    bigint NOT NULL DEFAULT 0,
    crm_deleted    bigint NOT NULL DEFAULT 0,
    google_created bigint NOT NULL DEFAULT 0,
    google_updated bigint NOT NULL DEFAULT 0,
    google_deleted bigint NOT NULL DEFAULT 0,
    conflicts      bigint NOT NULL DEFAULT 0,
    duplicates     bigint NOT NULL DEFAULT 0,
    skipped        bigint NOT NULL DEFAULT 0,
    errors         bigint NOT NULL DEFAULT 0,
    phase          text NOT NULL DEFAULT '',
    done           bigint NOT NULL DEFAULT 0,
    total          bigint NOT NULL DEFAULT 0,
    error          text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    started_at     timestamptz,
    finished_at    timestamptz
);
CREATE INDEX sync_runs_account ON sync_runs (account_id, id);
CREATE INDEX sync_runs_org ON sync_runs (org_id, id);

CREATE TABLE sync_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id     bigint NOT NULL REFERENCES sync_runs (id) ON DELETE CASCADE,
    kind       text NOT NULL,
    contact_id bigint NOT NULL DEFAULT 0, -- no foreign key: the contact may be purged later
    message    text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL
);
CREATE INDEX sync_events_run ON sync_events (run_id, id);

-- The "owned" scope asks "what of this owner changed since version N".
CREATE INDEX contacts_owner_version ON contacts (org_id, owner_id, version);
