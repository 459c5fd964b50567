package pdf

import (
	"math"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
)

// cp1252 maps the non-ASCII runes that the core fonts' code page (cp1252)
// can show to their byte. It is built once from fpdf's own embedded
// descriptor so that the PDF and its fonts agree on every glyph; fpdf's
// translator itself would turn unmapped runes into '.', which reads like
// punctuation, while we want the conventional '?'.
var cp1252 = sync.OnceValue(func() map[rune]byte {
	tr := fpdf.New("P", "mm", "A4", "").UnicodeTranslatorFromDescriptor("")
	m := make(map[rune]byte, 128)
	// The highest code point in cp1252 is U+2122 (trade mark sign); the
	// basic multilingual plane bound keeps this independent of that fact.
	for r := rune(0x80); r <= 0xFFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		if s := tr(string(r)); len(s) == 1 && s[0] >= 0x80 {
			m[r] = s[0]
		}
	}
	return m
})

// enc converts UTF-8 text to the cp1252 bytes the core fonts expect.
// Runes outside cp1252 become '?', control characters (tabs, newlines)
// become spaces so that single-line cells stay single-line, and invalid
// UTF-8 becomes '?'.
func enc(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c < 0x20 || c == 0x7f {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	m := cp1252()
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			b.WriteByte('?')
		case r < 0x20 || r == 0x7f:
			b.WriteByte(' ')
		case r < 0x80:
			b.WriteByte(byte(r))
		default:
			if c, ok := m[r]; ok {
				b.WriteByte(c)
			} else {
				b.WriteByte('?')
			}
		}
	}
	return b.String()
}

// utf16Text is a PDF text string (UTF-16BE with a byte order mark) for
// the document outline and metadata, which, unlike page content, can
// carry any character. fpdf's own conversion assumes valid UTF-8 in the
// basic plane, so we do it here.
func utf16Text(s string) string {
	s = strings.ToValidUTF8(s, "?")
	u := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2+2*len(u))
	b = append(b, 0xFE, 0xFF)
	for _, c := range u {
		b = append(b, byte(c>>8), byte(c))
	}
	return string(b)
}

// ellipsis is U+2026 in cp1252.
const ellipsis = "\x85"

// Dates and times are shown in UTC so that a report reads the same
// wherever it is opened and matches the stored evidence timestamps.
func fmtDate(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02")
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// fmtMinute is fmtTime without the zone, for tight columns under a
// heading or introduction that says times are UTC.
func fmtMinute(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func fmtDatePtr(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return fmtDate(*t)
}

// clampScore keeps a 0-100 score printable and drawable whatever the
// data holds (NaN from an empty average, rounding above 100).
func clampScore(v float64) float64 {
	switch {
	case math.IsNaN(v) || v < 0:
		return 0
	case math.IsInf(v, 1) || v > 100:
		return 100
	}
	return v
}

func score(v float64) string { return strconv.Itoa(int(math.Round(clampScore(v)))) }

func itoa(n int) string { return strconv.Itoa(n) }

// hashPrefix is the 12 hex characters a reader compares at a glance; the
// full hash is printed next to it for `posture verify`.
func hashPrefix(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// plural is "1 finding" / "2 findings".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}
