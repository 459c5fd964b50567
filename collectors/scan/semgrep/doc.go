// Package semgrep is the collector for Semgrep's JSON output (`semgrep
// --json`, OSS or AppSec Platform CLI): kind "semgrep". Semgrep's SARIF
// output is read by the sarif collector instead.
//
// Parse is a pure function from one report to findings, evidence and
// warnings; Collector.Collect walks files and directories (".json" files
// that Detect recognises) and streams Parse's results.
//
// # How a report is read
//
// internal/safedecode bounds the bytes (64 MiB, 256 levels, JSON syntax
// with line and column). The top level must be an object with a
// "results" array, and when that array is not empty at least one result
// must have a check_id (else the file is not Semgrep output). A result
// that is not an object, does not decode or has no check_id is skipped
// with a warning naming results[i]. Each element of the top-level
// "errors" (rules or files Semgrep could not run, so the scan is
// incomplete there) is a warning.
//
// # Finding fields
//
//	field        derivation
//	API          scan.APIName(src, "", file): Semgrep states no project
//	Tool         "semgrep"
//	RuleID       check_id
//	Title        the last dot-separated segment of check_id (the rule's own name;
//	             the rest is its registry path)
//	Description  extra.message (16 KiB)
//	Severity     extra.severity on Semgrep's documented scale: CRITICAL -> critical;
//	             HIGH and the older ERROR -> high; MEDIUM, WARNING -> medium; LOW,
//	             INFO -> low; INVENTORY, EXPERIMENT -> info; another word -> info
//	             with a warning
//	RawSeverity  extra.severity as written
//	CWE          the first CWE of extra.metadata.cwe (a string or a list of
//	             "CWE-352: title"); the others as tags "cwe:<n>"
//	OWASP        an OWASP API Security 2023 entry of metadata.owasp (scan.OWASPAPI);
//	             Top 10 (web) entries such as "A01:2021 - ..." only as tags
//	File, Line   path (backslashes as slashes), start.line
//	Location     "path:line"
//	Excerpt      extra.lines, except Semgrep OSS's "requires login" placeholder and
//	             rules that find secrets (check_id or metadata category /
//	             subcategory / product naming "secret"): the lines are the secret
//	Remediation  "Suggested fix:" extra.fix, metadata.references, metadata.source
//	Tags         "owasp:<entry>", "confidence:", "category:", "subcategory:",
//	             "technology:", "likelihood:", "impact:", "vulnerability_class:"
//	             from metadata; "suppressed" and "suppression:inSource" for
//	             extra.is_ignored (a nosemgrep comment); "sca",
//	             "dependency:<package>@<version>" and the advisory id for supply-chain
//	             results; "occurrences:<n>"
//	Fingerprint  "semgrep:" + extra.fingerprint, except "requires login"; else ""
//	             (ingest derives one from tool, rule, API and location)
//
// Results with the same identity (the fingerprint, else rule and
// location: two matches on one line) are one finding tagged
// "occurrences:<n>".
//
// # Facts
//
// One API-scope evidence record per report (findings or not), the report
// as artifact, Location "semgrep" (the findings' Tool: the import's scope):
//
//	fact                 value
//	security_testing.ci  true: the report shows a scan ran against the API's code
//
// The collector is not registered in collectors/all here; the lead does it.
package semgrep
