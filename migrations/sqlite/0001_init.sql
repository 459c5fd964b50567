-- posture schema, version 1.
-- Portable SQL where possible: TEXT, INTEGER, BOOLEAN, TIMESTAMP. The
-- PostgreSQL variant swaps INTEGER PRIMARY KEY AUTOINCREMENT for BIGSERIAL,
-- BLOB for BYTEA and the append-only triggers for a PL/pgSQL function.

CREATE TABLE apis (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT NOT NULL UNIQUE,
    title          TEXT NOT NULL DEFAULT '',
    version        TEXT NOT NULL DEFAULT '',
    owner          TEXT NOT NULL DEFAULT '',
    contact        TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL DEFAULT '',
    environment    TEXT NOT NULL DEFAULT '',
    base_urls      TEXT NOT NULL DEFAULT '[]', -- JSON array
    tags           TEXT NOT NULL DEFAULT '[]', -- JSON array
    classification TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX apis_owner ON apis(owner);

CREATE TABLE endpoints (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    api_id       INTEGER NOT NULL REFERENCES apis(id),
    protocol     TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    operation_id TEXT NOT NULL DEFAULT '',
    summary      TEXT NOT NULL DEFAULT '',
    deprecated   BOOLEAN NOT NULL DEFAULT FALSE,
    in_spec      BOOLEAN NOT NULL DEFAULT FALSE,
    in_gateway   BOOLEAN NOT NULL DEFAULT FALSE,
    in_traffic   BOOLEAN NOT NULL DEFAULT FALSE,
    first_seen   TIMESTAMP NOT NULL,
    last_seen    TIMESTAMP NOT NULL,
    UNIQUE (api_id, method, path)
);

CREATE TABLE sources (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    schedule   TEXT NOT NULL DEFAULT '',
    config     TEXT NOT NULL DEFAULT '{}', -- JSON, secrets never stored
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE collector_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id   INTEGER NOT NULL REFERENCES sources(id),
    trigger     TEXT NOT NULL,             -- schedule | manual | startup | ingest
    status      TEXT NOT NULL,             -- running | succeeded | failed
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    apis        INTEGER NOT NULL DEFAULT 0,
    endpoints   INTEGER NOT NULL DEFAULT 0,
    evidence    INTEGER NOT NULL DEFAULT 0,
    findings    INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX collector_runs_source ON collector_runs(source_id, id);

-- Raw artifacts, stored once by content hash.
CREATE TABLE artifacts (
    sha256       TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    size         INTEGER NOT NULL,
    data         BLOB NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

-- Evidence: append-only, each record chained to the previous by hash.
CREATE TABLE evidence (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    seq               INTEGER NOT NULL UNIQUE,
    run_id            INTEGER REFERENCES collector_runs(id),
    source            TEXT NOT NULL,
    collector         TEXT NOT NULL,
    collector_version TEXT NOT NULL,
    api_id            INTEGER NOT NULL REFERENCES apis(id),
    endpoint_id       INTEGER REFERENCES endpoints(id),
    api_name          TEXT NOT NULL,
    endpoint_key      TEXT NOT NULL DEFAULT '',
    route             TEXT NOT NULL DEFAULT '', -- JSON collectors.Route for gateway rules
    artifact_sha256   TEXT NOT NULL REFERENCES artifacts(sha256),
    location          TEXT NOT NULL DEFAULT '',
    facts             TEXT NOT NULL,       -- canonical JSON object
    observed_at       TIMESTAMP NOT NULL,
    recorded_at       TIMESTAMP NOT NULL,
    prev_hash         TEXT NOT NULL,
    hash              TEXT NOT NULL UNIQUE
);
CREATE INDEX evidence_api ON evidence(api_id, seq);
CREATE INDEX evidence_endpoint ON evidence(endpoint_id, seq);
CREATE INDEX evidence_run ON evidence(run_id);

CREATE TRIGGER evidence_no_update BEFORE UPDATE ON evidence
BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;
CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence
BEGIN SELECT RAISE(ABORT, 'evidence is append-only'); END;

-- The head of the evidence chain, one row. Updating it inside each import
-- transaction serialises appenders (a row lock on PostgreSQL).
CREATE TABLE chain_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE findings (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    api_id         INTEGER NOT NULL REFERENCES apis(id),
    endpoint_id    INTEGER REFERENCES endpoints(id),
    fingerprint    TEXT NOT NULL,
    tool           TEXT NOT NULL,
    rule_id        TEXT NOT NULL,
    title          TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    severity       TEXT NOT NULL,
    raw_severity   TEXT NOT NULL DEFAULT '',
    cwe            INTEGER NOT NULL DEFAULT 0,
    owasp          TEXT NOT NULL DEFAULT '',
    location       TEXT NOT NULL DEFAULT '',
    remediation    TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'open',
    assignee       TEXT NOT NULL DEFAULT '',
    due_at         TIMESTAMP,
    accepted_until TIMESTAMP,
    first_seen     TIMESTAMP NOT NULL,
    last_seen      TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL,
    UNIQUE (api_id, fingerprint)
);
CREATE INDEX findings_status ON findings(status, severity);

-- Latest assessment per API (JSON of controls.Assessment) and one
-- snapshot per API per day for trends.
CREATE TABLE assessments (
    api_id      INTEGER PRIMARY KEY REFERENCES apis(id),
    level       INTEGER NOT NULL,
    pre_basic   REAL NOT NULL,
    pre_adv     REAL NOT NULL,
    run_basic   REAL NOT NULL,
    run_adv     REAL NOT NULL,
    unknown     INTEGER NOT NULL,
    body        TEXT NOT NULL,
    computed_at TIMESTAMP NOT NULL
);
CREATE TABLE score_snapshots (
    api_id      INTEGER NOT NULL REFERENCES apis(id),
    day         TEXT NOT NULL, -- YYYY-MM-DD, UTC
    level       INTEGER NOT NULL,
    pre_basic   REAL NOT NULL,
    pre_adv     REAL NOT NULL,
    run_basic   REAL NOT NULL,
    run_adv     REAL NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (api_id, day)
);

-- Machine tokens and people's sessions; only SHA-256 hashes are stored.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    role         TEXT NOT NULL,          -- admin | auditor | team | viewer
    team         TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP,
    revoked_at   TIMESTAMP,
    last_used_at TIMESTAMP
);
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    token_id   INTEGER NOT NULL REFERENCES api_tokens(id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TIMESTAMP NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object      TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    remote_addr TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
