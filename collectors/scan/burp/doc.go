// Package burp imports Burp Suite scan results as findings, kind "burp",
// from three outputs told apart by content:
//
//   - the Scanner XML export (<issues burpVersion="..."> with Burp's DTD,
//     requests and responses base64-encoded);
//   - the REST API scan status (GET /v0.1/scan/{task_id}: "task_id",
//     "scan_status", "issue_events"[].issue, evidence as base64 segments);
//   - the Enterprise GraphQL issues (top-level "Issues" as exported, or the
//     API's own {"data": {"scan": {"issues": [...]}}}), HTML segments.
//
// The collector is not registered in collectors/all here; the lead does
// it. Parse is pure; Collect reads files and directory trees (scan.Format.Collect).
//
// # Records
//
// Per report: one API-scope evidence per API the report concerns (one per
// issue origin host; an export without issues: the file's API), then one
// finding per issue. Issues with the same fingerprint (one issue exported
// twice) are one finding tagged "occurrences:<n>".
//
// # Field mapping
//
//	Finding      XML issue / REST issue / GraphQL issue
//	API          scan.APIName(src, host of host / origin / origin (with a non-default port), file)
//	Tool         "burp" (the XML names no program; the tool is part of an import's scope)
//	RuleID       type / type_index / issue_type.type_index, else issue_type.name (the sample
//	             export has no type_index). Burp's issue type ids are the same number in all
//	             three, so a rule keeps its id across outputs
//	Title        name / name / issue_type.name
//	Severity     High, Medium, Low, Information (REST/GraphQL: high, medium, low, info) through
//	             scan.Severity; "False positive" is info; an unknown word is info with a warning
//	RawSeverity  severity verbatim
//	CWE          the first CWE-n in vulnerabilityClassifications /
//	             issue_type.vulnerability_classifications_html (HTML link lists); further CWEs
//	             as tags "cwe:<n>". The REST API states none: 0 (ingest cannot map it; a
//	             type_index to CWE table is not built in)
//	OWASP        "": Burp states no OWASP API category
//	Description  issueDetail, issueDetailItems ("- " lines) and issueBackground as text / description /
//	             description_html and issue_type.description_html
//	Remediation  remediationDetail, remediationBackground, "References:" references / remediation /
//	             remediation_html, issue_type.remediation_html, issue_type.references_html
//	Method       request@method of the first requestresponse, else the request line's method /
//	             the request line of the first evidence's request segments
//	URL          host (origin) + path: dast.JoinURL; a path that is already a URL stays
//	Location     URL + " param=<p>", p from the insertion point Burp appends to location /
//	             caption: "[q parameter]" gives "q", other kinds keep their words ("b_id cookie",
//	             "URL path filename")
//	Excerpt      the first request and response, base64-decoded (only their first 64 KiB) or
//	             HTML segments turned to text: start line and headers only, credential headers
//	             (Authorization, Cookie, Set-Cookie, *token*, *api-key*...) redacted
//	Tags         confidence:<Certain|Firm|Tentative> as written, cwe:<n>, occurrences:<n>
//	Fingerprint  "burp:" + rule | METHOD | URL | p (hashed past 512 bytes). serialNumber is not
//	             used: it is per Burp project, not stable across scans
//	Endpoint     ""
//
// # Facts
//
//	fact                  derivation
//	security_testing.ci   true, on the API-scope evidence of every API the report concerns
//	                      (findings or not); never false
//
// # Bounds and hostile input
//
// As for zap: max_bytes, max_depth (XML elements and JSON nesting, 256 by
// default), strict XML without entity expansion (Burp's DTD is skipped,
// never applied), clipped fields, at most 100 warnings per file. Errors are
// *scan.Error: "burp: file:line:column: ..." (or the JSON field path);
// a file of the wrong shape wraps burp.ErrFormat.
package burp
