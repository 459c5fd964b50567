// Package dast holds what the DAST report collectors (ZAP, Burp, Wapiti)
// share beyond collectors/scan: bounded, strict XML decoding that never
// expands DTD entities, JSON decoding into flexible scalar and list types,
// HTML to plain text, HTTP message heads with credentials redacted, URL
// joining and long-fingerprint hashing, and the source options that bound
// a report. Errors, text bounds, tags, merging and the tested evidence are
// collectors/scan's.
package dast

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/scan"
)

// Kinds of error besides safedecode's (ErrTooLarge, ErrTooDeep,
// ErrSyntax) and each collector's ErrFormat, for errors.Is.
var (
	// ErrEntity: the XML uses an entity other than the five predefined
	// ones. DTD entities are never expanded (no XXE, no billion laughs).
	ErrEntity = errors.New("undeclared XML entity")
	// ErrOption: a source option has a bad value.
	ErrOption = errors.New("bad option")
)

// Options returns f bounded by the collector settings of a source:
//
//	max_bytes  size limit per report file (default 64 MiB)
//	max_depth  nesting limit: XML elements, JSON containers (default 256)
//
// A bad value is an ErrOption error naming the source.
func Options(f scan.Format, src collectors.Source) (scan.Format, error) {
	for k, v := range src.Options {
		switch k {
		case "max_bytes":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return f, fmt.Errorf("%s: source %q: option max_bytes=%q is not a positive integer: %w", f.Kind, src.Name, v, ErrOption)
			}
			f.Limits.MaxBytes = n
		case "max_depth":
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return f, fmt.Errorf("%s: source %q: option max_depth=%q is not a positive integer: %w", f.Kind, src.Name, v, ErrOption)
			}
			f.Limits.MaxDepth = n
		}
	}
	return f, nil
}

// Join joins the non-empty parts with a blank line.
func Join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "\n\n")
}

// Location is a DAST finding's location: the URL, plus " param=<p>" when
// the tool names a parameter; fallback when there is no URL.
func Location(url, param, fallback string) string {
	loc := url
	if loc == "" {
		loc = fallback
	}
	if param != "" {
		loc += " param=" + param
	}
	return strings.TrimSpace(loc)
}

// FirstOf returns the first of ss that is not blank, trimmed.
func FirstOf(ss ...string) string { return strings.TrimSpace(scan.First(ss...)) }
