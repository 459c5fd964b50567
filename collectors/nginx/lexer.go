package nginx

import (
	"bytes"
	"fmt"
	"strings"
)

// The tokenizer follows nginx's own ngx_conf_read_token
// (src/core/ngx_conf_file.c) character for character, so that what it
// accepts and rejects matches `nginx -t`:
//
//   - a word ends at white space, ';' or '{' (never at '}' or '#', which
//     are ordinary characters inside a word: "a}b" and "a#b" are words);
//   - '#' starts a comment only where a word could start;
//   - a word that starts with '"' or '\'' is quoted up to the matching
//     quote, and the quote must be followed by white space, ';', '{' or
//     ')' (else `unexpected "x"`); quotes inside a word are ordinary;
//   - '\' escapes the next character everywhere; \" \' \\ \t \r \n are
//     unescaped, any other pair is kept as written (regexes keep "\.");
//   - after '$', a '{' does not end the word, so "${name}" is one word:
//     nginx's own variable syntax, and the envsubst placeholders of
//     .conf.template files, which are therefore kept as literal text.
//
// The *_by_lua_block directives of the lua module (OpenResty) hold Lua
// code, not nginx syntax; like the lua module itself, the lexer reads
// their body as raw text up to the matching '}' (skipping Lua strings and
// comments), so "x = '}'" or "-- }" inside the code do not end the block.

// stmtEnd is how a statement ended.
type stmtEnd int

const (
	endSemicolon stmtEnd = iota // "name args;"
	endBlock                    // "name args {"
	endClose                    // "}" (args is empty)
	endEOF                      // end of input (args is empty)
)

// word is one token with the line it started on.
type word struct {
	text string
	line int
}

// lexer reads statements from one file.
type lexer struct {
	data []byte
	pos  int
	line int
}

func newLexer(data []byte) *lexer {
	l := &lexer{data: data, line: 1}
	// A UTF-8 byte order mark is not nginx syntax, but editors write one;
	// nginx would take it as part of the first word. Skip it.
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		l.pos = 3
	}
	return l
}

// lexError is a syntax error at a line.
type lexError struct {
	line int
	msg  string
}

