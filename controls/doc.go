// Package controls is posture's evaluation of evidence and findings into
// control results, and scoring.
//
// Evaluate takes one API's inventory, latest evidence facts and findings,
// checks them against every control of a catalog and returns an
// Assessment: one Result per control (pass, partial with coverage, fail,
// unknown for missing or stale evidence, not applicable), the weighted
// score of each tier/level cell, and the API's maturity level. Every result
// and the level carry a plain-language reason and the evidence that decided
// them, so a score can be explained down to the evidence record.
//
// Summarize aggregates assessments into portfolio figures per team.
//
// The package is pure: no I/O, no clock other than Options.Now (which
// defaults to the current time), and the same input always gives the same
// output.
package controls
