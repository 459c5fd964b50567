// Package csvout renders a report.Report's control results as CSV (RFC 4180:
// comma separated, CRLF line ends, quotes doubled) for analysts who load
// them into a spreadsheet, a notebook or a BI tool.
//
// The file is one table in long form: a header row, then one row per
// (API, control) result in the report's order (API order, then catalog
// order), so it has len(r.Results)+1 rows. The columns:
//
//	api              the API's name
//	owner            its owning team ("" when the API is not in r.APIs)
//	api_level        its maturity level, 0-4
//	control_id       posture control id ("PRE-B-01")
//	title            the control's title
//	tier             pre-runtime | runtime
//	control_level    basic | advanced
//	status           pass | partial | fail | unknown | not_applicable
//	coverage         0-1, rounded to 4 decimals; empty when not applicable
//	reason           why the result is what it is
//	evidence_ids     the evidence record ids the result rests on, ";"-separated
//	evidence_hashes  their chain hashes (hex SHA-256), same order
//	nist_800_53      the control's NIST SP 800-53 rev5 ids, ";"-separated
//	owasp_api_2023   its OWASP API Security Top 10 2023 categories, ";"-separated
//
// The two level columns are named api_level and control_level (rather than
// "level" twice) so every header is unique for tools that key on it.
//
// A cell that starts with = + - @ tab or carriage return gets a leading
// single quote, so a spreadsheet shows it as text instead of running it as
// a formula (reasons and titles can carry attacker-controlled text from
// scanners); the rule is the one the findings CSV export uses.
//
// The CSV carries no report metadata (scope, period, chain head): a header
// row has to stay a header row. Those belong in the file name or alongside
// it, as the PDF and Excel renderings print them. An empty report gives
// the header row alone. Rows are written as they are produced; memory does
// not grow with the number of results beyond the report itself.
package csvout
