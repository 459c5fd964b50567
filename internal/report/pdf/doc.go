// Package pdf renders a report.Report as PDF: Executive for a CISO (a
// handful of pages) and Auditor for whoever traces each control result to
// its evidence (one section per API, as long as it takes).
//
// Both documents are A4 portrait, Helvetica for text and Courier for
// hashes (fpdf's core fonts: nothing is read from the system; text is
// converted to their code page, cp1252, and characters outside it print
// as '?'). All dates and times are UTC.
//
// # Common structure
//
//   - Page 1, cover: document kind, title, scope, period (From - AsOf),
//     state as of, generation time, generator, and the evidence chain head
//     (sequence number and full SHA-256) with a note on checking it with
//     `posture verify`.
//   - Contents (page 2 on): numbered sections with dot leaders, page
//     numbers and links; the same entries are in the PDF outline.
//   - Every page but the cover has a running header (title; kind, scope,
//     as-of date); every page has a footer with the chain head's sequence
//     number and hash prefix, the generation time and "Page N of M".
//   - Tables wrap text in their cells (a cell has a line limit and ends
//     with an ellipsis when cut), break across pages with a "(continued)"
//     line and the header row repeated, and colour only meaning: severity,
//     status, score bands (green 80+, amber 50+, red below).
//   - A section without content says so in a grey panel ("No findings for
//     this API"), never a blank page.
//
// # Executive report
//
//  1. Summary: tiles for APIs in scope, mean maturity level (from
//     Levels), open findings, overdue, evidence gaps; tiles for open
//     findings by severity; one-line facts (share of APIs at level 2 or
//     above, control results by status, findings total/open/risk
//     accepted); the four portfolio cell scores as bars.
//  2. Maturity trend: line charts of the mean level (0-4) and of the four
//     cells (0-100) over Trend.
//  3. Distribution by maturity level: bar chart of Levels.
//  4. Framework coverage: OWASP API Top 10 (2023) and NIST SP 800-53
//     families, each item with a score bar and its result counts.
//  5. Top risks: TopRisks with severity, status, OWASP and due date.
//  6. Overdue remediation: how many open findings are overdue, the
//     overdue top risks with days past due, and the APIs with the most
//     overdue findings (10 at most).
//  7. Evidence gaps: Gaps grouped by API, most gaps first, 25 APIs with
//     up to 6 control ids each, and "and N more" for the rest.
//  8. APIs: one line per API: name, owner, level, the four cells, open
//     critical and high findings, overdue.
//
// The executive report does not read the Findings or Evidence streams.
//
// # Auditor report
//
// One section per API, each starting on a new page:
//   - a summary panel: owner, environment, level, computed at, the four
//     cells, open findings by severity, overdue, findings in scope,
//     controls without fresh evidence, blockers to the next level;
//   - Control results: every Result of the API joined with its catalog
//     Control: id and title, status, coverage (covered/total endpoints),
//     reason (and the findings that capped the score), and per evidence
//     reference the 12-character hash prefix with its observation date; a
//     small Courier line under the row gives the full SHA-256, record id,
//     source and observation time;
//   - Findings: the API's findings in stream order (worst first) with
//     tool, rule, CWE, OWASP, location, assignee, dates and due date,
//     each followed by every event of its history.
//
// An appendix lists the evidence records (Evidence stream) by sequence
// number with hash and previous hash, API, source and times, so the chain
// can be followed by hand.
//
// # Streaming and memory
//
// Contents pages are reserved after the cover (their number follows from
// the number of entries) and filled in last, so each stream is read in
// one pass per use. The auditor report reads Findings once to count them
// per API and once per API with findings, stopping at that API's last
// one: O(APIs x findings) iterator steps for O(APIs) memory of its own.
// fpdf keeps every page's content in memory until it writes the file, so
// the document's own size is the floor of what rendering needs.
//
// Errors are wrapped with where they happened ("pdf: auditor: api-0001:
// findings: ..."); an error from an iterator ends rendering with it, as
// does the context's cancellation. Rendering the same report twice gives
// the same bytes.
package pdf
