-- Cross-tool deduplication: two tools reporting the same weakness (CWE) at
-- the same place (the same operation, or the same file and line) of an API
-- are one issue. The later one points at the first (duplicate_of); lists
-- and scores count the group once while any member of it is active.
ALTER TABLE findings ADD COLUMN correlation  TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN duplicate_of INTEGER REFERENCES findings(id);
CREATE INDEX findings_correlation ON findings(api_id, correlation);
