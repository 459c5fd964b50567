// Package trivy is the collector for Trivy's JSON reports: kind "trivy".
// It reads schema 2 reports (trivy image / fs / repo / config / rootfs
// --format json), Kubernetes reports (trivy k8s: ClusterName with
// Resources, or the older Vulnerabilities and Misconfigurations lists of
// workloads) and legacy reports (before Trivy 0.20: a list of results,
// "null" when empty). Trivy's SARIF output is read by the sarif collector.
//
// Parse is a pure function from one report to findings, evidence and
// warnings; Collector.Collect walks files and directories (".json" files
// that Detect recognises) and streams Parse's results.
//
// internal/safedecode bounds the bytes (64 MiB, 256 levels, JSON syntax
// with line and column); a member of the wrong JSON type is an error with
// its field path and the place the decoder stopped. Trivy's findings are
// on packages and files, not endpoints, so they are SAST-like: a File and
// a Location, no URL.
//
// # Finding fields
//
// Common to all three kinds:
//
//	API          scan.APIName(src, project, file): project is the image's repository
//	             name for a container_image (registry, path, tag, digest cut:
//	             ghcr.io/acme/api:1.4 -> api), the last segment of a repository's URL,
//	             the base name of a scanned directory ("." names none); none for
//	             Kubernetes, VM or SBOM reports (the file name then)
//	Tool         "trivy"
//	File         Results[].Target (backslashes as slashes)
//	Severity     Severity (UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL) through scan.Severity
//	             (UNKNOWN -> info); another word -> info with a warning
//	RawSeverity  Severity as written
//	Tags         "class:<Class>", "type:<Type>", and in a cluster report
//	             "workload:<namespace>/<kind>/<name>"
//
// Vulnerabilities[] (an entry without VulnerabilityID is skipped with a
// warning):
//
//	RuleID       VulnerabilityID (CVE-..., GHSA-...)
//	Title        Title, else "<id> in <package>"
//	Description  Description (16 KiB)
//	CWE          the first of CweIDs; the others as tags "cwe:<n>"
//	Location     "<Target> <PkgName>@<InstalledVersion>"
//	Remediation  "Upgrade <pkg> from <installed> to <FixedVersion>." when there is a
//	             fixed version, and PrimaryURL
//	Tags         + "pkg:<name>@<version>", "status:<Status>", "cvss:<V3Score>" from
//	             the CVSS entry of SeveritySource (else nvd)
//	Fingerprint  "trivy:<VulnerabilityID>|<PkgName>|<InstalledVersion>|<Target>"; the
//	             same in every workload running the image, so a cluster report
//	             gives one finding per image (the first workload's tag is kept)
//
// Misconfigurations[] (Status PASS, a check that found nothing, is
// skipped; an entry without ID or AVDID is skipped with a warning):
//
//	RuleID       ID (DS002, KSV001), else AVDID
//	Title        Title, else the id
//	Description  Description, then Message
//	Line         CauseMetadata.StartLine (0 when absent)
//	Location     "<Target>:<line>" ("<namespace>/<Target>:<line>" in a cluster report:
//	             two namespaces may have a workload of the same name)
//	Remediation  Resolution and PrimaryURL
//	Excerpt      CauseMetadata.Code.Lines as "<n>: <content>", up to Trivy's
//	             truncation marker
//	Tags         + "avd:<AVDID>", "check:<Type>", "provider:", "service:";
//	             Status EXCEPTION (excepted by a policy): "suppressed",
//	             "suppression:exception" (kept, the tag says it was accepted)
//	Fingerprint  "" (ingest derives one from tool, rule, API and location)
//
// Secrets[] (an entry without RuleID is skipped with a warning):
//
//	RuleID       RuleID; Title: Title; Description "<Title> found in <Target>"
//	Line         StartLine; Location "<Target>:<line>" (namespace first in a cluster)
//	Excerpt      Match as Trivy redacted it ("ENV GITHUB_PAT=*****"); a Match
//	             without any "*" is not redacted and is dropped with a warning.
//	             Code.Lines are never read.
//	Tags         + "category:<Category>"
//	Fingerprint  ""
//
// A result without Target is skipped with a warning. Licenses[] and
// other result lists are not read. Findings with the same
// identity (fingerprint, else rule and location) are one finding tagged
// "occurrences:<n>". A SchemaVersion other than 2 is read with a warning.
//
// # Facts
//
// One API-scope evidence record per report (findings or not: a clean scan
// is evidence too), the report as artifact, Location "trivy" (the
// findings' Tool: the import's scope):
//
//	fact                 value
//	security_testing.ci  true: the report shows a scan ran against the API's code
//	                     or image
//
// The collector is not registered in collectors/all here; the lead does it.
package trivy
