package kong

import (
	"bytes"
	"regexp"
	"sort"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/posture-dev/posture/internal/safedecode"
)

// A decK file carries the consumers' credentials: key-auth keys, basic-auth
// passwords, JWT and HMAC secrets, OAuth2 client secrets, and plugins
// configured with secrets (an OIDC client secret, a Redis password).
// posture keeps the file as evidence, so it keeps it with those values
// cut out: the evidence store must not become a second place they leak
// from. The values are replaced where they stand, so every other byte,
// and every line number an evidence record cites, stays as it was.

const redactedValue = `"[REDACTED by posture]"`

// credentialFields: for each credential entity (nested in a consumer or
// at the top level of a declarative file), the fields holding the secret.
// Public material (a JWT rsa_public_key, a key's id) is kept.
var credentialFields = map[string][]string{
	"keyauth_credentials":   {"key"},
	"basicauth_credentials": {"password"},
	"jwt_secrets":           {"secret"},
	"hmacauth_credentials":  {"secret"},
	"oauth2_credentials":    {"client_secret"},
}

// secretSetting matches plugin config keys whose string value is a
// secret ("client_secret", "redis_password", "api_key", "token").
var secretSetting = regexp.MustCompile(`(?i)(^|_)(secret|password|passwd|token|api_?key|private_?key)s?($|_)`)

// redactCredentials returns data with the secret values replaced, or data
// itself when it holds none (or cannot be read as YAML/JSON: Parse
// reports that on its own).
func redactCredentials(name string, data []byte, lim safedecode.Limits) []byte {
	docs, err := safedecode.DecodeYAML(name, data, lim)
	if err != nil {
		return data
	}
	var spots []*yaml.Node
	for _, d := range docs {
		findSecrets(d, &spots, 0)
	}
	if len(spots) == 0 {
		return data
	}
	lines := lineStarts(data)
	type span struct{ from, to int }
	var spans []span
	for _, n := range spots {
		from, to, ok := tokenSpan(data, lines, n)
		if !ok {
			// A block scalar or a position the source does not confirm:
			// replace the whole document's formatting rather than keep
			// the secret. Line numbers may move; the secret must not stay.
			return reencode(docs)
		}
		spans = append(spans, span{from, to})
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].from > spans[j].from })
	out := bytes.Clone(data)
	for i, s := range spans {
		if i > 0 && s.to > spans[i-1].from {
			continue // overlapping (an alias to the same value): done
		}
		out = append(out[:s.from], append([]byte(redactedValue), out[s.to:]...)...)
	}
	return out
}

// findSecrets collects the scalar nodes holding secrets. depth bounds the
// walk as the decoder bounded nesting.
func findSecrets(n *yaml.Node, out *[]*yaml.Node, depth int) {
	if n == nil || depth > 256 {
		return
	}
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			findSecrets(c, out, depth+1)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if fields, ok := credentialFields[k.Value]; ok && v.Kind == yaml.SequenceNode {
				for _, cred := range v.Content {
					for _, f := range fields {
						if s := field(cred, f); s != nil {
							*out = append(*out, s)
						}
					}
				}
			}
			if k.Value == "config" && v.Kind == yaml.MappingNode {
				secretSettings(v, out, depth+1)
			}
			findSecrets(v, out, depth+1)
		}
	}
}

// secretSettings collects the secret-named string settings of a plugin's
// config, nested objects included.
func secretSettings(m *yaml.Node, out *[]*yaml.Node, depth int) {
	if depth > 256 {
		return
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		switch {
		case v.Kind == yaml.ScalarNode && v.Tag == "!!str" && v.Value != "" && secretSetting.MatchString(k.Value):
			*out = append(*out, v)
		case v.Kind == yaml.SequenceNode && secretSetting.MatchString(k.Value):
			// openid-connect's client_secret is a list.
			for _, e := range v.Content {
				if e.Kind == yaml.ScalarNode && e.Tag == "!!str" && e.Value != "" {
					*out = append(*out, e)
				}
			}
		case v.Kind == yaml.MappingNode:
			secretSettings(v, out, depth+1)
		}
	}
}

func field(m *yaml.Node, name string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == name && m.Content[i+1].Kind == yaml.ScalarNode && m.Content[i+1].Value != "" {
			return m.Content[i+1]
		}
	}
	return nil
}

func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, b := range data {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// tokenSpan is the byte range of a scalar's source text, quotes included,
// confirmed against the value. Columns count characters, not bytes.
func tokenSpan(data []byte, lines []int, n *yaml.Node) (int, int, bool) {
	if n.Line < 1 || n.Line > len(lines) || n.Column < 1 {
		return 0, 0, false
	}
	pos := lines[n.Line-1]
	for c := 1; c < n.Column; c++ {
		if pos >= len(data) || data[pos] == '\n' {
			return 0, 0, false
		}
		_, size := utf8.DecodeRune(data[pos:])
		pos += size
	}
	switch n.Style {
	case yaml.DoubleQuotedStyle:
		if pos >= len(data) || data[pos] != '"' {
			return 0, 0, false
		}
		for i := pos + 1; i < len(data) && data[i] != '\n'; i++ {
			switch data[i] {
			case '\\':
				i++
			case '"':
				return pos, i + 1, true
			}
		}
	case yaml.SingleQuotedStyle:
		if pos >= len(data) || data[pos] != '\'' {
			return 0, 0, false
		}
		for i := pos + 1; i < len(data) && data[i] != '\n'; i++ {
			if data[i] == '\'' {
				if i+1 < len(data) && data[i+1] == '\'' {
					i++
					continue
				}
				return pos, i + 1, true
			}
		}
	case 0: // plain
		if end := pos + len(n.Value); end <= len(data) && string(data[pos:end]) == n.Value {
			return pos, end, true
		}
	}
	return 0, 0, false
}

// reencode writes the documents with the secrets replaced: the fallback
// when a secret cannot be located byte for byte (a block scalar).
func reencode(docs []*yaml.Node) []byte {
	for _, d := range docs {
		var spots []*yaml.Node
		findSecrets(d, &spots, 0)
		for _, n := range spots {
			n.Value, n.Style, n.Tag = "[REDACTED by posture]", yaml.DoubleQuotedStyle, "!!str"
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	for _, d := range docs {
		if err := enc.Encode(d); err != nil {
			return []byte("# posture: this file held credentials that could not be redacted in place; it is not kept\n")
		}
	}
	_ = enc.Close()
	return buf.Bytes()
}
