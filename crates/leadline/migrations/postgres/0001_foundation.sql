-- Leadline foundation schema (PostgreSQL). Ids are UUIDv7, times are UTC.

CREATE TABLE orgs (
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL UNIQUE,
    default_region TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES orgs(id),
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX users_org ON users(org_id, name);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ
);

CREATE TABLE login_failures (
    email TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_email ON login_failures(email, at);

CREATE TABLE leads (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    owner_id UUID REFERENCES users(id),
    source TEXT,
    website TEXT,
    street TEXT,
    city TEXT,
    region TEXT,
    postcode TEXT,
    country TEXT,
    time_zones TEXT NOT NULL DEFAULT '',
    time_zone_manual BOOLEAN NOT NULL DEFAULT FALSE,
    description TEXT,
    custom_fields TEXT NOT NULL DEFAULT '{}',
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    search_doc TEXT NOT NULL DEFAULT '',
    search_tsv TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', search_doc)) STORED
);
CREATE INDEX leads_org_created ON leads(org_id, created_at, id);
CREATE INDEX leads_org_updated ON leads(org_id, updated_at, id);
CREATE INDEX leads_org_name ON leads(org_id, name_key, id);
CREATE INDEX leads_org_status ON leads(org_id, status, created_at, id);
CREATE INDEX leads_org_owner ON leads(org_id, owner_id, created_at, id);
CREATE INDEX leads_org_country ON leads(org_id, country, created_at, id);
CREATE INDEX leads_search ON leads USING GIN (search_tsv);

CREATE TABLE lead_tags (
    lead_id UUID NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    org_id UUID NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (lead_id, tag)
);
CREATE INDEX lead_tags_org_tag ON lead_tags(org_id, tag, lead_id);

CREATE TABLE contacts (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL,
    lead_id UUID NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    title TEXT,
    do_not_call BOOLEAN NOT NULL DEFAULT FALSE,
    do_not_email BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX contacts_lead ON contacts(lead_id, created_at, id);

CREATE TABLE contact_phones (
    contact_id UUID NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    org_id UUID NOT NULL,
    lead_id UUID NOT NULL,
    e164 TEXT NOT NULL,
    kind TEXT NOT NULL,
    digits TEXT NOT NULL,
    national TEXT NOT NULL,
    national_reversed TEXT NOT NULL,
    PRIMARY KEY (contact_id, position)
);
CREATE INDEX contact_phones_digits ON contact_phones(org_id, digits text_pattern_ops);
CREATE INDEX contact_phones_national ON contact_phones(org_id, national text_pattern_ops);
CREATE INDEX contact_phones_reversed ON contact_phones(org_id, national_reversed text_pattern_ops);

CREATE TABLE contact_emails (
    contact_id UUID NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    org_id UUID NOT NULL,
    lead_id UUID NOT NULL,
    email TEXT NOT NULL,
    PRIMARY KEY (contact_id, position)
);
CREATE INDEX contact_emails_email ON contact_emails(org_id, email);

CREATE TABLE activities (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL,
    lead_id UUID NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    user_id UUID,
    occurred_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX activities_lead ON activities(lead_id, occurred_at, id);

-- Kept when the entity is deleted: the log outlives what it describes.
CREATE TABLE audit_log (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL,
    actor_id UUID,
    actor_name TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id UUID NOT NULL,
    lead_id UUID,
    action TEXT NOT NULL,
    changes TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_org_at ON audit_log(org_id, at, id);
CREATE INDEX audit_lead ON audit_log(lead_id, at);

CREATE TABLE idempotency_keys (
    user_id UUID NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER,
    response TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, key)
);
