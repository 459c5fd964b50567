package graphql

import (
	"fmt"

	"github.com/posture-dev/posture/internal/safedecode"
)

// This file holds two cheap byte-level scans that run before gqlparser:
// the nesting check and the classification of a file's start (Detect).
// Both skip what the GraphQL lexer ignores or treats as opaque: white
// space, commas, comments, and "..." / """...""" strings.

// lexState walks GraphQL source text, keeping line and column (columns
// count characters, as gqlparser's do).
type lexState struct {
	data      []byte
	i         int
	line, col int
}

func newLex(data []byte) *lexState {
	l := &lexState{data: data, line: 1, col: 1}
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		l.i = 3
	}
	return l
}

func (l *lexState) advance() {
	c := l.data[l.i]
	l.i++
	switch {
	case c == '\n':
		l.line, l.col = l.line+1, 1
	case c == '\r':
		if l.i < len(l.data) && l.data[l.i] == '\n' {
			l.i++
		}
		l.line, l.col = l.line+1, 1
	case c&0xC0 != 0x80: // not a UTF-8 continuation byte
		l.col++
	}
}

// skipString skips a string starting at l.i (a '"'); an unterminated one
// runs to the end of its line (plain) or of the input (block), where the
// parser will report it.
func (l *lexState) skipString() {
	d := l.data
	if l.i+2 < len(d) && d[l.i+1] == '"' && d[l.i+2] == '"' {
		l.advance()
		l.advance()
		l.advance()
		for l.i < len(d) {
			switch {
			case d[l.i] == '\\' && l.i+3 < len(d) && d[l.i+1] == '"' && d[l.i+2] == '"' && d[l.i+3] == '"':
				for range 4 {
					l.advance()
				}
			case d[l.i] == '"' && l.i+2 < len(d) && d[l.i+1] == '"' && d[l.i+2] == '"':
				l.advance()
				l.advance()
				l.advance()
				return
			default:
				l.advance()
			}
		}
		return
	}
	l.advance()
	for l.i < len(d) {
		switch d[l.i] {
		case '"':
			l.advance()
			return
		case '\\':
			l.advance()
			if l.i < len(d) && d[l.i] != '\n' && d[l.i] != '\r' {
				l.advance()
			}
		case '\n', '\r':
			return
		default:
			l.advance()
		}
	}
}

// skipIgnored skips white space, commas and comments; with strings, also
// string tokens (descriptions, for classification).
func (l *lexState) skipIgnored(strings bool) {
	d := l.data
	for l.i < len(d) {
		switch d[l.i] {
		case ' ', '\t', '\n', '\r', ',':
			l.advance()
		case '#':
			for l.i < len(d) && d[l.i] != '\n' && d[l.i] != '\r' {
				l.advance()
			}
		case '"':
			if !strings {
				return
			}
			l.skipString()
		default:
			return
		}
	}
}

// checkNesting rejects input whose brackets, braces and parentheses nest
// deeper than max. gqlparser stops at 1000 levels of lists and objects,
// but every later recursive walk (type printing, value validation, this
// package's own) would still see them; no real schema goes beyond a
// handful (GitHub's: 3).
func checkNesting(name string, data []byte, max int) error {
	l := newLex(data)
	depth := 0
	for l.i < len(data) {
		l.skipIgnored(true)
		if l.i >= len(data) {
			break
		}
		switch data[l.i] {
		case '[', '{', '(':
			depth++
			if depth > max {
				return &Error{File: name, Line: l.line, Column: l.col, Kind: safedecode.ErrTooDeep,
					Msg: fmt.Sprintf("nesting exceeds the depth limit of %d", max)}
			}
		case ']', '}', ')':
			if depth > 0 {
				depth--
			}
		}
		l.advance()
	}
	return nil
}

// Kinds of document, from their first definition.
const (
	docUnknown    = iota
	docSDL        // a type system definition or extension
	docExecutable // query, mutation, subscription, fragment or "{"
)

func isNameStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isNameByte(c byte) bool { return isNameStart(c) || (c >= '0' && c <= '9') }

// name reads a Name token at l.i ("" when there is none).
func (l *lexState) name() string {
	start := l.i
	if l.i >= len(l.data) || !isNameStart(l.data[l.i]) {
		return ""
	}
	for l.i < len(l.data) && isNameByte(l.data[l.i]) {
		l.advance()
	}
	return string(l.data[start:l.i])
}

var typeKeywords = setOf("type", "interface", "input", "enum", "union", "scalar")

// classify looks at the first definition of a (possibly truncated) GraphQL
// document: its keyword must be followed by what the grammar requires
// there, so that prose, code or YAML that happens to start with "type" or
// "input" is not taken for SDL.
func classify(data []byte) int {
	l := newLex(data)
	l.skipIgnored(true)
	if l.i >= len(data) {
		return docUnknown
	}
	if data[l.i] == '{' {
		// An anonymous query "{ viewer { login } }" starts with a field
		// name or a fragment spread; JSON starts with a key in quotes.
		l.advance()
		l.skipIgnored(false)
		if l.i < len(data) && (isNameStart(data[l.i]) || data[l.i] == '.') {
			return docExecutable
		}
		return docUnknown
	}
	kw := l.name()
	if kw == "" || l.i < len(data) && !isSep(data[l.i]) {
		return docUnknown
	}
	switch kw {
	case "query", "mutation", "subscription", "fragment":
		return docExecutable
	case "extend":
		l.skipIgnored(false)
		next := l.name()
		if typeKeywords[next] || next == "schema" || next == "directive" {
			return docSDL
		}
		return docUnknown
	case "schema":
		return l.expect("{", "@")
	case "directive":
		return l.expect("@")
	}
	if !typeKeywords[kw] {
		return docUnknown
	}
	l.skipIgnored(false)
	if l.name() == "" {
		return docUnknown
	}
	if kw == "scalar" {
		return docSDL
	}
	follow := []string{"{", "@"}
	switch kw {
	case "type", "interface":
		follow = append(follow, "implements")
	case "union":
		follow = append(follow, "=")
	}
	return l.expect(follow...)
}

// isSep reports whether c may end a keyword: white space, a comma or
// punctuation other than ":" (YAML's "type: x" is not SDL).
func isSep(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ',', '{', '@', '#', '"':
		return true
	}
	return false
}

// expect classifies the document as SDL when the next token is one of
// tokens (or the input ends first), else as unknown. A following
// definition keyword also counts: "type Empty" may stand alone.
func (l *lexState) expect(tokens ...string) int {
	l.skipIgnored(false)
	if l.i >= len(l.data) {
		return docSDL
	}
	for _, t := range tokens {
		if t == "{" || t == "@" || t == "=" {
			if l.data[l.i] == t[0] {
				return docSDL
			}
			continue
		}
	}
	save := *l
	n := l.name()
	*l = save
	for _, t := range tokens {
		if n == t {
			return docSDL
		}
	}
	if typeKeywords[n] || n == "extend" || n == "schema" || n == "directive" {
		return docSDL
	}
	// A description before the next definition.
	if l.data[l.i] == '"' {
		return docSDL
	}
	return docUnknown
}
