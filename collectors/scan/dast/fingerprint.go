package dast

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// maxFingerprint is the longest fingerprint kept verbatim; longer ones
// (a hostile megabyte URL) are hashed.
const maxFingerprint = 512

// Fingerprint is tool + ":" + the parts joined by "|", hashed to
// tool + ":sha256:<hex>" when that would exceed 512 bytes.
func Fingerprint(tool string, parts ...string) string {
	fp := tool + ":" + strings.Join(parts, "|")
	if len(fp) <= maxFingerprint {
		return fp
	}
	h := sha256.Sum256([]byte(fp))
	return tool + ":sha256:" + hex.EncodeToString(h[:])
}

// MaxURL bounds Finding.URL and Location: real URLs are far shorter.
const MaxURL = 8 << 10
