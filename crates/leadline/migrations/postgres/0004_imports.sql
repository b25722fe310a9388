-- (PostgreSQL)
-- Imports: every run is recorded with its file's hash, options and counts; what it
-- created carries its id, what it changed is kept for undo; rows it refused or
-- matched make the report.

ALTER TABLE leads ADD COLUMN external_id TEXT;
ALTER TABLE leads ADD COLUMN import_id UUID;
ALTER TABLE contacts ADD COLUMN import_id UUID;

CREATE TABLE imports (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES orgs(id),
    user_id UUID REFERENCES users(id),
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    file_size BIGINT NOT NULL,
    options JSONB NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    rows_total BIGINT,
    rows_done BIGINT NOT NULL DEFAULT 0,
    created BIGINT NOT NULL DEFAULT 0,
    updated BIGINT NOT NULL DEFAULT 0,
    merged BIGINT NOT NULL DEFAULT 0,
    duplicates BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0,
    warnings BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL,
    started_at TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    heartbeat_at TIMESTAMPTZ,
    runner TEXT,
    undone_at TIMESTAMPTZ,
    undo_report JSONB
);
CREATE INDEX imports_org ON imports(org_id, created_at);
CREATE INDEX imports_file ON imports(org_id, file_sha256);

CREATE TABLE import_rows (
    import_id UUID NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    row_number BIGINT NOT NULL,
    seq INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    column_name TEXT,
    value TEXT,
    reason TEXT NOT NULL,
    entity_id UUID,
    PRIMARY KEY (import_id, row_number, seq)
);

CREATE TABLE import_changes (
    import_id UUID NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    entity_type TEXT NOT NULL,
    entity_id UUID NOT NULL,
    before TEXT NOT NULL,
    after_updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (import_id, entity_type, entity_id)
);

-- Uploaded files, in chunks, so that any server process can resume an interrupted import.
CREATE TABLE import_files (
    import_id UUID NOT NULL REFERENCES imports(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (import_id, seq)
);

CREATE TABLE teams (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    manager_id UUID REFERENCES users(id) ON DELETE SET NULL,
    import_id UUID,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (org_id, name_key)
);
ALTER TABLE users ADD COLUMN team_id UUID REFERENCES teams(id) ON DELETE SET NULL;
ALTER TABLE users ADD COLUMN manager_id UUID REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE users ADD COLUMN import_id UUID;

CREATE TABLE products (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    code TEXT,
    price_minor BIGINT,
    currency TEXT,
    description TEXT,
    import_id UUID,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX products_org_name ON products(org_id, name_key);
CREATE UNIQUE INDEX products_org_code ON products(org_id, code) WHERE code IS NOT NULL;

CREATE TABLE opportunities (
    id UUID PRIMARY KEY,
    org_id UUID NOT NULL REFERENCES orgs(id),
    lead_id UUID NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    product_id UUID REFERENCES products(id) ON DELETE SET NULL,
    owner_id UUID REFERENCES users(id),
    name TEXT NOT NULL,
    stage TEXT NOT NULL,
    status TEXT NOT NULL,
    amount_minor BIGINT,
    currency TEXT,
    close_date DATE,
    lost_reason TEXT,
    external_id TEXT,
    import_id UUID,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX opportunities_lead ON opportunities(lead_id, created_at);
CREATE INDEX opportunities_org_stage ON opportunities(org_id, stage, close_date);
CREATE INDEX opportunities_org_external ON opportunities(org_id, external_id);

-- How an organization's foreign stage names map to Leadline's stages (editable).
CREATE TABLE stage_aliases (
    org_id UUID NOT NULL REFERENCES orgs(id),
    alias_key TEXT NOT NULL,
    alias TEXT NOT NULL,
    stage TEXT NOT NULL,
    PRIMARY KEY (org_id, alias_key)
);
