// Package sarif is the collector for SARIF 2.1.0 logs from any tool
// (CodeQL, SpotBugs, gitleaks, and Checkov, Trivy, gosec or Semgrep when
// asked for SARIF): kind "sarif". It turns each result into a
// collectors.Finding and says, per API, that a scan ran.
//
// Parse is a pure function from one log to findings, evidence and
// warnings; Collector.Collect walks files and directories (".sarif" and
// ".json" files that Detect recognises) and streams Parse's results.
//
// # How a log is read
//
//  1. internal/safedecode bounds the bytes: 64 MiB, 256 levels of nesting,
//     JSON syntax (a truncated log is an error with its line and column).
//  2. The top level must be an object with a "runs" array; "version" must
//     be 2.1.0 (absent or another 2.x: a warning; 1.x: an error).
//  3. Each run and each of its parts is decoded with the types of
//     github.com/owenrumney/go-sarif/v3 (v210/sarif) on its own. A result,
//     tool component, artifact or base URI table that does not match the
//     schema is a warning naming its path (runs[0].results[3]: level: ...)
//     and the rest of the log is read: producers are loose, and the
//     specification's own Appendix K example fails the library's
//     all-or-nothing sl.FromBytes. Thin wrappers record whether an index
//     (ruleIndex, rule.index, toolComponent.index, artifactLocation.index,
//     webRequest.index) was written at all, which the library's int
//     fields cannot tell from 0.
//  4. Results of kind "pass" or "notApplicable" and results whose
//     baselineState is "absent" (gone since the baseline) are not
//     findings. Two results of one log with the same identity (below) are
//     one finding tagged "occurrences:<n>".
//
// # Finding fields
//
//	field        derivation
//	API          scan.APIName(src, repo, file): repo is the last segment of the run's
//	             versionControlProvenance[].repositoryUri (".git" cut), else the file name
//	Tool         run.tool.driver.name ("sarif" with a warning when missing)
//	RuleID       result.ruleId, else rule.id; no id but a ruleIndex: the rule's id; none
//	             of these (gitleaks 7): the rule whose id starts the message text, else
//	             the message's first line (a warning)
//	rule         result.rule.toolComponent picks a tool extension (CodeQL packs), else
//	             the driver; then ruleIndex / rule.index when it agrees with the id,
//	             else the id (a hierarchical "a/b" falls back to "a")
//	Title        rule shortDescription, else rule name, else the message's first line
//	Description  the message (text, else markdown, else the rule's or the component's
//	             messageStrings[message.id] with {n} arguments), then the rule's
//	             fullDescription when different; 16 KiB
//	Remediation  rule help (text, else markdown) and helpUri; 16 KiB
//	Severity     security-severity (result properties, then rule properties; a 0-10
//	             score as string or number) through scan.FromScore; else the level:
//	             result.level; for kind "fail" (the default) the rule's
//	             defaultConfiguration.level, else CodeQL's problem.severity
//	             (error/warning/recommendation -> high/medium/low); other kinds: none.
//	             Levels: error -> high, warning -> medium, note -> low, none -> info (as
//	             GitHub code scanning ranks alerts without a security-severity). Nothing
//	             stated: SARIF's default "warning" -> medium. Another word: info, warning
//	RawSeverity  the score or level word as written; "" when nothing was stated
//	CWE          first CWE of the rule's and result's properties.tags
//	             ("external/cwe/cwe-079", "CWE-79: ..."), a rule "cwe"/"cwes" property,
//	             rule relationships and result taxa that target the "CWE" taxonomy;
//	             the others as tags "cwe:<n>"
//	OWASP        an OWASP API Security 2023 tag (scan.OWASPAPI); "" otherwise
//	File, Line   the first location with a physicalLocation: artifactLocation.uri (or
//	             run.artifacts[index].location), resolved through
//	             run.originalUriBaseIds (up to 8 hops; an undefined base such as
//	             CodeQL's %SRCROOT% leaves it relative; a local file: URI becomes its
//	             path; relative paths are percent-decoded); region.startLine
//	URL, Method  result.webRequest target/method (or run.webRequests[index]); an
//	             http(s) artifact URI is a URL, not a file
//	Location     "file:line" (the file alone when there is no line), else the URL,
//	             else the first logical location's fullyQualifiedName
//	Excerpt      region.snippet.text, else contextRegion.snippet.text; none for secret
//	             scanners (a tool name with leak/secret/truffle/ggshield/credential, or
//	             a rule tagged secret/secrets): the snippet is the secret. For the
//	             same reason the stored report (the evidence artifact) of a secret
//	             scanner's run has its snippets and its offender/secret/match/token/
//	             password properties replaced by "[REDACTED by posture]" (redact.go)
//	Tags         rule and result properties.tags (CWE tags go to CWE), "confidence:<p>"
//	             from the rule's precision, "kind:<k>" for kinds other than fail,
//	             "suppressed" and "suppression:<kind>" for a suppressed result (a
//	             suppression with status accepted or none, and none underReview or
//	             rejected: the result is kept, the tag says it was accepted),
//	             "occurrences:<n>"; at most 64, 200 bytes each
//	Fingerprint  fingerprints (stable identity): "sarif:<tool>|<key>=<value>" of the
//	             first key; partialFingerprints (CodeQL's line hash is the same for
//	             the same line in two files): "sarif:<tool>|<rule>|<file>|k=v|...";
//	             hashed to "sarif:<32 hex>" beyond 256 bytes; else "" (ingest derives
//	             one from tool, rule, API and location)
//
// # Bounds
//
// Besides safedecode's size and depth limits: a rule's tags, relationships
// and CWE list are read once per rule (256 entries each), not once per
// result; a message template's {n} expansion stops at 16 KiB; a
// uriBaseId chain stops after 8 hops or 4 KiB; a result without a rule
// id tries its message's first 512 bytes against the rule ids; at most
// 100 warnings per log are kept (the last counts the rest).
//
// # Facts
//
// One API-scope evidence record per (API, tool) pair of the log: each run
// gives its API and its tool, the driver name its findings carry as Tool
// ("CodeQL", "Gitleaks"), results or not, so a clean re-scan scopes the
// import as a dirty one does; an empty log counts for the API named after
// the file with tool "sarif". The log is the artifact, the tool the
// Location:
//
//	fact                 value
//	security_testing.ci  true: the log shows a scan ran against the API's code
//
// Warnings (collectors.WarnFile) name what was skipped or guessed: an
// unsuccessful invocation (executionSuccessful false, with its first error
// notification), unknown levels, a security-severity that is not a score,
// a ruleIndex out of range or contradicting ruleId, parts that do not match
// the schema.
//
// The collector is not registered in collectors/all here; the lead does it.
package sarif
