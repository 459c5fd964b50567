-- Scan findings: where they were seen and the remediation workflow.

-- The source that imported a finding last, and the run: a newer import of
-- the same source, tool and API that no longer reports it marks it fixed.
ALTER TABLE findings ADD COLUMN source      TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN last_run_id INTEGER REFERENCES collector_runs(id);
-- Where a scanner saw it: a request (DAST) or a file and line (SAST).
ALTER TABLE findings ADD COLUMN method  TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN url     TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN file    TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN line    INTEGER NOT NULL DEFAULT 0;
ALTER TABLE findings ADD COLUMN excerpt TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN tags    TEXT NOT NULL DEFAULT '';   -- JSON array of strings
-- Remediation: risk acceptance (reason and approver; accepted_until is
-- its expiry), a link to the team's tracker, when it was fixed.
ALTER TABLE findings ADD COLUMN accept_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN accepted_by   TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN tracker_url   TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN fixed_at      TIMESTAMP;

CREATE INDEX findings_api_status ON findings(api_id, status);
CREATE INDEX findings_due ON findings(due_at);

-- Every change of a finding: who, when, what, why. Append-only, like the
-- evidence and the audit log, so an auditor can trust a finding's history.
CREATE TABLE finding_events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    finding_id INTEGER NOT NULL REFERENCES findings(id),
    at         TIMESTAMP NOT NULL,
    actor      TEXT NOT NULL,               -- a principal, or "posture" for imports and expiry
    kind       TEXT NOT NULL,               -- created | status | assignee | tracker | comment | seen
    from_value TEXT NOT NULL DEFAULT '',
    to_value   TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX finding_events_finding ON finding_events(finding_id, id);
CREATE TRIGGER finding_events_no_update BEFORE UPDATE ON finding_events
BEGIN SELECT RAISE(ABORT, 'finding history is append-only'); END;
CREATE TRIGGER finding_events_no_delete BEFORE DELETE ON finding_events
BEGIN SELECT RAISE(ABORT, 'finding history is append-only'); END;
