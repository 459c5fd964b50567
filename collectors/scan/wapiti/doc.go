// Package wapiti imports Wapiti 3 XML reports (<report type="security">
// with <report_infos>, <vulnerabilities>, <anomalies>, <additionals>) as
// findings, kind "wapiti". Wapiti 2's <bugTypeList> format and Wapiti's
// JSON report are not read.
//
// The collector is not registered in collectors/all here; the lead does
// it. Parse is pure; Collect reads files and directory trees (scan.Format.Collect).
//
// # Records
//
// Per report: one API-scope evidence for the target's API (findings or
// not), then one finding per entry of every category (vulnerabilities,
// anomalies and additionals alike; the last two tagged). Entries with the
// same fingerprint are one finding tagged "occurrences:<n>".
//
// # Severity: the level scale changed
//
// Wapiti 3.0.4 and later (wapitiCore/language/vulnerability.py): INFO 0,
// LOW 1, MEDIUM 2, HIGH 3, CRITICAL 4; the corpus report (3.0.4) writes
// level 1 for its missing security headers, which mod_http_headers files
// with add_vuln_low. Up to 3.0.3 the constants ran the other way: HIGH
// "1", MEDIUM "2", LOW "3". The report's generatorVersion decides; a
// report without one is read on the current scale. (DefectDojo reads 1 as
// high for every version.) A level outside the scale is info with a
// warning naming the value and the scale.
//
// # Field mapping
//
//	Finding      from the report
//	API          scan.APIName(src, host of the "target" info (with a non-default port), file)
//	Tool         "wapiti" (the report's generatorName)
//	RuleID       the category's name attribute ("SQL Injection"); Title the same
//	Severity     the entry's level on the version's scale (above)
//	RawSeverity  level verbatim
//	CWE          the first CWE-n in the category's reference titles ("CWE-89: ..."); further
//	             CWEs as tags "cwe:<n>"
//	OWASP        "": Wapiti gives WSTG codes (kept as tags), not OWASP API categories
//	Description  the entry's info, then the category's description
//	Remediation  the category's solution, then "References:" (title: url per reference)
//	Method, URL  the entry's method (upper case); path resolved against the target's origin
//	             (a path that is a URL stays)
//	Location     URL + " param=<parameter>" when there is one
//	Excerpt      http_request (the attack request, body included: it carries the payload)
//	             with credential headers redacted; with --detailed-report, the response's
//	             status and headers (its body left out). curl_command is not used
//	Tags         wapiti:anomaly / wapiti:additional, module:<module>, WSTG codes, cwe:<n>,
//	             occurrences:<n>
//	Fingerprint  "wapiti:" + category | METHOD | URL | parameter | info. Wapiti gives no id;
//	             info is what tells apart entries of one category at one place (each missing
//	             security header is an entry of "HTTP Secure Headers" at GET /)
//	Endpoint     ""
//
// # Facts
//
//	fact                  derivation
//	security_testing.ci   true, on the API-scope evidence of the target's API (findings or
//	                      not); never false
//
// # Bounds and hostile input
//
// As for zap: max_bytes, max_depth, strict XML without entity expansion,
// clipped fields, at most 100 warnings per file. Errors are *scan.Error (wrong shape: wapiti.ErrFormat):
// "wapiti: file:line:column: ...".
package wapiti
