-- Tables of the local Step Functions engine (local/sfn). Prefixed sfn_ to share the store's file.
CREATE TABLE IF NOT EXISTS sfn_state_machines (
    arn        TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    definition TEXT NOT NULL,
    file       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS sfn_executions (
    arn               TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    state_machine_arn TEXT NOT NULL,
    input             TEXT NOT NULL,
    status            TEXT NOT NULL,
    output            TEXT,
    error             TEXT,
    cause             TEXT,
    start_date        TEXT NOT NULL,
    stop_date         TEXT,
    -- where a RUNNING execution resumes; phase/due_at/token are copied out of it for queries
    checkpoint        TEXT,
    phase             TEXT,
    due_at            TEXT,
    token             TEXT
);
CREATE INDEX IF NOT EXISTS sfn_executions_by_machine ON sfn_executions (state_machine_arn, start_date);
CREATE INDEX IF NOT EXISTS sfn_executions_running ON sfn_executions (status) WHERE status = 'RUNNING';
CREATE UNIQUE INDEX IF NOT EXISTS sfn_executions_by_token ON sfn_executions (token) WHERE token IS NOT NULL;

CREATE TABLE IF NOT EXISTS sfn_history (
    execution_arn     TEXT NOT NULL,
    id                INTEGER NOT NULL,
    previous_event_id INTEGER NOT NULL,
    timestamp         TEXT NOT NULL,
    type              TEXT NOT NULL,
    details           TEXT,
    PRIMARY KEY (execution_arn, id)
) WITHOUT ROWID;
