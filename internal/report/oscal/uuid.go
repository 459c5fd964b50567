package oscal

import (
	"crypto/sha1"
	"encoding/hex"
)

// namespaceURL is RFC 4122's name space for URLs
// (6ba7b811-9dad-11d1-80b4-00c04fd430c8).
var namespaceURL = [16]byte{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

// NamespaceName is the URL whose version 5 UUID in the URL name space is
// posture's OSCAL name space: every UUID in a document is the version 5
// UUID of a stable name (see doc.go) in that name space, so anyone can
// recompute them.
const NamespaceName = "https://github.com/posture-dev/posture/oscal"

// namespace is uuid5(namespaceURL, NamespaceName), computed once.
var namespace = uuid5bytes(namespaceURL, NamespaceName)

// uuid5bytes is RFC 4122 section 4.3 with SHA-1: the hash of the name
// space and the name, with the version (5) and variant (10xx) bits set.
func uuid5bytes(ns [16]byte, name string) [16]byte {
	h := sha1.New()
	h.Write(ns[:])
	h.Write([]byte(name))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return u
}

// uuid5 returns the canonical text form of the version 5 UUID of name in
// posture's OSCAL name space.
func uuid5(name string) string {
	u := uuid5bytes(namespace, name)
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
