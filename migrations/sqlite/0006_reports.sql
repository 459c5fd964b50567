-- Report schedules, deliveries and the archive of generated reports
-- (issue 7). Schedules come from the config file (origin 'config',
-- replaced at every start) or from the UI/API (origin 'api'). Every run
-- of a schedule, and every report generated on demand, is a delivery row;
-- the files are archived in artifacts (content-addressed) and listed in
-- report_files with their SHA-256, so what was sent can be shown and
-- checked later.
CREATE TABLE report_schedules (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    origin      TEXT NOT NULL,
    cron        TEXT NOT NULL,
    timezone    TEXT NOT NULL DEFAULT '',
    scope_kind  TEXT NOT NULL,
    scope_name  TEXT NOT NULL DEFAULT '',
    formats     TEXT NOT NULL,
    kind        TEXT NOT NULL DEFAULT '',
    recipients  TEXT NOT NULL DEFAULT '[]',
    webhook_url TEXT NOT NULL DEFAULT '',
    directory   TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE report_deliveries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id   INTEGER REFERENCES report_schedules(id) ON DELETE SET NULL,
    schedule_name TEXT NOT NULL DEFAULT '',
    trigger       TEXT NOT NULL,
    requested_by  TEXT NOT NULL DEFAULT '',
    scope_kind    TEXT NOT NULL,
    scope_name    TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    error         TEXT NOT NULL DEFAULT '',
    channels      TEXT NOT NULL DEFAULT '[]',
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP
);
CREATE INDEX report_deliveries_schedule ON report_deliveries(schedule_id, started_at);

CREATE TABLE report_files (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id     INTEGER NOT NULL REFERENCES report_deliveries(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    format          TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    artifact_sha256 TEXT NOT NULL REFERENCES artifacts(sha256),
    size            INTEGER NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX report_files_delivery ON report_files(delivery_id);
