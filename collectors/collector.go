// Package collectors defines what a collector is (a Kind plus a Collect that
// streams inventory, evidence and findings into a Sink), the types it emits,
// and the registry that maps a source kind to its collector.
//
// Collectors know only these types: they never touch the database. The
// ingest service owns the transaction that turns one Collect call into
// stored records, so a collector that fails half-way leaves nothing behind.
package collectors

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"sync"
	"time"
)

// Collector gathers evidence from one kind of source.
type Collector interface {
	// Kind is the source kind this collector handles, e.g. "openapi".
	Kind() string
	// Version is recorded on every evidence record it produces, so a parser
	// fix can tell old results from new ones.
	Version() string
	// Collect reads src and streams what it finds into sink. It returns an
	// error for the source as a whole; the caller records the run as failed
	// and discards everything sent to sink during this call.
	Collect(ctx context.Context, src Source, sink Sink) error
}

// Detector is implemented by collectors that can recognise their input from
// its first bytes, so `posture ingest` can auto-detect the kind of a file.
type Detector interface {
	// Detect reports whether head (the first bytes of a file called name)
	// looks like this collector's input.
	Detect(name string, head []byte) bool
}

// Source is one configured place to collect from.
type Source struct {
	Name string // unique, from the config ("payments-specs")
	Kind string // collector kind ("openapi")
	// Paths are files or directories to read. Collectors read them through FS
	// when it is set (tests, embedded demo data), else from the OS.
	Paths []string
	FS    fs.FS
	// API, when set, assigns everything found to this API name instead of
	// the name the collector derives (e.g. from info.title).
	API string
	// APIMap renames what a collector calls an API (a Kong service, a Tyk
	// API, an nginx server) to the inventory's API name; unmapped names
	// are kept.
	APIMap map[string]string
	// Owner is the default owning team when the input does not name one.
	Owner string
	// Options are collector-specific settings from the config file.
	Options map[string]string
}

// Sink receives what a collector finds. Every method may return an error
// (a limit reached, the context cancelled); the collector must stop and
// return it.
type Sink interface {
	API(API) error
	Endpoint(Endpoint) error
	Evidence(Evidence) error
	Finding(Finding) error
}

// API is an inventory entry as a collector sees it.
type API struct {
	Name        string
	Title       string
	Version     string
	Owner       string // owning team, "" when the input does not say
	Contact     string // contact e-mail or URL from the input
	Description string
	BaseURLs    []string
	Tags        []string
	// Classification is the data classification when declared
	// (x-data-classification and similar), "" otherwise.
	Classification string
}

// Protocols of an endpoint.
const (
	ProtocolREST    = "rest"
	ProtocolGraphQL = "graphql"
	ProtocolGRPC    = "grpc"
)

// Methods of GraphQL endpoints: the operation type of a root field.
const (
	GraphQLQuery        = "QUERY"
	GraphQLMutation     = "MUTATION"
	GraphQLSubscription = "SUBSCRIPTION"
)

// Endpoint is one operation of an API.
type Endpoint struct {
	API      string // API name this endpoint belongs to
	Protocol string // ProtocolREST, ...
	// Method and Path: for REST the upper-case HTTP method and the path
	// template ("/users/{id}"). For gRPC what goes on the wire: "POST" and
	// "/package.Service/Method", so gateway routes match RPCs as they do
	// paths. For GraphQL the operation type of the root field
	// (GraphQLQuery, GraphQLMutation, GraphQLSubscription) and the field
	// name ("viewer"); scoring matches those against the routes serving
	// the API's GraphQL URL.
	Method string
	Path   string
	// OperationID and Summary are informative only.
	OperationID string
	Summary     string
	Deprecated  bool
}

// APIName is the inventory name for what the collector called name.
func (s Source) APIName(name string) string {
	if s.API != "" {
		return s.API
	}
	if m, ok := s.APIMap[name]; ok && m != "" {
		return m
	}
	return name
}

// Key identifies the endpoint within its API.
func (e Endpoint) Key() string { return e.Method + " " + e.Path }

// Evidence is one observation about an API or one of its endpoints: the
// raw artifact it came from plus the facts extracted from it.
type Evidence struct {
	API string
	// Endpoint is the Endpoint.Key() this evidence is about; "" means the
	// evidence is about the API as a whole.
	Endpoint string
	// Artifact is the raw input the facts were read from; it is stored once
	// by its SHA-256 however many evidence records point at it. Collectors
	// emitting many records from one file pass the same Artifact each time.
	Artifact *Artifact
	// Location names where in the artifact the facts come from (a JSON
	// pointer, "file:line"), so an auditor can find it.
	Location string
	Facts    Facts
	// ObservedAt is when the observation was true; zero means "now".
	ObservedAt time.Time
	// Route, set by gateway collectors instead of Endpoint, says which
	// requests the facts apply to (a Kong route, an Envoy route match, an
	// nginx location). It is matched against the API's inventoried
	// endpoints when the API is scored, so evidence keeps what the gateway
	// said and the matching follows the current inventory.
	Route *Route
	// Notes say why facts have the values they have and where in the
	// artifact that was decided (the string parameter without a bound
	// that makes request.bounded false). They are what the spec audit
	// lists; a collector may leave them out.
	Notes []Note
}

// Note explains one fact of an Evidence record: the place in the artifact
// that decided its value. A fact may have several notes (one per place).
type Note struct {
	Fact    string `json:"fact"`              // the fact key explained
	Pointer string `json:"pointer,omitempty"` // JSON pointer (or path) in the artifact
	Line    int    `json:"line,omitempty"`    // 1-based line in the artifact, 0 when unknown
	Message string `json:"message"`           // what is wrong there, for a person
}

