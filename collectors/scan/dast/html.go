package dast

import (
	"html"
	"strings"
	"unicode/utf8"

	"github.com/posture-dev/posture/collectors/scan"
)

// blockTags end a paragraph (a blank line) or a line in Text.
var blockTags = map[string]string{
	"p": "\n\n", "div": "\n\n", "ul": "\n\n", "ol": "\n\n", "table": "\n\n", "pre": "\n\n",
	"h1": "\n\n", "h2": "\n\n", "h3": "\n\n", "h4": "\n\n", "h5": "\n\n", "h6": "\n\n",
	"blockquote": "\n\n", "br": "\n", "li": "\n", "tr": "\n", "dt": "\n", "dd": "\n",
}

// Text turns a report's HTML fragment into plain text: tags removed
// (script and style with their content), entities decoded, paragraphs and
// lists kept as blank lines and lines ("- " before list items), runs of
// white space collapsed. Text without tags is plain text already: its
// lines are kept (trimmed), entities are not touched (ZAP 2.16 writes plain
// text where older versions wrote HTML). Only the first 4×scan.MaxText bytes
// of s are read: its users clip the result to scan.MaxText anyway.
func Text(s string) string {
	s = prefix(s, 4*scan.MaxText)
	if !hasTag(s) {
		return plain(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '<' || !tagStart(s, i) {
			j := strings.IndexByte(s[i+1:], '<')
			if j < 0 {
				j = len(s)
			} else {
				j += i + 1
			}
			b.WriteString(collapse(html.UnescapeString(s[i:j])))
			i = j
			continue
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			break // an unterminated tag: drop the rest
		}
		tag := s[i+1 : i+end]
		i += end + 1
		name := tagName(tag)
		if (name == "script" || name == "style") && !strings.HasPrefix(tag, "/") {
			if k := indexFold(s[i:], "</"+name); k >= 0 {
				i += k
			} else {
				i = len(s)
			}
			continue
		}
		closing := strings.HasPrefix(tag, "/")
		if sep, ok := blockTags[name]; ok && (sep == "\n\n" || !closing) {
			// Line-level tags (li, tr, br) break before their content
			// only, so a list keeps one item per line.
			b.WriteString(sep)
			if name == "li" {
				b.WriteString("- ")
			}
		}
	}
	return tidy(b.String())
}

// hasTag reports whether s contains something that looks like an HTML tag.
func hasTag(s string) bool {
	last := strings.LastIndexByte(s, '>')
	for i := strings.IndexByte(s, '<'); i >= 0 && i < last; {
		if tagStart(s, i) {
			return true
		}
		j := strings.IndexByte(s[i+1:], '<')
		if j < 0 {
			return false
		}
		i += j + 1
	}
	return false
}

// indexFold is strings.Index ignoring ASCII case, for a sub starting
// with '<'.
func indexFold(s, sub string) int {
	for i := 0; ; {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			return -1
		}
		i += j
		if len(s)-i >= len(sub) && strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
		i++
	}
}

// prefix cuts s to at most n bytes on a rune boundary.
func prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func tagStart(s string, i int) bool {
	if i+1 >= len(s) {
		return false
	}
	c := s[i+1]
	return c == '/' || c == '!' || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

func tagName(tag string) string {
	tag = strings.TrimPrefix(tag, "/")
	end := strings.IndexAny(tag, " \t\r\n/>")
	if end >= 0 {
		tag = tag[:end]
	}
	return strings.ToLower(tag)
}

// collapse turns runs of HTML white space into one space.
func collapse(s string) string {
	if !strings.ContainsAny(s, " \t\r\n\f\u00a0") {
		return s
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		switch r {
		case ' ', '\t', '\r', '\n', '\f':
			space = true
			continue
		case '\u00a0':
			r = ' '
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}

// plain trims each line of s and keeps at most one blank line in a row.
func plain(s string) string {
	return tidy(strings.ReplaceAll(s, "\r\n", "\n"))
}

// tidy trims every line and squeezes blank lines to one.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := true // drop leading blank lines
	for _, ln := range lines {
		ln = strings.TrimSpace(ln)
		if ln == "" {
			if !blank {
				out = append(out, "")
			}
			blank = true
			continue
		}
		out = append(out, ln)
		blank = false
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// HTMLMessage turns an HTTP message rendered as HTML (Burp's GraphQL
// data_html segments) back into text: <br> is a line break, other tags are
// dropped, entities decoded; white space is kept (headers are lines).
func HTMLMessage(s string) string {
	s = prefix(s, maxMessage)
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '<' || !tagStart(s, i) {
			j := strings.IndexByte(s[i+1:], '<')
			if j < 0 {
				j = len(s)
			} else {
				j += i + 1
			}
			b.WriteString(html.UnescapeString(s[i:j]))
			i = j
			continue
		}
		end := strings.IndexByte(s[i:], '>')
		if end < 0 {
			break
		}
		if tagName(s[i+1:i+end]) == "br" {
			b.WriteByte('\n')
		}
		i += end + 1
	}
	return b.String()
}
