package safedecode

import (
	"fmt"
)

// CheckJSON validates data as one JSON value (RFC 8259 grammar; a leading
// UTF-8 byte order mark is tolerated) whose nesting does not exceed
// lim.MaxDepth and whose size does not exceed lim.MaxBytes. It scans the
// bytes once without building anything, so it is cheap enough to run in
// front of any JSON parser. Errors carry the line and column of the first
// problem; a truncated document is reported at its end.
func CheckJSON(name string, data []byte, lim Limits) error {
	lim = lim.Normalize()
	if int64(len(data)) > lim.MaxBytes {
		return tooLarge(name, lim.MaxBytes)
	}
	s := jsonScanner{data: data, maxDepth: lim.MaxDepth}
	if len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF {
		s.i = 3
	}
	if err := s.run(); err != nil {
		line, col := position(data, int64(err.off))
		return &Error{File: name, Line: line, Column: col, Offset: int64(err.off), Kind: err.kind, Msg: err.msg}
	}
	return nil
}

type scanErr struct {
	off  int
	kind error
	msg  string
}

type jsonScanner struct {
	data     []byte
	i        int
	maxDepth int
	stack    []byte // '{' or '[' per open container
}

func (s *jsonScanner) fail(msg string, args ...any) *scanErr {
	return &scanErr{off: s.i, kind: ErrSyntax, msg: fmt.Sprintf(msg, args...)}
}

func (s *jsonScanner) unexpected(what string) *scanErr {
	if s.i >= len(s.data) {
		return &scanErr{off: len(s.data), kind: ErrSyntax,
			msg: fmt.Sprintf("unexpected end of JSON input while expecting %s (truncated?)", what)}
	}
	return s.fail("invalid character %s, expecting %s", quoteByte(s.data[s.i]), what)
}

func quoteByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("0x%02x", c)
}

func (s *jsonScanner) skipWS() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

// run is an iterative recursive-descent parser: the explicit stack holds
// the open containers, so hostile nesting cannot exhaust the goroutine
// stack and is cut off at maxDepth.
func (s *jsonScanner) run() *scanErr {
	s.skipWS()
value:
	// Expect a value.
	if s.i >= len(s.data) {
		return s.unexpected("a value")
	}
	switch c := s.data[s.i]; c {
	case '{', '[':
		if len(s.stack) >= s.maxDepth {
			return &scanErr{off: s.i, kind: ErrTooDeep,
				msg: fmt.Sprintf("nesting exceeds the depth limit of %d", s.maxDepth)}
		}
		s.stack = append(s.stack, c)
		s.i++
		s.skipWS()
		if c == '{' {
			if s.i < len(s.data) && s.data[s.i] == '}' {
				s.i++
				s.stack = s.stack[:len(s.stack)-1]
				goto after
			}
			if err := s.key(); err != nil {
				return err
			}
			goto value
		}
		if s.i < len(s.data) && s.data[s.i] == ']' {
			s.i++
			s.stack = s.stack[:len(s.stack)-1]
			goto after
		}
		goto value
	case '"':
		if err := s.str(); err != nil {
			return err
		}
	case 't':
		if err := s.lit("true"); err != nil {
			return err
		}
	case 'f':
		if err := s.lit("false"); err != nil {
			return err
		}
	case 'n':
		if err := s.lit("null"); err != nil {
			return err
		}
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			if err := s.num(); err != nil {
				return err
			}
		} else {
			return s.unexpected("a value")
		}
	}
after:
	// A value ended; what may follow depends on the enclosing container.
	s.skipWS()
	if len(s.stack) == 0 {
		if s.i < len(s.data) {
			return s.fail("invalid character %s after the top-level value", quoteByte(s.data[s.i]))
		}
		return nil
	}
	if s.i >= len(s.data) {
		if s.stack[len(s.stack)-1] == '{' {
			return s.unexpected("',' or '}'")
		}
		return s.unexpected("',' or ']'")
	}
	c := s.data[s.i]
	if s.stack[len(s.stack)-1] == '{' {
		switch c {
		case ',':
			s.i++
			s.skipWS()
			if err := s.key(); err != nil {
				return err
			}
			goto value
		case '}':
			s.i++
			s.stack = s.stack[:len(s.stack)-1]
			goto after
		}
		return s.unexpected("',' or '}' after an object member")
	}
	switch c {
	case ',':
		s.i++
		s.skipWS()
		goto value
	case ']':
		s.i++
		s.stack = s.stack[:len(s.stack)-1]
		goto after
	}
	return s.unexpected("',' or ']' after an array element")
}

// key scans `"name" :` and the white space after it.
func (s *jsonScanner) key() *scanErr {
	if s.i >= len(s.data) || s.data[s.i] != '"' {
		return s.unexpected("a string (object key)")
	}
	if err := s.str(); err != nil {
		return err
	}
	s.skipWS()
	if s.i >= len(s.data) || s.data[s.i] != ':' {
		return s.unexpected("':' after object key")
	}
	s.i++
	s.skipWS()
	return nil
}

func (s *jsonScanner) str() *scanErr {
	start := s.i
	s.i++ // opening quote
	d := s.data
	for s.i < len(d) {
		c := d[s.i]
		switch {
		case c == '"':
			s.i++
			return nil
		case c == '\\':
			s.i++
			if s.i >= len(d) {
				break
			}
			switch d[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				s.i++
				for k := 0; k < 4; k++ {
					if s.i >= len(d) {
						break
					}
					if !isHex(d[s.i]) {
						return s.fail("invalid character %s in \\u escape", quoteByte(d[s.i]))
					}
					s.i++
				}
			default:
				return s.fail("invalid escape \\%s in string", string(rune(d[s.i])))
			}
		case c < 0x20:
			return s.fail("control character 0x%02x in string", c)
		default:
			s.i++
		}
	}
	return &scanErr{off: len(d), kind: ErrSyntax,
		msg: fmt.Sprintf("unexpected end of JSON input in the string starting at byte %d (truncated?)", start)}
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func (s *jsonScanner) lit(word string) *scanErr {
	for k := 0; k < len(word); k++ {
		if s.i >= len(s.data) {
			return s.unexpected(fmt.Sprintf("the literal %q", word))
		}
		if s.data[s.i] != word[k] {
			return s.unexpected(fmt.Sprintf("the literal %q", word))
		}
		s.i++
	}
	return nil
}

func (s *jsonScanner) digits() int {
	n := 0
	for s.i < len(s.data) && s.data[s.i] >= '0' && s.data[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}

func (s *jsonScanner) num() *scanErr {
	if s.data[s.i] == '-' {
		s.i++
	}
	if s.i >= len(s.data) {
		return s.unexpected("a digit")
	}
	switch c := s.data[s.i]; {
	case c == '0':
		s.i++
	case c >= '1' && c <= '9':
		s.digits()
	default:
		return s.unexpected("a digit")
	}
	if s.i < len(s.data) && s.data[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return s.unexpected("a digit after the decimal point")
		}
	}
	if s.i < len(s.data) && (s.data[s.i] == 'e' || s.data[s.i] == 'E') {
		s.i++
		if s.i < len(s.data) && (s.data[s.i] == '+' || s.data[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return s.unexpected("a digit in the exponent")
		}
	}
	return nil
}
