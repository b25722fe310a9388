-- Calling: campaigns, the call queue, calls, do-not-call suppression, tasks.

ALTER TABLE leads ADD COLUMN score INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN phone TEXT;
ALTER TABLE users ADD COLUMN dial_scheme TEXT NOT NULL DEFAULT 'tel';
ALTER TABLE orgs ADD COLUMN default_owner_id BLOB;
ALTER TABLE orgs ADD COLUMN telephony_secret TEXT;

CREATE TABLE campaigns (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL REFERENCES orgs(id),
    name TEXT NOT NULL,
    filter TEXT NOT NULL,
    assignees TEXT NOT NULL,
    playbook TEXT NOT NULL DEFAULT '',
    rules TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    synced_at TEXT NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX campaigns_org ON campaigns(org_id, created_at);

-- Where callees are: a lead's zones, country and region. Shared by all campaigns.
CREATE TABLE call_groups (
    id INTEGER PRIMARY KEY,
    zones TEXT NOT NULL,
    country TEXT NOT NULL,
    region TEXT NOT NULL,
    UNIQUE (zones, country, region)
);

CREATE TABLE campaign_groups (
    campaign_id BLOB NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, group_id)
) WITHOUT ROWID;

-- The call queue: one row per lead of a campaign. tier 0 = callback for one rep,
-- 1 = never attempted, 2 = retry, 5 = done, 6 = attempts used up, 7 = suppressed,
-- 8 = left the campaign. rank orders a tier; ready_at (ms) is when it may be handed out.
CREATE TABLE campaign_leads (
    campaign_id BLOB NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    lead_id BLOB NOT NULL REFERENCES leads(id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL,
    tier INTEGER NOT NULL,
    rank INTEGER NOT NULL,
    ready_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    leased_by BLOB,
    leased_call BLOB,
    callback_user BLOB,
    last_disposition TEXT,
    PRIMARY KEY (campaign_id, lead_id)
) WITHOUT ROWID;
CREATE INDEX campaign_leads_pick ON campaign_leads(campaign_id, group_id, tier, rank, ready_at);
CREATE INDEX campaign_leads_callback ON campaign_leads(campaign_id, callback_user, rank) WHERE tier = 0;
CREATE INDEX campaign_leads_lead ON campaign_leads(lead_id);

CREATE TABLE dialer_sessions (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL,
    campaign_id BLOB NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    user_id BLOB NOT NULL REFERENCES users(id),
    started_at TEXT NOT NULL,
    ended_at TEXT
);
CREATE INDEX dialer_sessions_user ON dialer_sessions(user_id, started_at);

CREATE TABLE calls (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL,
    lead_id BLOB REFERENCES leads(id) ON DELETE SET NULL,
    contact_id BLOB,
    campaign_id BLOB,
    session_id BLOB,
    user_id BLOB,
    direction TEXT NOT NULL,
    from_number TEXT,
    to_number TEXT,
    state TEXT NOT NULL,
    provider_call_id TEXT,
    offered_at TEXT,
    started_at TEXT,
    ringing_at TEXT,
    answered_at TEXT,
    ended_at TEXT,
    duration_s INTEGER,
    disposition TEXT,
    disposed_at TEXT,
    notes TEXT NOT NULL DEFAULT '',
    recording_url TEXT,
    callback_at TEXT,
    skip_reason TEXT,
    zone_fallback INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX calls_org_created ON calls(org_id, created_at);
CREATE INDEX calls_lead ON calls(lead_id, created_at);
CREATE INDEX calls_user ON calls(user_id, created_at);
CREATE INDEX calls_session ON calls(session_id) WHERE session_id IS NOT NULL;
CREATE INDEX calls_offered ON calls(campaign_id, offered_at) WHERE state = 'offered';
CREATE UNIQUE INDEX calls_provider ON calls(org_id, provider_call_id) WHERE provider_call_id IS NOT NULL;

-- Phone-system events as received; a call's state is computed from all of them.
CREATE TABLE telephony_events (
    org_id BLOB NOT NULL,
    provider_call_id TEXT NOT NULL,
    state TEXT NOT NULL,
    at TEXT NOT NULL,
    duration_s INTEGER,
    recording_url TEXT,
    received_at TEXT NOT NULL,
    PRIMARY KEY (org_id, provider_call_id, state)
);

-- Signatures already accepted, so that a replayed request is refused.
CREATE TABLE telephony_signatures (
    signature TEXT PRIMARY KEY,
    received_at TEXT NOT NULL
);

-- Do-not-call numbers: E.164 digits as an integer, one lookup per dial.
CREATE TABLE suppressions (
    org_id BLOB NOT NULL,
    number INTEGER NOT NULL,
    source TEXT NOT NULL,
    reason TEXT,
    added_by BLOB,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, number)
) WITHOUT ROWID;

CREATE TABLE tasks (
    id BLOB PRIMARY KEY,
    org_id BLOB NOT NULL,
    lead_id BLOB REFERENCES leads(id) ON DELETE CASCADE,
    user_id BLOB NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    due_at TEXT NOT NULL,
    done_at TEXT,
    call_id BLOB,
    created_at TEXT NOT NULL
);
CREATE INDEX tasks_user ON tasks(user_id, done_at, due_at);
CREATE INDEX tasks_lead ON tasks(lead_id, due_at);
