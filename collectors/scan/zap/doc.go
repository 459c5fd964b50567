// Package zap imports OWASP ZAP reports as findings: the XML report
// (<OWASPZAPReport>, every ZAP version from 2.7 to 2.16, with or without
// request/response headers) and the "traditional JSON" report (and its
// -plus variant), told apart by their first byte. Kind "zap".
//
// The collector is not registered in collectors/all here; the lead does
// it. Parse is pure (no I/O); Collect reads files and directory trees
// through scan.Format.Collect (files, or directory trees whose files
// Detect recognises by content).
//
// # Records
//
// Per report: one API-scope evidence per API the report concerns
// (scan.TestedEvidence: a clean scan is evidence too), then the findings.
// Each instance of an alert is a finding: ZAP reports one alert per rule
// and lists where it fired, and a team fixes it per endpoint. Instances
// with the same fingerprint (the same rule, method, URL and parameter,
// e.g. twenty "Timestamp Disclosure" instances on one page with different
// timestamps as evidence) are one finding tagged "occurrences:<n>". ZAP
// lists at most a configured number of instances per alert while <count>
// has them all: a warning says how many were not imported.
//
// # Field mapping
//
//	Finding      from the report (XML element / JSON member; same names)
//	API          scan.APIName(src, hint, file): hint = site@host, plus ":"+@port unless it is
//	             the default for @ssl (443 / 80); without @host the host of site@name. No site
//	             at all: the file's name (and a warning)
//	Tool         "zap": reports name the program inconsistently ("OWASP ZAP", "ZAP", nothing)
//	             and the tool is part of an import's scope
//	RuleID       pluginid; else alertRef; else the alert's name (none of them: skipped, warning)
//	Title        name (else alert)
//	Severity     riskcode 3 high, 2 medium, 1 low, 0 info (ZAP has no critical); without a
//	             known riskcode the first word of riskdesc ("High (Medium)"); else info and a
//	             warning naming the value. confidence 0 (a user-marked false positive): info
//	RawSeverity  riskcode verbatim (riskdesc when there is no riskcode). riskdesc is display
//	             text and may be an unresolved template key ("!reports.report.risk.3!")
//	CWE          cweid (0, -1 and empty: none); else the first CWE-n among the 2.16 <tags>;
//	             further CWEs as tags "cwe:<n>"
//	OWASP        an OWASP API Security 2023 category among <tags> (scan.OWASPAPI); else "",
//	             ingest maps the CWE. ZAP's OWASP_2021_A03-style tags are the web Top 10
//	Description  desc as text, then "Other information:" and the instance's otherinfo (else
//	             the alert's). HTML (2.7-2.15) becomes text; 2.16 writes plain text
//	Remediation  solution as text, then "References:" with reference's lines as "- " items
//	Method, URL  the instance's method (upper case) and uri as reported; 2.9-era reports
//	             with uri/method/param at alert level give one instance from those
//	Location     uri + " param=<param>" when there is one; without uri the site's name
//	Excerpt      "Attack: <attack>", "Evidence: <evidence>", then the request and response
//	             heads when the report has requestheader/responseheader (2.16, -plus JSON):
//	             lines un-indented, bodies left out, credential headers redacted
//	Tags         confidence:<False Positive|Low|Medium|High|Confirmed> (ZAP's names of codes
//	             0-4, else confidencedesc), alertRef:<ref> when it differs from pluginid,
//	             wasc:<id> (when > 0), ZAP's <tags> verbatim, cwe:<n>, occurrences:<n>
//	Fingerprint  "zap:" + alertRef (else pluginid) | METHOD | uri | param; alertRef and not
//	             pluginid, so two variants of one plugin at one place stay two findings.
//	             Longer than 512 bytes: "zap:sha256:<hex>"
//	Endpoint     "": ingest matches the URL's path against the inventory's templates
//
// # Facts
//
//	fact                  derivation
//	security_testing.ci   true, on the API-scope evidence of every API the report concerns
//	                      (every site; findings or not); never false: a report that does not
//	                      parse is an error, not evidence
//
// # Bounds and hostile input
//
// Files are read under max_bytes (default 64 MiB); XML elements and JSON
// containers nest at most max_depth (default 256) levels, checked before
// decoding. XML is decoded strictly without entity expansion: XXE and
// billion-laughs documents fail with dast.ErrEntity, an external DTD is
// never fetched. Titles and rule ids are clipped to 500 bytes, URLs to 8
// KiB, descriptions to 16 KiB, excerpts to collectors.MaxExcerpt, warnings
// to 100 per file, tags to scan.MaxTags. Errors are *scan.Error: "zap:
// file:line:column: ..." (or the JSON field path); a file of the wrong
// shape wraps zap.ErrFormat.
package zap
