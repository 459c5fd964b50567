-- Why a fact has its value and where (collectors.Note, a JSON array), hashed
-- into the record's chain entry when present; the spec audit lists them.
ALTER TABLE evidence ADD COLUMN notes TEXT NOT NULL DEFAULT '';

-- Problems that did not stop a collection but left facts unknown (a JSON
-- array of strings), shown with the run.
ALTER TABLE collector_runs ADD COLUMN warnings TEXT NOT NULL DEFAULT '';
