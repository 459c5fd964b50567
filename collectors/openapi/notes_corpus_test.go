package openapi

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	v3yaml "go.yaml.in/yaml/v3"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/safedecode"
	"github.com/posture-dev/posture/internal/testutil"
)

// v3Lookup walks a JSON pointer through a tree parsed by go.yaml.in/yaml/v3
// (not the parser Parse uses), following aliases and merge keys. It
// returns the line a note should report (the key's line for a mapping
// member, the element's for an array element, the root's for "") and
// whether the node exists; parentOK says the pointer's parent exists.
func v3Lookup(root *v3yaml.Node, ptr string) (line int, found, parentOK bool) {
	n := root
	if n.Kind == v3yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	deref := func(n *v3yaml.Node) *v3yaml.Node {
		for n != nil && n.Kind == v3yaml.AliasNode {
			n = n.Alias
		}
		return n
	}
	n = deref(n)
	if ptr == "" {
		return n.Line, true, true
	}
	toks := strings.Split(ptr[1:], "/")
	for i, raw := range toks {
		tok := strings.ReplaceAll(strings.ReplaceAll(raw, "~1", "/"), "~0", "~")
		last := i == len(toks)-1
		var next *v3yaml.Node
		l := 0
		switch n.Kind {
		case v3yaml.MappingNode:
			var find func(m *v3yaml.Node, depth int) (*v3yaml.Node, int)
			find = func(m *v3yaml.Node, depth int) (*v3yaml.Node, int) {
				m = deref(m)
				if m == nil || depth > 8 {
					return nil, 0
				}
				if m.Kind == v3yaml.SequenceNode {
					for _, c := range m.Content {
						if v, l := find(c, depth+1); v != nil {
							return v, l
						}
					}
					return nil, 0
				}
				for j := 0; j+1 < len(m.Content); j += 2 {
					if k := m.Content[j]; k.Value == tok && k.Tag != "!!merge" {
						return deref(m.Content[j+1]), k.Line
					}
				}
				for j := 0; j+1 < len(m.Content); j += 2 {
					if m.Content[j].Tag == "!!merge" {
						if v, l := find(m.Content[j+1], depth+1); v != nil {
							return v, l
						}
					}
				}
				return nil, 0
			}
			next, l = find(n, 0)
		case v3yaml.SequenceNode:
			if idx, err := strconv.Atoi(tok); err == nil && idx >= 0 && idx < len(n.Content) {
				next = deref(n.Content[idx])
				l = next.Line
			}
		}
		if next == nil {
			return 0, false, last
		}
		if last {
			return l, true, true
		}
		n = next
	}
	return 0, false, false
}

// jsonLines walks a JSON text with encoding/json's tokenizer and returns,
// for each wanted pointer that exists, the line a note should report (the
// key's line for an object member, the line where an array element
// starts, the root's for "").
func jsonLines(data []byte, want map[string]bool) (map[string]int, error) {
	var nl []int // offsets of newlines
	for i, c := range data {
		if c == '\n' {
			nl = append(nl, i)
		}
	}
	lineOf := func(off int64) int { // line of the byte before off
		i, _ := slices.BinarySearch(nl, int(off)-1)
		return i + 1
	}
	out := map[string]int{}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var walk func(path string, line int) error
	walk = func(path string, line int) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if line < 0 {
			line = lineOf(dec.InputOffset())
		}
		if _, dup := out[path]; want[path] && !dup {
			out[path] = line
		}
		d, ok := tok.(json.Delim)
		if !ok {
			return nil
		}
		for i := 0; dec.More(); i++ {
			if d == '{' {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key := strings.ReplaceAll(strings.ReplaceAll(k.(string), "~", "~0"), "/", "~1")
				if err := walk(path+"/"+key, lineOf(dec.InputOffset())); err != nil {
					return err
				}
			} else if err := walk(path+"/"+strconv.Itoa(i), -1); err != nil {
				return err
			}
		}
		_, err = dec.Token() // the closing delimiter
		return err
	}
	return out, walk("", -1)
}

