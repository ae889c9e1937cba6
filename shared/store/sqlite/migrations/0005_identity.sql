-- API tokens (stored hashed) and the audit trail written with every entity write.
CREATE TABLE api_tokens (
    id         TEXT PRIMARY KEY,
    version    INTEGER NOT NULL,
    data       TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE INDEX api_tokens_by_created ON api_tokens (created_at, id);

CREATE TABLE audit (
    id      TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    data    TEXT NOT NULL,
    object  TEXT NOT NULL,
    at      TEXT NOT NULL
);
CREATE INDEX audit_by_object ON audit (object, at, id);
