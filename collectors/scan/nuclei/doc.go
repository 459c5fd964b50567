// Package nuclei imports ProjectDiscovery Nuclei results as findings:
// kind "nuclei".
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
// `nuclei -json` / `-jsonl` writes JSON Lines, `-json-export` a JSON array;
// both are read, and so is a single result object. An empty file is a run
// without results. Two key generations exist (see the corpus NOTES):
// older output has templateID, matched, matcher_name, extracted_results;
// v2.5+ and v3 have template-id, template-path, matched-at, matcher-name,
// extracted-results, request, response, curl-command. Both are read. The
// bytes are bounded by internal/safedecode (64 MiB, nesting 256, syntax
// with line and column); a JSONL line may not exceed 1 MiB, and a bad line
// is an error with its line number. A field of the wrong type is an error
// naming its path ("info.tags") and line. Results with "matcher-status":
// false (non-matches that -matcher-status also writes) are skipped.
//
// # Field mapping
//
//	Finding       from
//	API           scan.APIName(src, host, file): the result's "host" reduced to host[:port]
//	              (port kept unless it is the scheme's default), else matched-at's; the
//	              file name when neither has a host
//	Tool          "nuclei"
//	RuleID        template-id / templateID
//	Title         info.name, else the template id
//	Description   info.description, then info.reference as a "References:" list
//	Severity      info.severity through scan.Severity (info, low, medium, high, critical;
//	              "unknown" is info); absent: info.classification.cvss-score by the CVSS
//	              ranges; an unknown word or none: info and a warning with the line
//	RawSeverity   info.severity verbatim
//	CWE           the first of info.classification.cwe-id (["cwe-362"]); the others as
//	              tags "cwe:<n>"
//	OWASP         the first info.tags entry naming an OWASP API Security 2023 category
//	              (scan.OWASPAPI); "" otherwise, ingest maps the CWE
//	Location      matched-at / matched (a URL, host:port or a name), else host
//	URL           matched-at when it is an http(s) URL (http templates); "" for network,
//	              dns and ssl templates, whose target is not an API path
//	Method        the method of the request's first line ("POST /x HTTP/1.1"), else the
//	              -X of curl-command; "" otherwise (DNS requests, raw network bytes)
//	Endpoint      "": ingest matches the URL's path against the inventory
//	Remediation   info.remediation
//	Excerpt       "extracted-results: a, b", the request (else curl-command), the
//	              response; cut to collectors.MaxExcerpt
//	Tags          info.tags (a list, or one comma-separated string), "type:<type>",
//	              "matcher:<matcher-name>", "cve:<id>" per classification.cve-id,
//	              "cwe:<n>" for further CWEs (at most scan.MaxTags, 64, each clipped
//	              to 200 bytes), "occurrences:<n>" on merged results
//	Fingerprint   "nuclei:" + template-id | matched-at | matcher-name; results of one
//	              report with the same fingerprint are one finding (the first is kept)
//
// # Facts
//
// One evidence record per API the report concerns (every API of a finding;
// the file-name API for a report without results), API scope, Location
// "nuclei", the report file as artifact:
//
//	fact                  value
//	security_testing.ci   true: a Nuclei scan of the API was imported. Never false: a
//	                      missing report says nothing. Clean reports set it too.
package nuclei
