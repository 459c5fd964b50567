// Package gosec is the collector for gosec's JSON report (`gosec
// -fmt=json`): kind "gosec". gosec's SARIF output is read by the sarif
// collector instead.
//
// Parse is a pure function from one report to findings, evidence and
// warnings; Collector.Collect walks files and directories (".json" files
// that Detect recognises) and streams Parse's results.
//
// # How a report is read
//
// internal/safedecode bounds the bytes (64 MiB, 256 levels, JSON syntax
// with line and column). The top level must be an object with an
// "Issues" array, and when that array is not empty at least one issue
// must have a rule_id (Burp's GraphQL export also has "Issues"). An issue
// that is not an object, does not decode or has no rule_id is skipped with
// a warning naming Issues[i]. Every entry of "Golang errors" (a package
// gosec could not type-check, so analysed in part or not at all) is a
// warning with its file, line and column.
//
// # Finding fields
//
//	field        derivation
//	API          scan.APIName(src, "", file): gosec states no project
//	Tool         "gosec"
//	RuleID       rule_id (G101 ...)
//	Title        the first line of details, else the rule id
//	Description  details, then cwe.url when given (16 KiB)
//	Severity     severity (LOW/MEDIUM/HIGH) through scan.Severity; another word ->
//	             info with a warning
//	RawSeverity  severity as written
//	CWE          cwe.id (a string or number); an issue without one takes the CWE
//	             the same report states for the same rule (older gosec versions
//	             write it on some issues of a rule only)
//	OWASP        "": gosec states none; ingest maps the CWE
//	File, Line   file (backslashes as slashes); the first number of line ("12" or
//	             the range "12-14"; 0 when it is not a number)
//	Location     "file:line"
//	Excerpt      code (scan.Excerpt)
//	Remediation  autofix (gosec's suggested fix), when present
//	Tags         "confidence:<confidence>"; "suppressed" and "suppression:<kind>"
//	             for nosec or suppressions (a #nosec annotation, or an external
//	             suppression: the issue is kept, the tag says it was accepted);
//	             "occurrences:<n>"
//	Fingerprint  "": gosec has no stable identity; ingest derives one from tool,
//	             rule, API and location. Issues of one rule on one location are one
//	             finding tagged "occurrences:<n>".
//
// # Facts
//
// One API-scope evidence record per report (findings or not), the report
// as artifact, Location "gosec" (the findings' Tool: the import's scope):
//
//	fact                 value
//	security_testing.ci  true: the report shows a scan ran against the API's code
//
// The collector is not registered in collectors/all here; the lead does it.
package gosec
