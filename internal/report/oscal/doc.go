// Package oscal renders a report.Report as an OSCAL 1.1.2 assessment-results
// document (JSON), so a GRC tool or an auditor's pipeline can import
// posture's control results as machine-readable assessment results traced
// to NIST SP 800-53 rev5 and to posture's hash-chained evidence.
//
// # Document structure
//
//	assessment-results
//	  uuid
//	  metadata        title, published and last-modified (the report's
//	                  generation time), version ("as-of <AsOf>, chain seq
//	                  <n>"), oscal-version "1.1.2", props: scope, scope-kind,
//	                  scope-name, period-start, period-end, chain-seq,
//	                  chain-head-hash (the evidence chain head at AsOf, to
//	                  check with `posture verify`), generator
//	  import-ap       href "./assessment-plan.json" (see below)
//	  results[1]      one result for the report:
//	    uuid, title, description (scope, period, counts, chain head)
//	    start, end    the report's From and AsOf
//	    props         scope, chain head, API and result counts
//	    local-definitions
//	      components         one "service" component per API in scope
//	                         (owner, environment, maturity level): the
//	                         observations' subjects
//	      assessment-assets  posture itself, as the software component and
//	                         assessment platform that produced the results
//	    reviewed-controls    one control selection listing every SP 800-53
//	                         control the report's catalog controls map to,
//	                         as OSCAL ids ("AC-3" is "ac-3", "SC-7(5)" is
//	                         "sc-7.5"), in catalog order
//	    observations  one per distinct evidence record the results rest on,
//	                  by record id: methods EXAMINE (specifications, gateway
//	                  configuration, access logs, static analysis) or TEST
//	                  (dynamic scanners: zap, wapiti, burp, nuclei,
//	                  gitlab-api-fuzzing), collected = the record's
//	                  ObservedAt, subjects = the API component(s),
//	                  relevant-evidence = the record id and its chain hash
//	                  (class sha-256), plus, when the record is in the
//	                  report's Evidence stream, its chain seq, collector,
//	                  endpoint, location, previous hash and artifact SHA-256
//	    risks         the open (open or in progress) critical and high
//	                  findings, worst first, at most 1,000: severity, tool,
//	                  rule, API, OWASP category, CWE as a threat id, due date
//	                  as deadline, tracker link; status open, or remediating
//	                  when in progress. Duplicates of another tool's report
//	                  are one issue and are not repeated.
//	    findings      one per (API, posture control, SP 800-53 control the
//	                  control maps to): target type objective-id with the
//	                  SP 800-53 id as target-id; related-observations point
//	                  at the observations of the result's evidence, and
//	                  related-risks at the risks of the findings that capped
//	                  the result's score
//	    remarks       what the result leaves out or has none of (no results,
//	                  no evidence, no risks, risks cut at the bound, SP 800-53
//	                  references unknown to the catalog), so an empty section
//	                  is explained rather than silently absent
//
// Status mapping (target.status): pass is satisfied (reason pass); fail is
// not-satisfied (reason fail); partial is not-satisfied (reason fail) with
// implementation-status partial; unknown (no fresh evidence) is
// not-satisfied (reason other) with a remark; not_applicable is satisfied
// (reason other) with implementation-status not-applicable. Every finding
// carries posture's own status as property "status", so "unknown" stays
// distinguishable from "fail".
//
// # Properties
//
// OSCAL property names are NCName tokens and cannot contain a colon, so
// posture's properties (status, api, evidence-hash, ...) are plain names in
// the namespace NS ("https://github.com/posture-dev/posture/ns/oscal")
// rather than "posture:status". Values are single-line and trimmed, as the
// schema requires; empty values are left out.
//
// # Assessment plan
//
// OSCAL requires import-ap. posture has no assessment plan document yet: its
// plan is the control catalog and its evidence rules, applied continuously.
// A fragment ("#") would point nowhere in this document, so import-ap is the
// relative reference "./assessment-plan.json", where an exported plan will
// sit beside the results, with a remark saying it does not exist yet.
//
// # Deterministic UUIDs
//
// Every UUID is a version 5 (SHA-1) UUID of a stable name in posture's name
// space, itself uuid5(URL name space, NamespaceName), so the same report
// gives a byte-identical document and anyone can recompute an id:
//
//	document     "assessment-results|<scope kind>|<scope name>|<from>|<as of>|<chain seq>|<chain hash>|<generated at>"
//	result       "result|<scope kind>|<scope name>|<from>|<as of>|<chain seq>|<chain hash>"
//	API          "component|api|<name>"
//	posture      "component|tool|posture", "assessment-platform|posture"
//	observation  "observation|evidence|<record id>|<chain hash>"
//	risk         "risk|finding|<finding id>"
//	finding      "<result uuid>|finding|<API>|<posture control>|<800-53 id>"
//
// APIs, observations and risks keep their UUID from one report to the next
// (OSCAL asks for per-subject ids); a finding is a determination of one
// assessment, so its name includes the result's.
//
// # Streaming and limits
//
// The document is written element by element with encoding/json; memory
// holds the report's results (already in memory), the distinct evidence
// references, and at most 1,000 risks, never the findings or evidence
// streams. Both streams are read before the first byte is written, so an
// iterator error leaves the writer untouched. Times are UTC; a missing or
// out-of-range time falls back (generation time to as-of date, as-of date
// to generation time, period start to as-of date, observation time to
// as-of date) with a remark, because the schema requires them.
package oscal
