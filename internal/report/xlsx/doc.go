// Package xlsx renders a report.Report as an Excel workbook (.xlsx) for
// analysts and auditors who want to filter, sort and pivot the data behind
// the PDF: every figure in the executive report can be traced here to the
// control result and the evidence hashes it rests on.
//
// The workbook has seven sheets, in this order:
//
//   - Summary: one table (Section, Item, Value, Note) with the report's
//     title, scope, period (from, as of), generation time, generator, the
//     evidence chain head (sequence number and hash, to check with
//     `posture verify`) and the key figures: APIs, APIs per maturity level,
//     mean level, the four mean cell scores, open findings by severity,
//     overdue, risk accepted, control results by status with the pass rate,
//     and evidence gaps. Values are typed: counts are numbers, times are
//     date-formatted serials, scores use a 0.0 format and rates a % format.
//   - APIs: one row per API with owner, environment, level (number and
//     name), the four cells, unknown controls, open findings per severity,
//     overdue, computed at and the blockers to the next level.
//   - Controls: the control matrix. Rows are APIs, columns are control ids
//     (row 1) with their titles (row 2); a cell is the status word (pass,
//     partial 41%, fail, unknown, n/a), coloured by conditional formatting.
//     The API column and both header rows are frozen.
//   - Results: the same results in long form, one row per (API, control),
//     with coverage, endpoint counts, reason, the evidence ids and hashes
//     the result rests on, and the findings that capped it.
//   - Findings: every finding in scope, streamed, with its lifecycle dates,
//     due date, overdue flag, tracker URL and last history event; severity
//     and overdue are coloured.
//   - Evidence: the evidence records current at the report date, streamed,
//     with their chain hashes (hash, prev hash, artifact SHA-256) and facts.
//   - Framework mapping: one row per (control, framework reference) for
//     OWASP API 2023, NIST SP 800-53 rev5 and NIST SP 800-228, then, below
//     it, the framework coverage table (framework, title, id, controls,
//     score, pass, partial, fail, unknown).
//
// Every sheet has a bold, frozen header row and an autofilter over its data
// range; an empty set shows a row such as "No findings in scope" instead of
// a blank sheet, and a sheet that would pass Excel's 1,048,576-row limit
// ends with a row saying how many rows were left out. Printed, every sheet
// is landscape (the Summary scaled to one page wide), repeats its header
// rows (and frozen columns) on each page, and carries the title, sheet
// name, scope, as-of date, chain head and page number in its header and
// footer. All sheets are written with excelize's StreamWriter, which
// spills rows to a temporary file past 16 MiB, so memory does not grow with
// the number of findings or evidence records; excelize still assembles the
// compressed file in memory before it is copied to the writer.
//
// Text is always written as a string cell (inline string), never as a
// formula, so a finding titled "=HYPERLINK(...)" stays literal text; text
// longer than Excel's 32,767-character cell limit is clipped with a marker.
// Times are shown in UTC.
package xlsx
