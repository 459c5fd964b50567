package catalog

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/posture-dev/posture/catalog/internal/oscal"
)

// Data file names, relative to the root of the file system given to Load.
const (
	FileControls = "controls.yaml"
	FileOWASP    = "owasp-api-2023.yaml"
	FileSP800228 = "sp800-228.yaml"
	FileCWEOWASP = "cwe-owasp.yaml"
	FileNIST     = "nist-800-53-rev5.json"
)

//go:embed data/*.yaml data/*.json
var embedded embed.FS

// Files returns the embedded data files (the names above at its root).
func Files() fs.FS {
	sub, err := fs.Sub(embedded, "data")
	if err != nil { // cannot happen: "data" is a valid path
		panic(err)
	}
	return sub
}

var (
	defaultOnce sync.Once
	defaultCat  *Catalog
	defaultErr  error
)

// Default returns the embedded catalog, parsed and validated once. The
// result is shared: callers must not modify it.
func Default() (*Catalog, error) {
	defaultOnce.Do(func() {
		defaultCat, defaultErr = Load(Files())
	})
	return defaultCat, defaultErr
}

// Load parses the data files at the root of fsys and validates the result.
// Decoding is strict: an unknown field is an error naming the file and line.
// On a validation failure it returns the error listing every problem.
func Load(fsys fs.FS) (*Catalog, error) {
	c, err := parse(fsys)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("catalog: invalid:\n%w", err)
	}
	return c, nil
}

type controlsFile struct {
	Version  string    `yaml:"version"`
	Controls []Control `yaml:"controls"`
}

type owaspFile struct {
	Source     OWASPSource     `yaml:"source"`
	Categories []OWASPCategory `yaml:"categories"`
}

type sp800228File struct {
	Source          SP800228Source   `yaml:"source"`
	Recommendations []Recommendation `yaml:"recommendations"`
	Sections        []Section        `yaml:"sections"`
}

type cweFile struct {
	Mappings []CWEMapping `yaml:"mappings"`
}

func parse(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{}

	var cf controlsFile
	root, err := decodeYAML(fsys, FileControls, &cf)
	if err != nil {
		return nil, err
	}
	c.Version, c.Controls = cf.Version, cf.Controls
	if err := applyDefaults(c, root); err != nil {
		return nil, err
	}

	var of owaspFile
	if _, err := decodeYAML(fsys, FileOWASP, &of); err != nil {
		return nil, err
	}
	c.OWASP, c.OWASPSource = of.Categories, of.Source

	var sf sp800228File
	if _, err := decodeYAML(fsys, FileSP800228, &sf); err != nil {
		return nil, err
	}
	c.Recs, c.Sections, c.SP800228Source = sf.Recommendations, sf.Sections, sf.Source

	var wf cweFile
	if _, err := decodeYAML(fsys, FileCWEOWASP, &wf); err != nil {
		return nil, err
	}
	c.CWEMap = wf.Mappings

	if err := loadNIST(fsys, c); err != nil {
		return nil, err
	}
	return c, nil
}

// decodeYAML strictly decodes the single YAML document in name into v and
// also returns it as a node tree (for line numbers).
func decodeYAML(fsys fs.FS, name string, v any) (*yaml.Node, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("catalog: %s: empty file", name)
		}
		var te *yaml.TypeError
		if errors.As(err, &te) {
			// "line 4: field titel not found ..." for each problem.
			errs := make([]error, len(te.Errors))
			for i, e := range te.Errors {
				errs[i] = fmt.Errorf("catalog: %s: %s", name, e)
			}
			return nil, errors.Join(errs...)
		}
		return nil, fmt.Errorf("catalog: %s: %w", name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("catalog: %s: more than one YAML document", name)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("catalog: %s: %w", name, err)
	}
	return &root, nil
}

// applyDefaults records each control's line and defaults a missing weight
// to 1 (an explicit 0 or negative weight is left for Validate to reject).
func applyDefaults(c *Catalog, root *yaml.Node) error {
	items := mappingValue(root, "controls")
	if items == nil || items.Kind != yaml.SequenceNode || len(items.Content) != len(c.Controls) {
		return fmt.Errorf("catalog: %s: no controls list", FileControls)
	}
	c.positions = make([]string, len(c.Controls))
	for i, n := range items.Content {
		c.positions[i] = fmt.Sprintf("%s:%d", FileControls, n.Line)
		if mappingValue(n, "weight") == nil {
			c.Controls[i].Weight = 1
		}
	}
	return nil
}

// mappingValue returns the value node of key in a mapping node (or in the
// mapping that is a document's content), nil if absent.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func loadNIST(fsys fs.FS, c *Catalog) error {
	data, err := fs.ReadFile(fsys, FileNIST)
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var t oscal.Trimmed
	if err := dec.Decode(&t); err != nil {
		return fmt.Errorf("catalog: %s: %w", FileNIST, err)
	}
	c.NISTSource = NISTSource(t.Source)
	c.NIST = make(map[string]NISTControl, len(t.Controls))
	for _, n := range t.Controls {
		if _, dup := c.NIST[n.ID]; dup {
			return fmt.Errorf("catalog: %s: duplicate control %q", FileNIST, n.ID)
		}
		c.NIST[n.ID] = NISTControl(n)
	}
	return nil
}
