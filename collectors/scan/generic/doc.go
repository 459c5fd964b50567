// Package generic imports findings in posture's own generic format, for
// tools posture has no collector of: kind "findings". The format is
// documented for users in docs/findings-format.md, with the JSON Schema
// docs/findings.schema.json; this comment says the same (the tests check
// the examples of the document against the schema and this parser).
//
// Parse is a pure function from one file to findings and the evidence that
// the APIs it names are tested; Collector.Collect walks files and
// directories (in a directory only the files Detect recognises) and streams
// Parse results into a collectors.Sink. The package registers its kind
// with collectors.Register in init: importing it (collectors/all) makes
// the kind available.
//
// # The format
//
// A JSON document:
//
//	{"tool": "acme-api-scanner", "api": "payments", "findings": [
//	  {"rule_id": "AUTH-001", "title": "Endpoint accepts requests without a token",
//	   "severity": "high", "cwe": 306, "owasp": "API2:2023", "method": "GET",
//	   "url": "https://payments.example.com/v1/payments/42", "fingerprint": "AUTH-001:GET:/v1/payments/{id}",
//	   "tags": ["authn"]}]}
//
// Its top-level keys are findings (required, an array, may be empty), tool
// (the default tool of its findings), api (the default API) and $schema
// (ignored); no others. A bare JSON array of finding objects, and JSON
// Lines (one finding object per line, at most 1 MiB a line, blank lines
// skipped) are read too. CSV: a header row names the columns, in any order
// and letter case, each one of the finding fields (an unknown or repeated
// column is an error naming it); severity and rule_id or title are required
// columns; every row has as many cells as the header; an empty cell is an
// absent field; tags are separated by ";"; RFC 4180 quoting; a UTF-8 BOM is
// allowed. A name ending in ".csv", or content that does not start like
// JSON, is read as CSV.
//
// Finding fields (Fields), all optional unless said:
//
//	field        JSON type         meaning
//	rule_id      string            the check that fired; required unless title is given
//	title        string            one-line summary; defaults to rule_id (and rule_id to it)
//	severity     string            required: critical, high, medium, low, info
//	description  string            plain text
//	cwe          integer | string  79 or "CWE-79"
//	owasp        string            OWASP API Security 2023 category "API1:2023" ... "API10:2023"
//	api          string            the inventory API
//	method       string            HTTP method of a dynamic finding
//	url          string            where a dynamic finding was seen: absolute URL or path
//	file         string            where a static finding was seen, slash-separated
//	line         integer           1-based line in file, 0 unknown
//	remediation  string            how to fix it
//	fingerprint  string            the tool's stable identity of the issue
//	tags         array of strings  the tool's classifications
//	tool         string            overrides the document's tool for this finding
//
// A JSON finding has no other keys (a misspelt key is an error rather than
// a silently lost field); null is absent. A value of the wrong type, a cwe
// that is not a CWE id, a negative or non-numeric line, a method that is
// not a word, or a finding without severity or without both rule_id and
// title is an error naming the file, line, column (JSON) and field path
// ("findings[2].cwe").
//
// # Field mapping
//
//	Finding       from
//	Tool          tool, else the document's tool, else the source option "tool", else
//	              "findings"
//	API           scan.APIName(src, hint, file): the source's api setting wins; hint is
//	              the finding's api, else the document's, else url's host[:port]
//	              (default ports dropped), mapped through api_map; else the file name
//	RuleID, Title rule_id and title, each defaulting to the other; clipped to 500 bytes
//	Severity      scan.Severity of severity: the five words in any case, plus other
//	              tools' words (moderate, error, warning, note...) and 0-10 scores;
//	              anything else is info with a warning
//	RawSeverity   severity verbatim
//	CWE           cwe
//	OWASP         owasp when scan.OWASPAPI recognises it; otherwise "" and a warning
//	Method, URL   method upper case, url as given
//	File, Line    file (backslashes turned to slashes), line
//	Location      url; else "file:line"; else file
//	Description,  description, remediation (bounded to 16 KiB)
//	Remediation
//	Tags          tags, without repeats (at most scan.MaxTags, 64, each clipped to
//	              200 bytes)
//	Fingerprint   "<tool>:<fingerprint>"; findings of one file with the same one are one
//	              finding (the first, tagged "occurrences:<n>"); without: "" and ingest
//	              derives one
//	Endpoint,     "" (ingest matches the URL path to the inventory)
//	Excerpt
//
// Warnings carry the line: "line 4: findings[2]: unknown severity ...".
//
// # Detection
//
// JSON: a top-level object whose "findings" is an array, with a "tool"
// string or a first finding with rule_id, title or severity. CSV: a ".csv"
// name whose header names severity and rule_id or title. Bare arrays and
// JSON Lines are only read when the kind is given.
//
// # Facts
//
// One evidence record per (API, tool) pair the file concerns (each
// finding's; for a file without findings the document's api, or the file
// name, with the tool a finding would have had), API scope, Location the
// tool (the import's scope: a clean re-scan fixes what the last one
// found), the file as artifact:
//
//	fact                  value
//	security_testing.ci   true: findings of a security tool were imported for the API;
//	                      an empty findings list sets it too. Never false.
package generic
