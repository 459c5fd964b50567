// Package gitlab imports GitLab security reports (the JSON of GitLab's
// security-report-schemas: API fuzzing, DAST, and the report types that
// share the shape) as findings: kind "gitlab-api-fuzzing".
//
// Parse is a pure function from one report file to findings and the
// evidence that the scanned APIs are tested; Collector.Collect walks files
// and directories (in a directory only the files Detect recognises) and
// streams Parse results into a collectors.Sink. The package registers its
// kind with collectors.Register in init: importing it (collectors/all)
// makes the kind available.
//
// # Input
//
// One JSON object: version, vulnerabilities[] {id, category, name, message,
// description, severity, confidence, solution, cve, scanner, identifiers[]
// {type, name, value}, links[], location, evidence {summary, request,
// response}}, scan {analyzer, scanner, type, scanned_resources}. The bytes
// are bounded by internal/safedecode (64 MiB, nesting 256, syntax with line
// and column); a field of the wrong type is an error naming its path and
// line. Scalars the schema types as strings may be numbers or null (other
// tools' exports do that); objects or arrays there are errors.
//
// The location depends on the report type and is read by one rule, with
// no case for any particular tool: a hostname or path (DAST, API fuzzing)
// is an HTTP place; else a file (SAST, secrets, dependency scanning); else
// an image (container scanning); else crash data (coverage fuzzing: the
// corpus sample is a libFuzzer crash in a report of this schema); else
// nothing but the primary identifier.
//
// # Field mapping
//
//	Finding       from
//	API           scan.APIName(src, host, file): location.hostname reduced to host[:port]
//	              (default ports dropped); without one, the file name. A report without
//	              vulnerabilities tests the hosts of scan.scanned_resources
//	Tool          the vulnerability's scanner.name, else scan.scanner.name, else
//	              scan.analyzer.name, else the kind
//	RuleID        the primary (first) identifier: "CWE-<n>" for a cwe one, else
//	              "<type>:<value>" ("ZAProxy_PluginId:10062"); without identifiers the
//	              name, message or category
//	Title         name, else message, else the rule id
//	Description   description, else message; then links[] as a "References:" list
//	Severity      severity through scan.Severity (Critical, High, Medium, Low, Info;
//	              Unknown is info); another word: info and a warning with the line
//	RawSeverity   severity verbatim
//	CWE           the first identifier of type cwe (any case; value, else name); further
//	              ones as tags "cwe:<n>"
//	OWASP         an identifier of type owasp naming an OWASP API Security 2023 category
//	              (scan.OWASPAPI); "" otherwise
//	Method, URL   location.method upper case (when it is a word), hostname + path
//	Location      DAST: the URL, + " param=<param>" when one is named. File: "file:line"
//	              (+ " pkg@version" for a dependency). Image: "image pkg@version".
//	              Crash: crash_address, else the top frame (first line) of crash_state,
//	              else crash_type. Otherwise the rule id
//	File, Line    location.file (slashes) and start_line, when the location is a file
//	Endpoint      "": ingest matches the URL's path against the inventory
//	Remediation   solution
//	Excerpt       evidence: summary, the request ("METHOD url", headers, body), the
//	              response ("status reason", headers, body); for a crash the
//	              stacktrace_snippet; cut to collectors.MaxExcerpt
//	Tags          every non-CWE identifier as "<type>:<value>", "cve:<id>" from the
//	              legacy cve field, "category:<category>", "confidence:<confidence>",
//	              "crash_type:<type>", "cwe:<n>" for further CWEs (at most
//	              scan.MaxTags, 64, each clipped to 200 bytes)
//	Fingerprint   "": the report's id is per run (DAST writes a fresh UUID each time),
//	              so ingest derives the identity from tool, rule, API and location,
//	              which is how GitLab itself tracks a vulnerability (location +
//	              primary identifier). Nothing is merged.
//
// # Facts
//
// One evidence record per (API, tool) pair the report concerns (each
// finding's; without vulnerabilities, the scanned resources' hosts, else
// the file-name API, with the report's scanner or analyzer name), API
// scope, Location the tool exactly as the findings carry it (the import's
// scope: a clean re-scan fixes what the last one found), the report file
// as artifact:
//
//	fact                  value
//	security_testing.ci   true: a GitLab security scan of the API was imported; a clean
//	                      scan sets it too. Never false.
package gitlab
