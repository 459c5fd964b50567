// Command genspecs writes many OpenAPI descriptions for benchmarks, all
// copies of one real description: the same paths, operations, schemas and
// security, each with its own info.title ("<title> 0001", ...) and an
// info.x-owner drawn from a number of teams ("team-01" ... "team-20", in
// turn), so an import makes that many APIs spread over the teams.
//
//	go run ./bench/genspecs -from ../shared/corpus/specs/openapi/crapi/crapi-openapi-spec.json -n 1000 -o specs/
//
// JSON in gives JSON out (indented by two spaces), YAML in gives YAML out;
// the content is the same, the layout may differ from the source's. Owner
// keys the source already has (x-owner, x-team, x-api-owner, x-owner-team,
// x-owning-team, at the root or in info) are removed, so the one written
// is the one a collector finds. Files are named api-0001.json (or .yaml)
// and a summary goes to stderr.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

const (
	titleMark = "@@GENSPECS-TITLE@@"
	ownerMark = "@@GENSPECS-OWNER@@"
)

var ownerKeys = []string{"x-owner", "x-team", "x-api-owner", "x-owner-team", "x-owning-team"}

func main() {
	from := flag.String("from", "", "a real OpenAPI 3 or Swagger 2.0 description, JSON or YAML")
	n := flag.Int("n", 1000, "descriptions to write")
	teams := flag.Int("teams", 20, "owning teams, assigned in turn")
	out := flag.String("o", "", "output directory (created if missing)")
	flag.Parse()
	if err := run(*from, *n, *teams, *out); err != nil {
		fmt.Fprintln(os.Stderr, "genspecs:", err)
		os.Exit(1)
	}
}

func run(from string, n, teams int, out string) error {
	if from == "" || out == "" || n <= 0 || teams <= 0 {
		return errors.New("need -from FILE, -o DIR, -n > 0 and -teams > 0")
	}
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	isJSON := bytes.HasPrefix(bytes.TrimSpace(data), []byte("{"))
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return fmt.Errorf("%s: not a mapping at the top", from)
	}
	root := doc.Content[0]
	if value(root, "openapi") == nil && value(root, "swagger") == nil {
		return fmt.Errorf("%s: neither openapi nor swagger at the top: not an OpenAPI description", from)
	}
	info := value(root, "info")
	if info == nil || info.Kind != yaml.MappingNode {
		return fmt.Errorf("%s: no info object", from)
	}
	title := value(info, "title")
	if title == nil || title.Kind != yaml.ScalarNode || strings.TrimSpace(title.Value) == "" {
		return fmt.Errorf("%s: no info.title", from)
	}
	base := strings.TrimSpace(title.Value)
	for _, k := range ownerKeys {
		drop(root, k)
		drop(info, k)
	}
	// Render once with markers in place of the title and the owner, then
	// write each copy by replacing the markers: a double-quoted string is
	// the same in JSON and in YAML.
	title.Value, title.Style, title.Tag = titleMark, yaml.DoubleQuotedStyle, "!!str"
	info.Content = append(info.Content,
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "x-owner"},
		&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: ownerMark, Style: yaml.DoubleQuotedStyle})
	var text []byte
	ext := ".yaml"
	if isJSON {
		ext = ".json"
		var b bytes.Buffer
		if err := writeJSON(&b, root); err != nil {
			return fmt.Errorf("%s: %w", from, err)
		}
		var ind bytes.Buffer
		if err := json.Indent(&ind, b.Bytes(), "", "  "); err != nil {
			return fmt.Errorf("%s: re-encoded JSON is invalid: %w", from, err)
		}
		ind.WriteByte('\n')
		text = ind.Bytes()
	} else {
		var b bytes.Buffer
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(&doc); err != nil {
			return fmt.Errorf("%s: %w", from, err)
		}
		if err := enc.Close(); err != nil {
			return err
		}
		text = b.Bytes()
	}
	tq, oq := []byte(quote(titleMark)), []byte(quote(ownerMark))
	if bytes.Count(text, tq) != 1 || bytes.Count(text, oq) != 1 {
		return fmt.Errorf("%s: the title or owner marker was not rendered once", from)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	width := max(4, len(fmt.Sprint(n)))
	total := 0
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("%s %0*d", base, width, i)
		team := fmt.Sprintf("team-%02d", (i-1)%teams+1)
		b := bytes.Replace(text, tq, []byte(quote(name)), 1)
		b = bytes.Replace(b, oq, []byte(quote(team)), 1)
		file := filepath.Join(out, fmt.Sprintf("api-%0*d%s", width, i, ext))
		if err := os.WriteFile(file, b, 0o644); err != nil {
			return err
		}
		total += len(b)
	}
	fmt.Fprintf(os.Stderr, "genspecs: %d descriptions (%q 1..%d) over %d teams in %s, %d bytes\n", n, base, n, min(n, teams), out, total)
	return nil
}

// value is the value of key in mapping m, or nil.
func value(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// drop removes key from mapping m.
func drop(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

// quote is s as a JSON string, which YAML reads as a double-quoted scalar.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// writeJSON writes a node parsed from JSON back as compact JSON, keeping
// the order of keys.
func writeJSON(b *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return fmt.Errorf("line %d: a document with %d nodes", n.Line, len(n.Content))
		}
		return writeJSON(b, n.Content[0])
	case yaml.AliasNode:
		return writeJSON(b, n.Alias)
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(quote(n.Content[i].Value))
			b.WriteByte(':')
			if err := writeJSON(b, n.Content[i+1]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, c); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null", "!!bool":
			b.WriteString(n.Value)
		case "!!int", "!!float":
			if json.Valid([]byte(n.Value)) {
				b.WriteString(n.Value)
			} else {
				b.WriteString(quote(n.Value))
			}
		default:
			b.WriteString(quote(n.Value))
		}
	default:
		return fmt.Errorf("line %d: unexpected node kind %d", n.Line, n.Kind)
	}
	return nil
}
