package collectors

import (
	"time"

	"github.com/posture-dev/posture/internal/sketch"
)

// Traffic collectors (access logs) need two things the other collectors do
// not: what posture already knows about the APIs (to tell a described
// endpoint from a shadow one) and where the last run stopped reading each
// file (so a scheduled run reads only what was appended since). Both come
// through optional Sink interfaces, so collectors still never touch the
// database and the ingest service keeps the one transaction per run: the
// new read positions are stored in the same transaction as the traffic
// they produced, so a run killed half-way counts nothing twice.

// InventoryEndpoint is an endpoint as the inventory knows it.
type InventoryEndpoint struct {
	Method, Path string
	// InSpec: an API description declares it (else it came from a
	// gateway or from traffic).
	InSpec     bool
	Deprecated bool
	// Removed: a description once declared it and its latest version
	// does not.
	Removed bool
	// AuthRequired: the description declares authentication for it
	// (auth.declared true, auth.public not true).
	AuthRequired bool
}

// InventoryAPI is an API as the inventory knows it.
type InventoryAPI struct {
	Name      string
	BaseURLs  []string
	Endpoints []InventoryEndpoint
}

// InventoryReader is implemented by sinks that can show the current
// inventory.
type InventoryReader interface {
	Inventory() ([]InventoryAPI, error)
}

// FileCursor is how far a source has read one log file. A file is known
// by the SHA-256 of its first line, not its name or inode: the identity
// survives rotation by rename and compression of the rotated file, and
// changes when a file is truncated and rewritten.
type FileCursor struct {
	FileID string // hex SHA-256 of the first line, terminator included
	Path   string // where it was last read, for people
	Offset int64  // bytes consumed (decompressed bytes for gzip)
	Lines  int64  // lines consumed
	// Complete: a compressed (hence finished) file read to its end.
	Complete bool
	// RunLines and RunMalformed are what this run read of the file (for
	// the run's report; not part of the position).
	RunLines, RunMalformed int64
}

// Catch-all paths of traffic buckets: requests that matched no endpoint
// and were not served (404, 405, 410, 501, a broken request line), and
// served unknown paths past a collector's bound on distinct paths.
const (
	TrafficUnservedPath = "(unserved)"
	TrafficOtherPath    = "(other)"
)

// TrafficBucket is the traffic of one endpoint (or one unmatched path) of
// one API on one day (UTC).
type TrafficBucket struct {
	API    string
	Method string
	// Path is the endpoint's template when the request matched the
	// inventory, else the request path normalized (ids, UUIDs and hashes
	// replaced by {id}, {uuid}, {hash}).
	Path string
	// Matched: Path is an inventory endpoint of API.
	Matched   bool
	Day       time.Time
	FirstSeen time.Time
	LastSeen  time.Time
	Stats     TrafficStats
}

// TrafficStats are additive counters; two buckets of the same key merge
// by Add.
type TrafficStats struct {
	Requests int64 `json:"requests"`
	S2xx     int64 `json:"s2xx"`
	S3xx     int64 `json:"s3xx"`
	S4xx     int64 `json:"s4xx"`
	S5xx     int64 `json:"s5xx"`
	S401     int64 `json:"s401"`
	S403     int64 `json:"s403"`
	S429     int64 `json:"s429"`
	// TLSKnown requests say whether they came over TLS; TLS of them did.
	TLSKnown int64 `json:"tls_known"`
	TLS      int64 `json:"tls"`
	// PlainOK: plaintext requests answered with 2xx (not redirected).
	PlainOK int64 `json:"plain_ok"`
	// AuthKnown requests say whether the caller was authenticated;
	// UnauthOK of them were not and still got a 2xx.
	AuthKnown int64 `json:"auth_known"`
	UnauthOK  int64 `json:"unauth_ok"`
	// Latency is a histogram over LatencyBounds (nil when no request logged
	// its duration); Clients a HyperLogLog sketch of client addresses.
	Latency []int64 `json:"latency,omitempty"`
	Clients []byte  `json:"-"`
}

// TrafficSink is implemented by sinks that store traffic.
type TrafficSink interface {
	// Cursor returns where this source last stopped reading the file.
	Cursor(fileID string) (FileCursor, bool, error)
	// SaveCursor records how far this run read a file.
	SaveCursor(FileCursor) error
	// Traffic adds a bucket (buckets with the same API, method, path and
	// day are merged).
	Traffic(TrafficBucket) error
}

// Add adds o's counts (and merges its sketches) into s.
func (s *TrafficStats) Add(o TrafficStats) {
	s.Requests += o.Requests
	s.S2xx += o.S2xx
	s.S3xx += o.S3xx
	s.S4xx += o.S4xx
	s.S5xx += o.S5xx
	s.S401 += o.S401
	s.S403 += o.S403
	s.S429 += o.S429
	s.TLSKnown += o.TLSKnown
	s.TLS += o.TLS
	s.PlainOK += o.PlainOK
	s.AuthKnown += o.AuthKnown
	s.UnauthOK += o.UnauthOK
	h := sketch.Histogram(s.Latency)
	h.Merge(o.Latency)
	s.Latency = h
	c := sketch.HLL(s.Clients)
	c.Merge(o.Clients)
	s.Clients = c
}
