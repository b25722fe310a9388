-- Leadline foundation schema (SQLite). Ids are UUIDv7 (16-byte BLOBs), times are UTC.

CREATE TABLE orgs (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    default_region TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES orgs(id),
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX users_org ON users(org_id, name);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);

CREATE TABLE login_failures (
    email TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX login_failures_email ON login_failures(email, at);

CREATE TABLE leads (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    owner_id BLOB REFERENCES users(id),
    source TEXT,
    website TEXT,
    street TEXT,
    city TEXT,
    region TEXT,
    postcode TEXT,
    country TEXT,
    time_zones TEXT NOT NULL DEFAULT '',
    time_zone_manual INTEGER NOT NULL DEFAULT 0,
    description TEXT,
    custom_fields TEXT NOT NULL DEFAULT '{}',
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX leads_org_created ON leads(org_id, created_at, id);
CREATE INDEX leads_org_updated ON leads(org_id, updated_at, id);
CREATE INDEX leads_org_name ON leads(org_id, name_key, id);
CREATE INDEX leads_org_status ON leads(org_id, status, created_at, id);
CREATE INDEX leads_org_owner ON leads(org_id, owner_id, created_at, id);
CREATE INDEX leads_org_country ON leads(org_id, country, created_at, id);

CREATE TABLE lead_tags (
    lead_id BLOB NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    org_id BLOB NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (lead_id, tag)
);
CREATE INDEX lead_tags_org_tag ON lead_tags(org_id, tag, lead_id);

CREATE TABLE contacts (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL,
    lead_id BLOB NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    title TEXT,
    do_not_call INTEGER NOT NULL DEFAULT 0,
    do_not_email INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX contacts_lead ON contacts(lead_id, created_at, id);

CREATE TABLE contact_phones (
    contact_id BLOB NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    org_id BLOB NOT NULL,
    lead_id BLOB NOT NULL,
    e164 TEXT NOT NULL,
    kind TEXT NOT NULL,
    digits TEXT NOT NULL,
    national TEXT NOT NULL,
    national_reversed TEXT NOT NULL,
    PRIMARY KEY (contact_id, position)
);
CREATE INDEX contact_phones_digits ON contact_phones(org_id, digits);
CREATE INDEX contact_phones_national ON contact_phones(org_id, national);
CREATE INDEX contact_phones_reversed ON contact_phones(org_id, national_reversed);

CREATE TABLE contact_emails (
    contact_id BLOB NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    org_id BLOB NOT NULL,
    lead_id BLOB NOT NULL,
    email TEXT NOT NULL,
    PRIMARY KEY (contact_id, position)
);
CREATE INDEX contact_emails_email ON contact_emails(org_id, email);

CREATE TABLE activities (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL,
    lead_id BLOB NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    user_id BLOB,
    occurred_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX activities_lead ON activities(lead_id, occurred_at, id);

-- Kept when the entity is deleted: the log outlives what it describes.
CREATE TABLE audit_log (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL,
    actor_id BLOB,
    actor_name TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id BLOB NOT NULL,
    lead_id BLOB,
    action TEXT NOT NULL,
    changes TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX audit_org_at ON audit_log(org_id, at, id);
CREATE INDEX audit_lead ON audit_log(lead_id, at);

CREATE TABLE idempotency_keys (
    user_id BLOB NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER,
    response TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, key)
);

-- Full-text search: one FTS5 row per lead; search_rowid maps it to the lead's id.
CREATE TABLE lead_search (
    rowid INTEGER PRIMARY KEY,
    lead_id BLOB NOT NULL UNIQUE REFERENCES leads(id) ON DELETE CASCADE
);
CREATE VIRTUAL TABLE lead_fts USING fts5(doc, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER lead_search_delete AFTER DELETE ON lead_search BEGIN
    DELETE FROM lead_fts WHERE rowid = old.rowid;
END;
