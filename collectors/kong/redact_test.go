package kong

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/posture-dev/posture/internal/safedecode"
	"github.com/posture-dev/posture/internal/testutil"
)

// The real decK file with credentials: the stored artifact keeps none of
// them, keeps everything else byte for byte on the same lines (the public
// key included), and reads back to the same routes and facts.
func TestArtifactHasNoCredentials(t *testing.T) {
	path := testutil.Corpus(t, "gateways/kong/deck-kong2kic-input.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Consumer credentials, and an aws-lambda plugin configured with a secret.
	secrets := []string{"my_basic_password", "my_secret_key", "my_api_key", "aws_secret: my_secret"}
	for _, s := range secrets {
		if !bytes.Contains(data, []byte(s)) {
			t.Fatalf("the corpus file no longer holds %q; the test needs another", s)
		}
	}
	res, err := Parse("deck.yaml", data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	stored := res.Artifact.Data
	for _, s := range secrets {
		if bytes.Contains(stored, []byte(s)) {
			t.Errorf("the stored artifact still holds %q", s)
		}
	}
	if !bytes.Contains(stored, []byte("BEGIN PUBLIC KEY")) {
		t.Error("the public key was removed too")
	}
	orig, red := strings.Split(string(data), "\n"), strings.Split(string(stored), "\n")
	if len(orig) != len(red) {
		t.Fatalf("%d lines became %d: evidence line numbers would be wrong", len(orig), len(red))
	}
	changed := 0
	for i := range orig {
		if orig[i] != red[i] {
			changed++
			if !strings.Contains(red[i], "[REDACTED by posture]") {
				t.Errorf("line %d changed without a redaction: %q -> %q", i+1, orig[i], red[i])
			}
		}
	}
	if changed != len(secrets) {
		t.Errorf("%d lines changed, want the %d holding secrets", changed, len(secrets))
	}
	again, err := Parse("deck.yaml", stored, Options{})
	if err != nil {
		t.Fatalf("the redacted artifact does not parse: %v", err)
	}
	if len(again.Evidence) != len(res.Evidence) {
		t.Errorf("redacted artifact yields %d evidence records, the original %d", len(again.Evidence), len(res.Evidence))
	}
}

func TestRedactionForms(t *testing.T) {
	for name, c := range map[string]struct {
		in      string
		secrets []string
		keep    []string
		json    bool
	}{
		"json": {in: `{
  "_format_version": "3.0",
  "consumers": [{"username": "a", "keyauth_credentials": [{"key": "k-123\"x", "tags": ["t"]}]}],
  "plugins": [{"name": "openid-connect", "config": {"client_id": ["cid"], "client_secret": ["cs-1", "cs-2"], "session_secret": "ss"}}]
}`, secrets: []string{`k-123\"x`, "cs-1", "cs-2", `"ss"`}, keep: []string{"cid", `"tags": ["t"]`}, json: true},
		"flow and quotes": {in: "consumers:\n  - username: a\n    basicauth_credentials: [{username: u, password: 'it''s'}]\n    hmacauth_credentials:\n      - {username: h, secret: \"h-s\"}\n",
			secrets: []string{"it''s", "h-s"}, keep: []string{"username: u", "username: h"}},
		"top-level credentials": {in: "_format_version: \"3.0\"\nkeyauth_credentials:\n  - consumer: a\n    key: top-key\n", secrets: []string{"top-key"}, keep: []string{"consumer: a"}},
		"block scalar":          {in: "consumers:\n  - username: a\n    jwt_secrets:\n      - key: iss\n        secret: |\n          multi\n          line\n", secrets: []string{"multi", "line"}, keep: []string{"key: iss"}},
		"redis password":        {in: "plugins:\n  - name: rate-limiting\n    config:\n      redis:\n        password: rp\n        host: redis\n      hide_credentials: true\n", secrets: []string{"password: rp"}, keep: []string{"host: redis", "hide_credentials: true"}},
	} {
		t.Run(name, func(t *testing.T) {
			out := string(redactCredentials(name, []byte(c.in), safedecode.Limits{}))
			for _, s := range c.secrets {
				if strings.Contains(out, s) {
					t.Errorf("still holds %q:\n%s", s, out)
				}
			}
			for _, s := range c.keep {
				if !strings.Contains(out, s) {
					t.Errorf("lost %q:\n%s", s, out)
				}
			}
			if c.json && !json.Valid([]byte(out)) {
				t.Errorf("no longer JSON:\n%s", out)
			}
			var n yaml.Node
			if err := yaml.Unmarshal([]byte(out), &n); err != nil {
				t.Errorf("no longer YAML: %v\n%s", err, out)
			}
		})
	}
	plain := []byte("_format_version: \"3.0\"\nservices:\n  - name: s\n    url: http://x\n")
	if got := redactCredentials("p", plain, safedecode.Limits{}); !bytes.Equal(got, plain) {
		t.Error("a file without credentials changed")
	}
}
