// Package crunch42 imports 42Crunch API Security Audit reports and API
// Conformance Scan reports as findings: kind "crunch42".
//
// Parse is a pure function from one report file to findings and the
// evidence that the audited or scanned API is tested; Collector.Collect walks files
// and directories (in a directory only the files Detect recognises) and
// streams Parse results into a collectors.Sink. The package registers its
// kind with collectors.Register in init: importing it (collectors/all)
// makes the kind available.
//
// # Input
//
// The audit report JSON: the platform's wrapper {"taskId", "start", "end",
// "report": {...}}, the assessment object alone, or a JSON array of
// wrappers (one per audited file). The assessment has index[] (JSON
// pointers into the audited OpenAPI document), summary.apiName, and issue
// groups security, data, semanticErrors, validationErrors and warnings.
// Each group's "issues" maps an issue id (the rule,
// "v3-operation-securityrequirement-apikey-inheader") to {description,
// criticality, issues[]}; every inner instance has a pointer (an index
// into index[], or in some exports the JSON pointer itself), its own
// criticality, an optional specificDescription and a fingerprint. Each
// instance is one finding. (Conformance scan reports: see below.) The
// bytes are bounded by
// internal/safedecode (64 MiB, nesting 256, syntax with line and column); a
// field of the wrong type or a pointer outside index[] is an error naming
// its path ("report.security.issues.<id>.issues[4].pointer") and line.
//
// # Field mapping
//
//	Finding       from
//	API           scan.APIName(src, summary.apiName, file): the audited document's
//	              info.title, which is also the openapi collector's API name
//	Tool          "crunch42" (the report does not name its tool)
//	RuleID        the issue id
//	Title         the description, else its id
//	Description   the instance's specificDescription, else the description
//	Severity      criticality 5 critical, 4 high, 3 medium, 2 low, 1 info: the scale the
//	              report counts its own issues by (subgroupIssueCounter none/info/low/
//	              medium/high/critical; the corpus report's 1/5/2 instances of
//	              criticality 1/3/4 are counted info 1, medium 5, high 2), as in the
//	              42Crunch platform API (numInfos...numCriticals) and DefectDojo. The
//	              instance's criticality, else the issue's; neither: 5, or 1 in warnings
//	              (what 42Crunch's VS Code extension assumes). Not 1-5: info + a warning
//	RawSeverity   that criticality as written ("3")
//	CWE, OWASP    0 and "": the audit report names neither and has no tags
//	Location      the resolved JSON pointer into the audited document
//	              ("/paths/~1users/post/security/0/ApiKeyAuth")
//	Method,       for a pointer under /paths/<path>/<method>: the method upper case and
//	Endpoint      "METHOD /path" (the path unescaped, as written in the spec: the
//	              openapi collector's endpoint key); "" for components, path-level
//	              parameters and the like. URL stays "": this is not a DAST finding.
//	File          "": the report does not name the audited file (fileId is a UUID)
//	Tags          "section:<group>" (security, data, semanticErrors, validationErrors,
//	              warnings), "occurrences:<n>" on merged instances
//	Fingerprint   "crunch42:" + the instance's fingerprint; instances of one report with
//	              the same fingerprint are one finding. Without one: "" (ingest derives
//	              one from rule, API, endpoint and location)
//	Remediation,  "": the report carries neither (42Crunch's remediation articles are
//	Excerpt       looked up by issue id in its tools)
//
// # Facts
//
// One evidence record per audited API (per report of the file), API scope,
// Location "crunch42", the report file as artifact:
//
//	fact                  value
//	security_testing.ci   true: a 42Crunch audit of the API was imported; a clean audit
//	                      sets it too. Never false.
//
// # Conformance scan reports
//
// The DAST part of 42Crunch: the scan sends a happy-path request and then
// test requests that deviate from the OpenAPI contract to every
// operation, and reports how the API answered. A report is one JSON
// object: the platform's wrapper {"tid", "aid", "date", "data": {...}} or
// the report itself (scan CLI, IDE). Read are the 2.x reports, with real
// samples under testdata/scan: the oldest state only scanVersion "2.2.0";
// then scanReportVersion 2.2.0, 2.2.1 (the IDE's, not indexed, with a
// per-issue "status") and 2.2.2 (with owaspMapping). paths maps each path
// template and method to an operation with issues[]; indexed reports
// ("indexed": true) write injectionKey, injectionDescription (with
// injectionDescriptionParams for its "%s"), apiResponseAnalysis keys and
// descriptions and jsonPointer as indexes into index.injectionKeys,
// index.injectionDescriptions ... index.jsonPointers. The 3.x report
// ("operations" with test/outcome objects) is only known from 42Crunch's
// type definitions, with no real sample to test against: it is an
// ErrFormat error ("not supported") and Detect does not claim it.
//
// An issue is one test request. It is a finding when the API did not
// behave as its contract says, as 42Crunch's own viewer classifies it:
// its status (2.2.1) is not "expected" ("unexpected", "failure"), or one
// of its apiResponseAnalysis keys is not "response-expected-scan" (an
// unexpected error code "response-error-unexpected-scan", a faulty request
// accepted "response-successful-scan", a 405 missing, a body or content
// type outside the contract "response-body-badformat-scan" ...). A test
// whose status is "expected" and whose analyses are all
// "response-expected-scan" conforms and is no finding; one with neither a
// status nor an analysis is a finding only with a criticality above 0.
// An operation whose happy path failed (reason
// "operation-happy-path-failed", or a happy path key other than
// "happy-path-success" / "happy.path.success") was not tested: that is a
// warning naming method and path, not a finding. The bytes are bounded by
// safedecode as for audits; an index outside its table, or a value that
// is neither a string nor an index, is an ErrFormat error naming its field
// path ("data.paths./api/register.post.issues[3].injectionKey"). Strings
// pulled from the index are clipped to 1 KiB and their parameters to 256
// bytes, and repeated findings are merged while the report is read, so a
// small indexed report cannot inflate into huge findings.
//
//	Finding       from
//	API           scan.APIName(src, host of the first issue's url, file): the scanned
//	              host ("host.docker.internal:8090"); the file name when no issue has
//	              a url (a clean report)
//	Tool          "42Crunch API Conformance Scan"
//	RuleID        injectionKey ("schema-required-scan")
//	Title         injectionDescription with its parameters filled in, clipped to 500
//	Description   the response analyses' descriptions, "Test status: <status>",
//	              "HTTP status received: <code>", "JSON pointer: <pointer>"
//	Severity      criticality on 42Crunch's scale (its report viewer and summary
//	              counters): 5 critical, 4 high, 3 medium, 2 low, 1 info, 0 (None)
//	              info; absent: info. Off the scale: info + a warning
//	RawSeverity   the criticality as written ("2"), "" when absent
//	CWE           0: the report names none
//	OWASP         owaspMapping is a number of 42Crunch's SupportedOwaspTopTenIssueList:
//	              0 none, 1-10 API1-API10 of the 2019 list, 11-20 API1-API10 of the
//	              2023 list. 11-20 give "API<n-10>:2023"; the 2019 numbers (all the
//	              real reports carry) give "" and a tag "owasp:API<n>:2019"
//	Method        the operation's method key, upper case
//	URL           the url, else host + path template; Location the same
//	Endpoint      "": ingest matches the URL's path to the inventory
//	Excerpt       the curl command, then the base64-decoded responseHttp (its first
//	              64 KiB; "(response not decodable)" when it is not base64), through
//	              scan.Excerpt. Credentials are redacted: curl -H values as
//	              dast.Head redacts header lines (Authorization, Cookie, token/key/
//	              secret/session headers), -b/--cookie and -u/--user values, the
//	              response's Set-Cookie and credential headers (dast.Message), and
//	              JWTs and bearer tokens anywhere
//	Tags          "status:<status>", "response:<key>" per analysis, "owasp:<2019 id>",
//	              "occurrences:<n>" on merged findings
//	Fingerprint   "crunch42-scan:" + METHOD + " " + path template + "|" + injectionKey +
//	              "|" + the filled-in injectionDescription (hashed beyond 512 bytes);
//	              issues of one report with the same fingerprint are one finding
//
// One evidence record per scan report, for its API, Location "42Crunch
// API Conformance Scan", the report file as artifact; a report with no
// finding (or no issue at all) sets it too:
//
//	fact                  value
//	security_testing.ci   true: a 42Crunch conformance scan of the API was imported.
//	                      Never false.
package crunch42
