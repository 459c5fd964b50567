// Package crunch42 imports 42Crunch API Security Audit reports as
// findings: kind "crunch42".
//
// Parse is a pure function from one report file to findings and the
// evidence that the audited API is tested; Collector.Collect walks files
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
// instance is one finding. The conformance scan report is not read (the
// corpus has none to test against). The bytes are bounded by
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
package crunch42
