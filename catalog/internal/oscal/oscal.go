// Package oscal trims the official NIST SP 800-53 rev5 OSCAL catalog
// (usnistgov/oscal-content) down to what posture embeds: every control and
// enhancement with its display id, title, family and withdrawn flag.
//
// The trimming is a pure function of the input bytes, so a test can
// regenerate the embedded file from the official one and compare them
// byte for byte (provenance).
package oscal

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// Control is one SP 800-53 control or enhancement.
type Control struct {
	ID        string `json:"id"`     // "AC-3", "AC-2(1)"
	Title     string `json:"title"`  // "Access Enforcement"
	Family    string `json:"family"` // "Access Control"
	Withdrawn bool   `json:"withdrawn,omitempty"`
}

// Enhancement reports whether the control is an enhancement ("AC-2(1)").
func (c Control) Enhancement() bool { return strings.Contains(c.ID, "(") }

// Source records where the trimmed data came from.
type Source struct {
	File         string `json:"file"`          // base name of the input file
	SHA256       string `json:"sha256"`        // of the input bytes
	UUID         string `json:"uuid"`          // catalog uuid
	Title        string `json:"title"`         // metadata.title
	Version      string `json:"version"`       // metadata.version ("5.0.1")
	OSCALVersion string `json:"oscal_version"` // metadata.oscal-version
	LastModified string `json:"last_modified"` // metadata.last-modified
}

// Trimmed is the embedded file's content.
type Trimmed struct {
	Source   Source    `json:"source"`
	Controls []Control `json:"controls"`
}

// Counts summarises a trimmed catalog.
type Counts struct {
	Base, Enhancements, BaseWithdrawn, EnhancementsWithdrawn int
}

// Counts returns the numbers of base controls and enhancements, and of
// withdrawn ones of each.
func (t *Trimmed) Counts() Counts {
	var n Counts
	for _, c := range t.Controls {
		switch {
		case c.Enhancement() && c.Withdrawn:
			n.Enhancements++
			n.EnhancementsWithdrawn++
		case c.Enhancement():
			n.Enhancements++
		case c.Withdrawn:
			n.Base++
			n.BaseWithdrawn++
		default:
			n.Base++
		}
	}
	return n
}

// The subset of the OSCAL catalog model that is read.
type oscalDoc struct {
	Catalog *struct {
		UUID     string `json:"uuid"`
		Metadata struct {
			Title        string `json:"title"`
			Version      string `json:"version"`
			OSCALVersion string `json:"oscal-version"`
			LastModified string `json:"last-modified"`
		} `json:"metadata"`
		Groups []struct {
			ID       string         `json:"id"`
			Title    string         `json:"title"`
			Controls []oscalControl `json:"controls"`
		} `json:"groups"`
	} `json:"catalog"`
}

type oscalControl struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Props []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
		Class string `json:"class"`
	} `json:"props"`
	Controls []oscalControl `json:"controls"`
}

// Trim parses an OSCAL SP 800-53 catalog (JSON) and returns every control
// and enhancement in catalog order. name is recorded as the source file.
func Trim(data []byte, name string) (*Trimmed, error) {
	var doc oscalDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("oscal: %s: %w", name, err)
	}
	if doc.Catalog == nil {
		return nil, fmt.Errorf("oscal: %s: no \"catalog\" object (not an OSCAL catalog?)", name)
	}
	sum := sha256.Sum256(data)
	md := doc.Catalog.Metadata
	t := &Trimmed{Source: Source{
		File:         name,
		SHA256:       hex.EncodeToString(sum[:]),
		UUID:         doc.Catalog.UUID,
		Title:        md.Title,
		Version:      md.Version,
		OSCALVersion: md.OSCALVersion,
		LastModified: md.LastModified,
	}}
	seen := map[string]string{}
	var walk func(family string, cs []oscalControl) error
	walk = func(family string, cs []oscalControl) error {
		for _, oc := range cs {
			c, err := convert(family, oc)
			if err != nil {
				return fmt.Errorf("oscal: %s: %w", name, err)
			}
			if prev, dup := seen[c.ID]; dup {
				return fmt.Errorf("oscal: %s: control id %q used by both %q and %q", name, c.ID, prev, oc.ID)
			}
			seen[c.ID] = oc.ID
			t.Controls = append(t.Controls, c)
			if err := walk(family, oc.Controls); err != nil {
				return err
			}
		}
		return nil
	}
	for _, g := range doc.Catalog.Groups {
		if g.Title == "" {
			return nil, fmt.Errorf("oscal: %s: group %q has no title", name, g.ID)
		}
		if err := walk(g.Title, g.Controls); err != nil {
			return nil, err
		}
	}
	if len(t.Controls) == 0 {
		return nil, fmt.Errorf("oscal: %s: no controls", name)
	}
	return t, nil
}

func convert(family string, oc oscalControl) (Control, error) {
	c := Control{Title: strings.TrimSpace(oc.Title), Family: family}
	for _, p := range oc.Props {
		switch {
		case p.Name == "label" && c.ID == "":
			c.ID = strings.TrimSpace(p.Value)
		case p.Name == "status" && p.Value == "withdrawn":
			c.Withdrawn = true
		}
	}
	if c.ID == "" {
		id, err := DisplayID(oc.ID)
		if err != nil {
			return Control{}, err
		}
		c.ID = id
	}
	if c.Title == "" {
		return Control{}, fmt.Errorf("control %q has no title", oc.ID)
	}
	return c, nil
}

// DisplayID converts an OSCAL control id to its display form:
// "ac-3" -> "AC-3", "ac-2.1" -> "AC-2(1)".
func DisplayID(oscalID string) (string, error) {
	parts := strings.Split(oscalID, ".")
	base := parts[0]
	fam, num, ok := strings.Cut(base, "-")
	if !ok || fam == "" || !digits(num) {
		return "", fmt.Errorf("control id %q: want family-number[.enhancement]", oscalID)
	}
	var b strings.Builder
	b.WriteString(strings.ToUpper(fam) + "-" + num)
	for _, p := range parts[1:] {
		if !digits(p) {
			return "", fmt.Errorf("control id %q: enhancement %q is not a number", oscalID, p)
		}
		b.WriteString("(" + p + ")")
	}
	return b.String(), nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Marshal renders the trimmed catalog canonically: the source on one line,
// then one control per line, so diffs of the embedded file stay readable.
func (t *Trimmed) Marshal() ([]byte, error) {
	var out bytes.Buffer
	enc := func(v any) error {
		var b bytes.Buffer
		e := json.NewEncoder(&b)
		e.SetEscapeHTML(false)
		if err := e.Encode(v); err != nil {
			return err
		}
		out.Write(bytes.TrimRight(b.Bytes(), "\n"))
		return nil
	}
	out.WriteString("{\n\"source\": ")
	if err := enc(t.Source); err != nil {
		return nil, err
	}
	out.WriteString(",\n\"controls\": [\n")
	for i, c := range t.Controls {
		if err := enc(c); err != nil {
			return nil, err
		}
		if i < len(t.Controls)-1 {
			out.WriteByte(',')
		}
		out.WriteByte('\n')
	}
	out.WriteString("]\n}\n")
	return out.Bytes(), nil
}
