-- Traffic evidence from access logs (issue 6).
--
-- log_cursors: how far each source has read each log file. A file is known
-- by the SHA-256 of its first line, so the position follows it through
-- rotation (rename, compression); the row is written in the same
-- transaction as the traffic read up to it, so a run that dies half-way
-- leaves the old position and counts nothing twice.
CREATE TABLE log_cursors (
    source_id  INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    file_id    TEXT NOT NULL,
    path       TEXT NOT NULL,
    "offset"   INTEGER NOT NULL,
    lines      INTEGER NOT NULL,
    complete   BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (source_id, file_id)
);

-- traffic: requests per API, endpoint (or unmatched path) and UTC day,
-- summed over sources and runs. endpoint_id is NULL for the catch-all
-- rows "(unserved)" and "(other)". latency is a JSON array of counts over
-- the histogram buckets of internal/sketch; clients a HyperLogLog sketch.
CREATE TABLE traffic (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    api_id      INTEGER NOT NULL REFERENCES apis(id) ON DELETE CASCADE,
    endpoint_id INTEGER REFERENCES endpoints(id) ON DELETE SET NULL,
    method      TEXT NOT NULL,
    path        TEXT NOT NULL,
    day         TIMESTAMP NOT NULL,
    first_seen  TIMESTAMP NOT NULL,
    last_seen   TIMESTAMP NOT NULL,
    requests    INTEGER NOT NULL DEFAULT 0,
    s2xx        INTEGER NOT NULL DEFAULT 0,
    s3xx        INTEGER NOT NULL DEFAULT 0,
    s4xx        INTEGER NOT NULL DEFAULT 0,
    s5xx        INTEGER NOT NULL DEFAULT 0,
    s401        INTEGER NOT NULL DEFAULT 0,
    s403        INTEGER NOT NULL DEFAULT 0,
    s429        INTEGER NOT NULL DEFAULT 0,
    tls_known   INTEGER NOT NULL DEFAULT 0,
    tls         INTEGER NOT NULL DEFAULT 0,
    plain_ok    INTEGER NOT NULL DEFAULT 0,
    auth_known  INTEGER NOT NULL DEFAULT 0,
    unauth_ok   INTEGER NOT NULL DEFAULT 0,
    latency     TEXT NOT NULL DEFAULT '',
    clients     BLOB,
    UNIQUE (api_id, method, path, day)
);
CREATE INDEX traffic_endpoint ON traffic(endpoint_id);
CREATE INDEX traffic_day ON traffic(api_id, day);
