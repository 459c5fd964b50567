package oscal

import (
	"cmp"
	"strconv"
	"strings"
)

// controlID converts an SP 800-53 id as the catalog writes it ("AC-3",
// "SC-7(5)") to the OSCAL catalog's control id ("ac-3", "sc-7.5"). It
// reports false for anything that is not a family, a number and an
// optional enhancement number, so odd data never reaches the document as
// an id a reader cannot resolve.
func controlID(id string) (string, bool) {
	fam, num, enh, ok := splitID(id)
	if !ok {
		return "", false
	}
	out := strings.ToLower(fam) + "-" + strconv.Itoa(num)
	if enh > 0 {
		out += "." + strconv.Itoa(enh)
	}
	return out, true
}

// canonical writes an id as the catalog does: "SC-7(5)", "AC-3".
func canonical(id string) (string, bool) {
	fam, num, enh, ok := splitID(id)
	if !ok {
		return "", false
	}
	out := fam + "-" + strconv.Itoa(num)
	if enh > 0 {
		out += "(" + strconv.Itoa(enh) + ")"
	}
	return out, true
}

// splitID parses "SC-7(5)", "sc-7.5" or "AC-3" into family, number and
// enhancement (0 for a base control).
func splitID(id string) (fam string, num, enh int, ok bool) {
	id = strings.TrimSpace(id)
	fam, rest, found := strings.Cut(id, "-")
	if !found || len(fam) != 2 || !isLetters(fam) {
		return "", 0, 0, false
	}
	base, e, hasEnh := rest, "", false
	switch {
	case strings.HasSuffix(rest, ")"):
		base, e, hasEnh = strings.Cut(strings.TrimSuffix(rest, ")"), "(")
		if !hasEnh {
			return "", 0, 0, false
		}
	case strings.Contains(rest, "."):
		base, e, hasEnh = strings.Cut(rest, ".")
	}
	num, ok = positive(base)
	if !ok {
		return "", 0, 0, false
	}
	if hasEnh {
		if enh, ok = positive(e); !ok {
			return "", 0, 0, false
		}
	}
	return strings.ToUpper(fam), num, enh, true
}

func isLetters(s string) bool {
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// positive parses a decimal number of at most 4 digits above zero; the
// limit keeps absurd input from overflowing and from printing differently
// than it was written.
func positive(s string) (int, bool) {
	if s == "" || len(s) > 4 {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, _ := strconv.Atoi(s)
	return n, n > 0
}

// compareIDs orders OSCAL control ids as the catalog does: by family, then
// control number, then enhancement ("ac-3" < "ac-3.13" < "ac-6" < "ac-14").
func compareIDs(a, b string) int {
	fa, na, ea, _ := splitID(a)
	fb, nb, eb, _ := splitID(b)
	if c := cmp.Compare(fa, fb); c != 0 {
		return c
	}
	if c := cmp.Compare(na, nb); c != 0 {
		return c
	}
	if c := cmp.Compare(ea, eb); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}