func (e *lexError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// statement reads the next statement: its words and how it ended. Words of
// a statement ended by '}' or EOF are always empty (anything else is an
// error, as in nginx).
func (l *lexer) statement() ([]word, stmtEnd, *lexError) {
	var (
		args       []word
		needSpace  bool
		lastSpace  = true
		comment    bool
		variable   bool
		quoted     bool
		sQuoted    bool
		dQuoted    bool
		start      int
		startLine  int
		lineAtChar int
	)
	for {
		if l.pos >= len(l.data) {
			if len(args) > 0 || !lastSpace {
				return nil, 0, &lexError{l.line, `unexpected end of file, expecting ";" or "}"`}
			}
			return nil, endEOF, nil
		}
		ch := l.data[l.pos]
		l.pos++
		lineAtChar = l.line
		if ch == '\n' {
			l.line++
			comment = false
		}
		if comment {
			continue
		}
		if quoted {
			quoted = false
			continue
		}
		if needSpace {
			switch {
			case isSpace(ch):
				lastSpace, needSpace = true, false
				continue
			case ch == ';':
				return args, endSemicolon, nil
			case ch == '{':
				return args, endBlock, nil
			case ch == ')':
				lastSpace, needSpace = true, false
			default:
				return nil, 0, &lexError{lineAtChar, fmt.Sprintf("unexpected %q", string(ch))}
			}
		}
		if lastSpace {
			if isSpace(ch) {
				continue
			}
			start = l.pos - 1
			startLine = lineAtChar
			switch ch {
			case ';', '{':
				if len(args) == 0 {
					return nil, 0, &lexError{lineAtChar, fmt.Sprintf("unexpected %q", string(ch))}
				}
				if ch == '{' {
					return args, endBlock, nil
				}
				return args, endSemicolon, nil
			case '}':
				if len(args) != 0 {
					return nil, 0, &lexError{lineAtChar, `unexpected "}"`}
				}
				return nil, endClose, nil
			case '#':
				comment = true
				continue
			case '\\':
				quoted = true
				lastSpace = false
				continue
			case '"':
				start++
				dQuoted = true
				lastSpace = false
				continue
			case '\'':
				start++
				sQuoted = true
				lastSpace = false
				continue
			case '$':
				variable = true
				lastSpace = false
				continue
			default:
				lastSpace = false
			}
			continue
		}
		if ch == '{' && variable {
			continue
		}
		variable = false
		if ch == '\\' {
			quoted = true
			continue
		}
		if ch == '$' {
			variable = true
			continue
		}
		found := false
		switch {
		case dQuoted:
			if ch == '"' {
				dQuoted = false
				needSpace = true
				found = true
			}
		case sQuoted:
			if ch == '\'' {
				sQuoted = false
				needSpace = true
				found = true
			}
		case isSpace(ch) || ch == ';' || ch == '{':
			lastSpace = true
			found = true
		}
		if !found {
			continue
		}
		args = append(args, word{unescape(l.data[start : l.pos-1]), startLine})
		if ch == ';' {
			return args, endSemicolon, nil
		}
		if ch == '{' {
			return args, endBlock, nil
		}
	}
}

// unescape applies nginx's escapes to a raw word.
func unescape(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw)
	}
	var b strings.Builder
	b.Grow(len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '\\' && i+1 < len(raw) {
			switch raw[i+1] {
			case '"', '\'', '\\':
				i++
				c = raw[i]
			case 't':
				i++
				c = '\t'
			case 'r':
				i++
				c = '\r'
			case 'n':
				i++
				c = '\n'
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// luaBlock reads the body of a *_by_lua_block directive whose '{' was just
// consumed, up to the matching '}', and returns it as raw text.
func (l *lexer) luaBlock(openLine int) (string, *lexError) {
	start := l.pos
	depth := 1
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		switch {
		case c == '\n':
			l.line++
			l.pos++
		case c == '{':
			depth++
			l.pos++
		case c == '}':
			depth--
			l.pos++
			if depth == 0 {
				return string(l.data[start : l.pos-1]), nil
			}
		case c == '"' || c == '\'':
			l.pos++
			for l.pos < len(l.data) && l.data[l.pos] != c && l.data[l.pos] != '\n' {
				if l.data[l.pos] == '\\' && l.pos+1 < len(l.data) {
					if l.data[l.pos+1] == '\n' {
						l.line++
					}
					l.pos++
				}
				l.pos++
			}
			if l.pos < len(l.data) && l.data[l.pos] == c {
				l.pos++
			}
		case c == '-' && l.pos+1 < len(l.data) && l.data[l.pos+1] == '-':
			l.pos += 2
			if !l.longBracket() {
				for l.pos < len(l.data) && l.data[l.pos] != '\n' {
					l.pos++
				}
			}
		case c == '[':
			if !l.longBracket() {
				l.pos++
			}
		default:
			l.pos++
		}
	}
	return "", &lexError{openLine, "unexpected end of file in Lua block (missing \"}\")"}
}

// longBracket skips a Lua long string or comment ("[[...]]", "[==[...]==]")
// starting at l.pos, reporting whether there was one.
func (l *lexer) longBracket() bool {
	p := l.pos
	if p >= len(l.data) || l.data[p] != '[' {
		return false
	}
	p++
	level := 0
	for p < len(l.data) && l.data[p] == '=' {
		level++
		p++
	}
	if p >= len(l.data) || l.data[p] != '[' {
		return false
	}
	p++
	closing := "]" + strings.Repeat("=", level) + "]"
	i := bytes.Index(l.data[p:], []byte(closing))
	end := len(l.data)
	if i >= 0 {
		end = p + i + len(closing)
	}
	for _, c := range l.data[l.pos:end] {
		if c == '\n' {
			l.line++
		}
	}
	l.pos = end
	return true
}