// MaxNotes is how many notes one evidence record keeps; the rest are
// dropped (the first ones already show where to look).
const MaxNotes = 50

// Warner is implemented by sinks that keep warnings: problems that did not
// stop a collection but left some facts unknown (a $ref that could not be
// followed, an include outside the source root). Collectors call Warn.
type Warner interface {
	Warning(msg string) error
}

// Warn passes msg to sink when it keeps warnings, and drops it otherwise.
func Warn(sink Sink, msg string) error {
	if w, ok := sink.(Warner); ok {
		return w.Warning(msg)
	}
	return nil
}

// Route describes the requests a gateway rule applies to. Empty Hosts or
// Methods mean any; an empty Paths list means every path.
type Route struct {
	Name    string      `json:"name,omitempty"` // the gateway's own id or name
	Hosts   []string    `json:"hosts,omitempty"`
	Methods []string    `json:"methods,omitempty"`
	Paths   []PathMatch `json:"paths,omitempty"`
}

// PathMatch is one path rule; exactly one field is set.
type PathMatch struct {
	Prefix string `json:"prefix,omitempty"` // plain string prefix: "/orders" matches /orders, /orders/1, /ordersx
	Exact  string `json:"exact,omitempty"`
	Regex  string `json:"regex,omitempty"` // RE2, anchored at the start like Kong and Envoy
}

// Artifact is a raw input file.
type Artifact struct {
	Name        string // file name or URL it was read from
	ContentType string // "application/json", "application/yaml", ...
	Data        []byte
}

// Severities of a finding, normalized from each tool's own scale.
const (
	SeverityCritical = "critical"
	SeverityHigh     = "high"
	SeverityMedium   = "medium"
	SeverityLow      = "low"
	SeverityInfo     = "info"
)

// Severities lists the severities, most severe first.
var Severities = []string{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityInfo}

// Finding is a normalized issue reported by a tool or derived from a spec.
type Finding struct {
	API         string
	Endpoint    string // Endpoint.Key(), "" when not tied to an endpoint
	Tool        string
	RuleID      string
	Title       string
	Description string
	Severity    string // one of the Severity constants
	RawSeverity string // the tool's own value
	CWE         int    // 0 when unknown
	OWASP       string // "API1:2023" ... "" when unknown
	Location    string // JSON pointer, URL or file:line
	Remediation string
	// Where a dynamic scanner (DAST) saw it: the request's HTTP method and
	// URL (absolute, or a path). When Endpoint is empty, ingest matches
	// the URL's path against the API's endpoint templates.
	Method string
	URL    string
	// Where a static analyser (SAST) saw it: a file and 1-based line.
	File string
	Line int
	// Excerpt shows the issue: a request/response or code snippet, cut to
	// MaxExcerpt bytes by the collector.
	Excerpt string
	// Tags are the tool's own classifications (rule tags, categories).
	Tags []string
	// Fingerprint identifies the same issue across imports; the ingest
	// service derives one when it is empty.
	Fingerprint string
}

// MaxExcerpt bounds Finding.Excerpt: enough to show a request line, a few
// headers or a code snippet, not a whole response body.
const MaxExcerpt = 4 << 10

// ErrUnknownKind is returned by Get for a kind nobody registered.
var ErrUnknownKind = errors.New("unknown collector kind")

var (
	mu       sync.RWMutex
	registry = map[string]Collector{}
)

// Register makes a collector available by its kind. It panics on a
// duplicate kind: that is a programming error caught at start-up.
func Register(c Collector) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := registry[c.Kind()]; dup {
		panic(fmt.Sprintf("collectors: kind %q registered twice", c.Kind()))
	}
	registry[c.Kind()] = c
}

// Get returns the collector for kind.
func Get(kind string) (Collector, error) {
	mu.RLock()
	defer mu.RUnlock()
	c, ok := registry[kind]
	if !ok {
		return nil, fmt.Errorf("%w %q (known: %v)", ErrUnknownKind, kind, kindsLocked())
	}
	return c, nil
}

// Kinds lists the registered kinds, sorted.
func Kinds() []string {
	mu.RLock()
	defer mu.RUnlock()
	return kindsLocked()
}

func kindsLocked() []string {
	ks := make([]string, 0, len(registry))
	for k := range registry {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Detect returns the kind of the first registered Detector that recognises
// the input, or "" when none does. Kinds are tried in sorted order so the
// answer does not depend on registration order.
func Detect(name string, head []byte) string {
	mu.RLock()
	defer mu.RUnlock()
	for _, k := range kindsLocked() {
		if d, ok := registry[k].(Detector); ok && d.Detect(name, head) {
			return k
		}
	}
	return ""
}

// Origins of endpoints: what kind of evidence says an endpoint exists.
const (
	OriginSpec    = "spec"
	OriginGateway = "gateway"
	OriginTraffic = "traffic"
)

// Originator is implemented by collectors whose endpoints do not come from
// an API description; collectors without it are OriginSpec.
type Originator interface {
	Origin() string
}

// OriginOf returns the origin of c's endpoints.
func OriginOf(c Collector) string {
	if o, ok := c.(Originator); ok {
		return o.Origin()
	}
	return OriginSpec
}

// WarnFile passes the warnings a parser collected for one file to sink,
// each prefixed with the file's name so a reader knows where to look.
func WarnFile(sink Sink, file string, warnings []string) error {
	for _, w := range warnings {
		if err := Warn(sink, file+": "+w); err != nil {
			return err
		}
	}
	return nil
}
