package protobuf

import (
	"fmt"

	"github.com/posture-dev/posture/internal/safedecode"
)

// maxTokenLen bounds identifiers and number literals. Real fully-qualified
// names stay under a few hundred characters; a megabyte-long dotted name
// would make symbol tables (one entry per package prefix) quadratic.
const maxTokenLen = 4096

// prescan bounds a file before protocompile sees it: the nesting of
// braces, brackets and angle brackets (messages in messages, option
// literals in option literals), which the AST conversion, the linker and
// the option interpreter walk recursively, and the length of identifiers.
// Strings and comments are skipped, so a "{" in a string does not count.
// A lone '>' that closes nothing (there is none in valid input) is ignored.
func prescan(display string, data []byte, maxDepth int) error {
	depth := 0
	line, col := 1, 1
	fail := func(kind error, format string, args ...any) error {
		return &Error{File: display, Line: line, Column: col, Kind: kind, Msg: fmt.Sprintf(format, args...)}
	}
	i := 0
	advance := func() {
		if data[i] == '\n' {
			line++
			col = 1
		} else {
			col++
		}
		i++
	}
	for i < len(data) {
		c := data[i]
		switch {
		case c == '/' && i+1 < len(data) && data[i+1] == '/':
			for i < len(data) && data[i] != '\n' {
				advance()
			}
			continue
		case c == '/' && i+1 < len(data) && data[i+1] == '*':
			advance()
			advance()
			for i < len(data) && !(data[i] == '*' && i+1 < len(data) && data[i+1] == '/') {
				advance()
			}
			if i < len(data) {
				advance()
				advance()
			}
			continue
		case c == '"' || c == '\'':
			advance()
			for i < len(data) && data[i] != c && data[i] != '\n' {
				if data[i] == '\\' && i+1 < len(data) && data[i+1] != '\n' {
					advance()
				}
				advance()
			}
			if i < len(data) && data[i] == c {
				advance()
			}
			continue
		case c == '{' || c == '[' || c == '<' || c == '(':
			depth++
			if depth > maxDepth {
				return fail(safedecode.ErrTooDeep, "nesting exceeds the depth limit of %d", maxDepth)
			}
		case c == '}' || c == ']' || c == '>' || c == ')':
			if depth > 0 {
				depth--
			}
		case isTokenByte(c):
			sl, sc := line, col
			n := 0
			for i < len(data) && isTokenByte(data[i]) {
				n++
				advance()
			}
			if n > maxTokenLen {
				line, col = sl, sc
				return fail(ErrSyntax, "identifier or number longer than %d characters", maxTokenLen)
			}
			continue
		}
		advance()
	}
	return nil
}

func isTokenByte(c byte) bool {
	return c == '_' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
