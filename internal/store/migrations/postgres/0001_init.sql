-- Simple CRM schema, PostgreSQL. Same tables and meaning as the SQLite set.

CREATE TABLE organizations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    -- change_seq is the organization's change version counter; every writing
    -- transaction bumps it first: the row lock makes versions commit in order.
    change_seq  bigint NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL
);

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id        bigint NOT NULL REFERENCES organizations (id),
    email         text NOT NULL UNIQUE, -- stored lower-cased: the login is case-insensitive
    role          text NOT NULL CHECK (role IN ('admin', 'member')),
    password_hash text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL
);
CREATE INDEX users_org ON users (org_id, email);

CREATE TABLE companies (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      bigint NOT NULL REFERENCES organizations (id),
    name        text NOT NULL,
    phone       text NOT NULL DEFAULT '',
    website     text NOT NULL DEFAULT '',
    address     text NOT NULL DEFAULT '',
    note        text NOT NULL DEFAULT '',
    -- Byte order, like SQLite, so both engines list and paginate alike.
    sort_key    text COLLATE "C" NOT NULL,
    search_text text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (org_id, name)
);
CREATE INDEX companies_list ON companies (org_id, sort_key, id);

CREATE TABLE contacts (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id         bigint NOT NULL REFERENCES organizations (id),
    first_name     text NOT NULL DEFAULT '',
    last_name      text NOT NULL DEFAULT '',
    home_phone     text NOT NULL DEFAULT '',
    mobile_phone   text NOT NULL DEFAULT '',
    personal_email text NOT NULL DEFAULT '',
    street         text NOT NULL DEFAULT '',
    extended       text NOT NULL DEFAULT '',
    postal_code    text NOT NULL DEFAULT '',
    city           text NOT NULL DEFAULT '',
    region         text NOT NULL DEFAULT '',
    country        text NOT NULL DEFAULT '',
    note           text NOT NULL DEFAULT '',
    owner_id       bigint REFERENCES users (id),
    version        bigint NOT NULL,
    search_text    text NOT NULL DEFAULT '',
    -- The folded tokens of search_text, indexed; the tokens are computed in Go
    -- so that both engines match the same words.
    search_vec     tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED,
    sort_key       text COLLATE "C" NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL,
    deleted_at     timestamptz
);
CREATE INDEX contacts_list ON contacts (org_id, sort_key, id) WHERE deleted_at IS NULL;
CREATE INDEX contacts_trash ON contacts (org_id, sort_key, id) WHERE deleted_at IS NOT NULL;
CREATE INDEX contacts_purge ON contacts (deleted_at) WHERE deleted_at IS NOT NULL;
CREATE INDEX contacts_owner ON contacts (org_id, owner_id, sort_key, id);
CREATE INDEX contacts_version ON contacts (org_id, version);
CREATE INDEX contacts_personal_email ON contacts (org_id, lower(personal_email)) WHERE personal_email <> '';
CREATE INDEX contacts_search ON contacts USING gin (search_vec);

CREATE TABLE employments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contact_id  bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    company_id  bigint NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    function    text NOT NULL DEFAULT '',
    work_phone  text NOT NULL DEFAULT '',
    work_mobile text NOT NULL DEFAULT '',
    work_email  text NOT NULL DEFAULT '',
    is_primary  boolean NOT NULL DEFAULT false,
    UNIQUE (contact_id, company_id)
);
CREATE UNIQUE INDEX employments_one_primary ON employments (contact_id) WHERE is_primary;
CREATE INDEX employments_company ON employments (company_id);
CREATE INDEX employments_work_email ON employments (lower(work_email)) WHERE work_email <> '';

CREATE TABLE sessions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash text NOT NULL UNIQUE,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   text NOT NULL UNIQUE,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id       bigint NOT NULL REFERENCES organizations (id),
    name         text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, id);