// checkNotePointers resolves every note pointer into the specification
// with another parser than Parse's (go.yaml.in/yaml/v3 for YAML,
// encoding/json's tokenizer for JSON): a note with a line names a node
// that exists, at that line; a note without one names a member that does
// not exist, of an object or array that does.
func checkNotePointers(t *testing.T, name string, data []byte, res *Result) {
	t.Helper()
	var lookup func(ptr string) (line int, found, parentOK bool)
	if safedecode.LooksLikeJSON(data) {
		want := map[string]bool{}
		for _, ev := range res.Evidence {
			for _, n := range ev.Notes {
				want[n.Pointer] = true
				if i := strings.LastIndexByte(n.Pointer, '/'); i >= 0 {
					want[n.Pointer[:i]] = true
				}
			}
		}
		lines, err := jsonLines(data, want)
		if err != nil {
			t.Fatalf("%s: encoding/json: %v", name, err)
		}
		lookup = func(ptr string) (int, bool, bool) {
			l, found := lines[ptr]
			_, parentOK := lines[ptr[:max(0, strings.LastIndexByte(ptr, '/'))]]
			return l, found, parentOK
		}
	} else {
		var root v3yaml.Node
		if err := v3yaml.Unmarshal(data, &root); err != nil {
			t.Fatalf("%s: yaml.v3: %v", name, err)
		}
		lookup = func(ptr string) (int, bool, bool) { return v3Lookup(&root, ptr) }
	}
	checked := 0
	for _, ev := range res.Evidence {
		for _, n := range ev.Notes {
			if strings.Contains(n.Pointer, "#/") {
				continue // in another file
			}
			checked++
			line, found, parentOK := lookup(n.Pointer)
			switch {
			case n.Line > 0 && !found:
				t.Errorf("%s: %q: note %+v: pointer does not exist", name, ev.Endpoint, n)
			case n.Line > 0 && line != n.Line:
				t.Errorf("%s: %q: note %+v: the other parser puts it on line %d", name, ev.Endpoint, n, line)
			case n.Line == 0 && (found || !parentOK):
				t.Errorf("%s: %q: note %+v without a line: exists %v, parent exists %v", name, ev.Endpoint, n, found, parentOK)
			}
		}
	}
	if checked == 0 && len(res.Endpoints) > 0 {
		t.Errorf("%s: no note checked", name)
	}
}

// notesInputs are the documents the invariant test runs on: the shared
// corpus, the fuzz corpus of this package and the hand-made documents of
// the tests.
func notesInputs(t *testing.T) map[string][]byte {
	t.Helper()
	in := map[string][]byte{}
	root, rels := corpusSpecs(t)
	for _, rel := range rels {
		data, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		in["corpus/"+rel] = data
	}
	fz, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzParse", "*"))
	if err != nil || len(fz) == 0 {
		t.Fatalf("fuzz corpus: %v %v", fz, err)
	}
	for _, p := range fz {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// "go test fuzz v1\n[]byte(\"...\")\n"
		_, lit, _ := strings.Cut(string(raw), "\n")
		lit = strings.TrimSuffix(strings.TrimSpace(lit), ")")
		s, err := strconv.Unquote(strings.TrimPrefix(lit, "[]byte("))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		in[p] = []byte(s)
	}
	for name, doc := range map[string]string{
		"securitySpec": securitySpec, "requestSpec": requestSpec, "responseSpec": responseSpec,
		"dataSpec": dataSpec, "swaggerSpec": swaggerSpec, "userSpec": userSpec, "notesSpec": notesSpec,
	} {
		in[name] = []byte(doc)
	}
	return in
}

// Every false boolean fact of every record has a note, every note is on a
// false fact, and every note's pointer and line are right.
func TestNotesInvariant(t *testing.T) {
	falseFacts, notes, parsed := 0, 0, 0
	for name, data := range notesInputs(t) {
		res, err := Parse(name, data, Options{})
		if err != nil {
			if strings.HasPrefix(name, "testdata") {
				continue // a fuzz input may be a bad document
			}
			t.Fatalf("%s: %v", name, err)
		}
		parsed++
		checkResult(t, res) // includes checkNotes
		checkNotePointers(t, name, data, res)
		for _, ev := range res.Evidence {
			notes += len(ev.Notes)
			for _, v := range ev.Facts {
				if v == false {
					falseFacts++
				}
			}
		}
	}
	if parsed < 20 || falseFacts == 0 || notes < falseFacts {
		t.Errorf("%d documents, %d false facts, %d notes", parsed, falseFacts, notes)
	}
	t.Logf("%d documents: %d false facts, %d notes", parsed, falseFacts, notes)
}

// The GitHub REST description (13 MB): the invariants, and every pointer
// and line.
func TestNotesGitHub(t *testing.T) {
	if testing.Short() {
		t.Skip("13 MB document")
	}
	data, err := os.ReadFile(filepath.Join(testutil.SharedDir(t), "bench", "api.github.com.json"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Parse("api.github.com.json", data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkResult(t, res)
	checkNotePointers(t, "api.github.com.json", data, res)
	counts := map[string]int{}
	for _, ev := range res.Evidence {
		for _, n := range ev.Notes {
			counts[n.Fact]++
		}
	}
	// GitHub declares no security requirement and documents a 429 on
	// three operations (see corpusTable): one note per operation on each.
	if counts[collectors.FactAuthDeclared] != 1223 || counts[collectors.FactResponseRateLimitDocumented] != 1223-3 {
		t.Errorf("notes per fact %v", counts)
	}
	t.Logf("notes per fact %v", counts)
}
