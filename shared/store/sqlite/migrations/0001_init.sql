-- Entities are stored as JSON in "data"; the other columns are the keys the Store queries by.
-- Time columns hold store.TimeKey text (fixed-width UTC), so text order is time order.
CREATE TABLE leads (
    id          TEXT PRIMARY KEY,
    version     INTEGER NOT NULL,
    data        TEXT NOT NULL,
    source      TEXT NOT NULL,
    external_id TEXT NOT NULL,
    email       TEXT NOT NULL,
    domain      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX leads_by_source_id ON leads (source, external_id, created_at, id) WHERE external_id <> '';
CREATE INDEX leads_by_email ON leads (email, created_at, id) WHERE email <> '';
CREATE INDEX leads_by_domain ON leads (domain, created_at, id) WHERE domain <> '';

CREATE TABLE accounts (
    id      TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    data    TEXT NOT NULL,
    domain  TEXT NOT NULL UNIQUE
);

CREATE TABLE deals (
    id          TEXT PRIMARY KEY,
    version     INTEGER NOT NULL,
    data        TEXT NOT NULL,
    owner_id    TEXT NOT NULL,
    stage       TEXT NOT NULL,
    team_id     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    open_team   TEXT,
    closed_team TEXT,
    closed_at   TEXT
);
CREATE INDEX deals_by_owner ON deals (owner_id, stage, created_at, id);
CREATE INDEX deals_open_by_team ON deals (open_team, created_at, id) WHERE open_team IS NOT NULL;
CREATE INDEX deals_closed_by_team ON deals (closed_team, closed_at, id) WHERE closed_team IS NOT NULL;
CREATE INDEX deals_created_by_team ON deals (team_id, created_at, id);

CREATE TABLE activities (
    id      TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    data    TEXT NOT NULL,
    deal_id TEXT NOT NULL,
    rep_id  TEXT NOT NULL,
    at      TEXT NOT NULL
);
CREATE INDEX activities_by_deal ON activities (deal_id, at, id) WHERE deal_id <> '';
CREATE INDEX activities_by_rep ON activities (rep_id, at, id);

CREATE TABLE handoffs (
    id           TEXT PRIMARY KEY,
    version      INTEGER NOT NULL,
    data         TEXT NOT NULL,
    lead_id      TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    open_ae      TEXT,
    sla_due_at   TEXT NOT NULL
);
CREATE INDEX handoffs_open_by_ae ON handoffs (open_ae, sla_due_at, id) WHERE open_ae IS NOT NULL;
CREATE INDEX handoffs_by_lead ON handoffs (lead_id, requested_at, id);

CREATE TABLE reminders (
    id          TEXT PRIMARY KEY,
    version     INTEGER NOT NULL,
    data        TEXT NOT NULL,
    deal_id     TEXT NOT NULL,
    policy      TEXT NOT NULL,
    period_key  TEXT NOT NULL,
    open_rep    TEXT,
    next_due_at TEXT NOT NULL,
    UNIQUE (deal_id, policy, period_key)
);
CREATE INDEX reminders_open_by_rep ON reminders (open_rep, next_due_at, id) WHERE open_rep IS NOT NULL;

CREATE TABLE onboardings (
    id         TEXT PRIMARY KEY,
    version    INTEGER NOT NULL,
    data       TEXT NOT NULL,
    deal_id    TEXT NOT NULL UNIQUE,
    csm_id     TEXT NOT NULL,
    started_at TEXT NOT NULL
);
CREATE INDEX onboardings_by_csm ON onboardings (csm_id, started_at, id);

CREATE TABLE digests (
    manager_id TEXT NOT NULL,
    period_key TEXT NOT NULL,
    version    INTEGER NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (manager_id, period_key)
);

CREATE TABLE store_idempotency_keys (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    expires_at TEXT -- NULL: never expires
);

CREATE TABLE store_counters (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE store_outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    detail_type  TEXT NOT NULL,
    detail       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    published_at TEXT
);
CREATE INDEX store_outbox_pending ON store_outbox (seq) WHERE published_at IS NULL;
