package accesslog

import (
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/collectortest"
	"github.com/posture-dev/posture/internal/sketch"
	"github.com/posture-dev/posture/internal/testutil"
)

// trafficSink is a recording sink that also keeps read positions the way
// the ingest service does: a run's cursors count only when it succeeded
// (commit), so a test can replay "killed half-way".
type trafficSink struct {
	collectortest.Sink
	inv      []collectors.InventoryAPI
	cursors  map[string]collectors.FileCursor // committed
	pending  []collectors.FileCursor
	buckets  []collectors.TrafficBucket
	warnings []string
}

func newTrafficSink(inv ...collectors.InventoryAPI) *trafficSink {
	return &trafficSink{inv: inv, cursors: map[string]collectors.FileCursor{}}
}

func (s *trafficSink) Inventory() ([]collectors.InventoryAPI, error) { return s.inv, nil }
func (s *trafficSink) Cursor(id string) (collectors.FileCursor, bool, error) {
	c, ok := s.cursors[id]
	return c, ok, nil
}
func (s *trafficSink) SaveCursor(c collectors.FileCursor) error {
	s.pending = append(s.pending, c)
	return nil
}
func (s *trafficSink) Traffic(b collectors.TrafficBucket) error {
	s.buckets = append(s.buckets, b)
	return nil
}
func (s *trafficSink) Warning(m string) error { s.warnings = append(s.warnings, m); return nil }

// run collects once and commits the cursors when the run succeeded, like
// ingest's transaction. It returns the requests counted by this run.
func (s *trafficSink) run(t *testing.T, src collectors.Source) int64 {
	t.Helper()
	s.pending, s.buckets, s.Evidences, s.Endpoints = nil, nil, nil, nil
	if err := (Collector{}).Collect(context.Background(), src, s); err != nil {
		t.Fatalf("collect: %v", err)
	}
	for _, c := range s.pending {
		s.cursors[c.FileID] = c
	}
	var n int64
	for _, b := range s.buckets {
		n += b.Stats.Requests
	}
	return n
}

func (s *trafficSink) bucket(method, path string) *collectors.TrafficStats {
	var out *collectors.TrafficStats
	for i := range s.buckets {
		b := &s.buckets[i]
		if b.Method == method && b.Path == path {
			if out == nil {
				out = &collectors.TrafficStats{}
			}
			out.Add(b.Stats)
		}
	}
	return out
}

// The lnav shop log, with no inventory: every request counted once, the
// status mix as awk counts it (see parse_test.go: 938 200, 11 301, 20 302,
// 7 304, 24 404), 404s in the unserved bucket, 101 distinct clients
// (awk '{print $1}' f | sort -u | wc -l), all on 22 Jan 2019.
func TestCollectLnavLog(t *testing.T) {
	path := testutil.Corpus(t, "logs/nginx/lnav-shop-access-log.0.log")
	s := newTrafficSink()
	src := collectors.Source{Name: "shop-logs", Kind: Kind, Paths: []string{path}, API: "shop"}
	if n := s.run(t, src); n != 1000 {
		t.Fatalf("requests %d, want 1000", n)
	}
	var total collectors.TrafficStats
	days := map[time.Time]bool{}
	for _, b := range s.buckets {
		total.Add(b.Stats)
		days[b.Day] = true
		if b.API != "shop" {
			t.Errorf("bucket of API %q, want shop (the source names it)", b.API)
		}
	}
	if total.S2xx != 938 || total.S3xx != 38 || total.S4xx != 24 || total.S5xx != 0 {
		t.Errorf("status mix 2xx %d 3xx %d 4xx %d 5xx %d, want 938 38 24 0", total.S2xx, total.S3xx, total.S4xx, total.S5xx)
	}
	if len(days) != 1 || !days[time.Date(2019, 1, 22, 0, 0, 0, 0, time.UTC)] {
		t.Errorf("days %v, want only 2019-01-22", days)
	}
	if u := s.bucket("*", collectors.TrafficUnservedPath); u == nil || u.Requests != 24 {
		t.Errorf("unserved bucket %+v, want the 24 404s", u)
	}
	if c := sketch.HLL(total.Clients).Estimate(); c < 95 || c > 107 {
		t.Errorf("distinct clients ~%d, want about 101", c)
	}
	// Combined logs say nothing about TLS or authentication: unknown.
	if total.TLSKnown != 0 || total.AuthKnown != 0 {
		t.Errorf("TLS known %d, auth known %d; combined logs record neither", total.TLSKnown, total.AuthKnown)
	}
	if len(s.Evidences) != 1 {
		t.Fatalf("%d evidence records, want 1 for the API", len(s.Evidences))
	}
	f := s.Evidences[0].Facts
	if f[collectors.FactTrafficMonitored] != true || f[collectors.FactLoggingEnabled] != true || f[collectors.FactTrafficRequests] != int64(1000) {
		t.Errorf("facts %v", f)
	}
	if _, ok := f[collectors.FactTrafficPlaintextSuccess]; ok {
		t.Errorf("plaintext success set although the log does not record TLS")
	}
	// Nothing appended: a second run reads nothing.
	if n := s.run(t, src); n != 0 || len(s.Evidences) != 0 {
		t.Fatalf("second run counted %d requests, %d evidence; want nothing", n, len(s.Evidences))
	}
}

func clf(i int, path string, status int) string {
	ts := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	return fmt.Sprintf("10.0.%d.%d - - [%s] \"GET %s HTTP/1.1\" %d 12 \"-\" \"curl/8\"\n", i/250, i%250, ts.Format("02/Jan/2006:15:04:05 -0700"), path, status)
}

func writeLines(t *testing.T, name string, from, to int, appendTo bool) {
	t.Helper()
	flag := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if appendTo {
		flag = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	f, err := os.OpenFile(name, flag, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i := from; i < to; i++ {
		if _, err := f.WriteString(clf(i, fmt.Sprintf("/items/%d", i), 200)); err != nil {
			t.Fatal(err)
		}
	}
}

func gzipFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(from); err != nil {
		t.Fatal(err)
	}
}

// Tailing through logrotate's life cycle: every line is counted exactly
// once across appends, a line still being written, rotation by rename,
// compression of the rotated file, and copytruncate.
func TestTailRotation(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "access.log")
	s := newTrafficSink()
	src := collectors.Source{Name: "edge", Kind: Kind, Paths: []string{dir}, API: "shop"}
	total := int64(0)
	step := func(what string, want int64) {
		t.Helper()
		n := s.run(t, src)
		total += n
		if n != want {
			t.Fatalf("%s: counted %d requests, want %d", what, n, want)
		}
	}
	writeLines(t, log, 0, 100, false)
	step("first read", 100)
	writeLines(t, log, 100, 150, true)
	// A line still being written is left for the next run.
	f, _ := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	partial := clf(150, "/items/150", 200)
	f.WriteString(partial[:20])
	f.Close()
	step("appended", 50)
	f, _ = os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(partial[20:])
	f.Close()
	step("line completed", 1)
	// logrotate: rename, then a new file; lines written to the old file
	// after the last run (before the process reopened) still count once.
	writeLines(t, log, 151, 160, true)
	if err := os.Rename(log, log+".1"); err != nil {
		t.Fatal(err)
	}
	writeLines(t, log, 160, 200, false)
	step("after rotation", 9+40)
	// Compression of the rotated file: already read, nothing new.
	gzipFile(t, log+".1", log+".2.gz")
	step("after compression", 0)
	// copytruncate: the content is copied, then the file truncated and
	// written from the start again.
	writeLines(t, log, 200, 210, true)
	data, _ := os.ReadFile(log)
	os.WriteFile(log+".1", data, 0o644)
	writeLines(t, log, 210, 230, false)
	step("after copytruncate", 10+20)
	if total != 230 {
		t.Fatalf("counted %d requests in all, want 230 (each line once)", total)
	}
}

// A run that fails (the process killed, the store refusing) commits no
// position: the next run counts the same lines, once.
func TestFailedRunCountsNothingTwice(t *testing.T) {
	dir := t.TempDir()
	writeLines(t, filepath.Join(dir, "access.log"), 0, 300, false)
	src := collectors.Source{Name: "edge", Kind: Kind, Paths: []string{dir}, API: "shop"}
	s := newTrafficSink()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Collector{}).Collect(ctx, src, s); err == nil {
		t.Fatal("a cancelled run succeeded")
	}
	// The run failed: ingest discards its cursors with everything else.
	if n := s.run(t, src); n != 300 {
		t.Fatalf("after a failed run: %d requests, want all 300", n)
	}
	if n := s.run(t, src); n != 0 {
		t.Fatalf("third run: %d requests, want 0", n)
	}
}

// Requests matched to the inventory: templates from the descriptions win
// over the normalizer; what no description declares is shadow, what a
// description deprecates (or dropped) and still succeeds is zombie, and a
// 2xx to an unauthenticated caller on an operation requiring auth is
// reported. Kong's JSON log records the consumer, so authentication is
// known there.
func TestInventoryMatching(t *testing.T) {
	inv := collectors.InventoryAPI{Name: "orders", BaseURLs: []string{"https://api.example.com/v1"}, Endpoints: []collectors.InventoryEndpoint{
		{Method: "GET", Path: "/orders/{id}", InSpec: true, AuthRequired: true},
		{Method: "GET", Path: "/orders/search", InSpec: true},
		{Method: "GET", Path: "/legacy/{id}", InSpec: true, Deprecated: true},
		{Method: "GET", Path: "/export", Removed: true},
	}}
	dir := t.TempDir()
	var b strings.Builder
	for i, l := range []struct {
		path   string
		status int
	}{
		{"/v1/orders/42", 200}, {"/v1/orders/43", 200}, {"/v1/orders/search?q=x", 200},
		{"/v1/legacy/7", 200}, {"/v1/export", 200}, {"/v1/admin/users/9", 200}, {"/v1/admin/users/10", 403},
		{"/wp-login.php", 404},
	} {
		b.WriteString(clf(i, l.path, l.status))
	}
	os.WriteFile(filepath.Join(dir, "access.log"), []byte(b.String()), 0o644)
	s := newTrafficSink(inv)
	if n := s.run(t, collectors.Source{Name: "edge", Kind: Kind, Paths: []string{dir}, API: "orders"}); n != 8 {
		t.Fatalf("requests %d, want 8", n)
	}
	if st := s.bucket("GET", "/orders/{id}"); st == nil || st.Requests != 2 {
		t.Errorf("GET /orders/{id}: %+v, want 2 requests", st)
	}
	if st := s.bucket("GET", "/orders/search"); st == nil || st.Requests != 1 {
		t.Errorf("the literal /orders/search must win over /orders/{id}: %+v", st)
	}
	if st := s.bucket("GET", "/admin/users/{id}"); st == nil || st.Requests != 2 || st.S403 != 1 {
		t.Errorf("shadow path normalized: %+v", st)
	}
	if st := s.bucket("*", collectors.TrafficUnservedPath); st == nil || st.Requests != 1 {
		t.Errorf("the scanner's 404 goes to the unserved bucket: %+v", st)
	}
	f := s.Evidences[0].Facts
	if got := fmt.Sprint(f[collectors.FactTrafficShadow]); got != "[GET /admin/users/{id}]" {
		t.Errorf("shadow %s", got)
	}
	if got := fmt.Sprint(f[collectors.FactTrafficZombie]); got != "[GET /export GET /legacy/{id}]" {
		t.Errorf("zombie %s", got)
	}
	keys := map[string]bool{}
	for _, e := range s.Endpoints {
		keys[e.Key()] = true
	}
	for _, k := range []string{"GET /orders/{id}", "GET /orders/search", "GET /admin/users/{id}"} {
		if !keys[k] {
			t.Errorf("endpoint %s not reported (have %v)", k, keys)
		}
	}
	if keys["* "+collectors.TrafficUnservedPath] {
		t.Errorf("the unserved bucket was reported as an endpoint")
	}
}

func TestKongUnauthenticatedSuccess(t *testing.T) {
	inv := collectors.InventoryAPI{Name: "orders", Endpoints: []collectors.InventoryEndpoint{{Method: "GET", Path: "/orders/{id}", InSpec: true, AuthRequired: true}}}
	line := func(path string, consumer string, status int) string {
		c := ""
		if consumer != "" {
			c = fmt.Sprintf(`,"consumer":{"username":%q,"id":"1"},"authenticated_entity":{"id":"1"}`, consumer)
		}
		return fmt.Sprintf(`{"request":{"method":"GET","uri":%q,"url":"https://api.example.com%s","headers":{"host":"api.example.com"}},"response":{"status":%d},"client_ip":"10.0.0.1","started_at":1732356000000,"latencies":{"request":12}%s}`+"\n", path, path, status, c)
	}
	dir := t.TempDir()
	data := line("/orders/1", "alice", 200) + line("/orders/2", "", 200) + line("/orders/3", "", 401)
	os.WriteFile(filepath.Join(dir, "kong.log"), []byte(data), 0o644)
	s := newTrafficSink(inv)
	src := collectors.Source{Name: "kong", Kind: Kind, Paths: []string{dir}, API: "orders", Options: map[string]string{"format": "kong-json"}}
	if n := s.run(t, src); n != 3 {
		t.Fatalf("requests %d, want 3 (warnings %v)", n, s.warnings)
	}
	st := s.bucket("GET", "/orders/{id}")
	if st == nil || st.AuthKnown != 3 || st.UnauthOK != 1 || st.S401 != 1 || st.TLSKnown != 3 || st.PlainOK != 0 {
		t.Fatalf("stats %+v: want auth known 3, 1 unauthenticated success, one 401, TLS known and no plaintext success", st)
	}
	if d, _, ok := sketch.Histogram(st.Latency).Quantile(0.5); !ok || d != 20*time.Millisecond {
		t.Errorf("median latency bucket %v (ok %v), want <= 20ms for 12 ms", d, ok)
	}
	if got := fmt.Sprint(s.Evidences[0].Facts[collectors.FactTrafficUnauthSuccess]); got != "[GET /orders/{id}]" {
		t.Errorf("unauthenticated success %s", got)
	}
}

func TestOptionsErrors(t *testing.T) {
	for _, opts := range []map[string]string{{"format": "apache2"}, {"log_format": "$remote_addr ${time_local"}, {"pattern": "["}} {
		err := (Collector{}).Collect(context.Background(), collectors.Source{Name: "x", Kind: Kind, Paths: []string{t.TempDir()}, Options: opts}, newTrafficSink())
		if err == nil || !strings.Contains(err.Error(), `source "x"`) {
			t.Errorf("options %v: error %v, want one naming the source and the option", opts, err)
		}
	}
}

func TestNormalizePath(t *testing.T) {
	for in, want := range map[string]string{
		"":             "/",
		"/":            "/",
		"/users/42":    "/users/{id}",
		"//users//42/": "/users/{id}",
		"/o/123e4567-e89b-12d3-a456-426614174000": "/o/{uuid}",
		"/blob/9f86d081884c7d659a2feaa0c55ad015":  "/blob/{hash}",
		"/k/AbC123dEf456GhI789jKl":                "/k/{token}",
		"/product-list/shoes":                     "/product-list/shoes",
		"/v2/items":                               "/v2/items",
		"/a/b/c/d/e/f/g/h/i/j":                    "/a/b/c/d/e/f/g/h/{rest}",
		"/x/" + strings.Repeat("a", 65):           "/x/{value}",
	} {
		if got := NormalizePath(in); got != want {
			t.Errorf("NormalizePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzNormalizePath(f *testing.F) {
	for _, s := range []string{"/users/42", "//a//b", "/o/123e4567-e89b-12d3-a456-426614174000", "/%00/\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		n := NormalizePath(p)
		if !strings.HasPrefix(n, "/") {
			t.Fatalf("NormalizePath(%q) = %q: not a path", p, n)
		}
		if again := NormalizePath(n); again != n {
			t.Fatalf("not idempotent: %q -> %q -> %q", p, n, again)
		}
	})
}

// A generated log of 300,000 lines over three logrotate generations
// (access.log.2.gz, access.log.1, access.log) with every 1,000th line
// broken: every good line counted once, the counts per template what the
// generator's arithmetic says, and a second run reads nothing.
func TestLargeRotatedLog(t *testing.T) {
	if testing.Short() {
		t.Skip("large generated log: skipped with -short")
	}
	const n, files = 300_000, 3
	inv := collectors.InventoryAPI{Name: "shop", Endpoints: []collectors.InventoryEndpoint{
		{Method: "GET", Path: "/items/{id}", InSpec: true},
		{Method: "GET", Path: "/items", InSpec: true},
	}}
	dir := t.TempDir()
	names := []string{"access.log.2", "access.log.1", "access.log"}
	want := map[string]int64{}
	malformed := 0
	for f := range files {
		var b strings.Builder
		for i := f * n / files; i < (f+1)*n/files; i++ {
			var path, key string
			switch i % 10 {
			case 0, 1, 2, 3, 4, 5:
				path, key = fmt.Sprintf("/items/%d", i), "GET /items/{id}"
			case 6, 7:
				path, key = "/items?page="+fmt.Sprint(i%50), "GET /items"
			case 8:
				path, key = fmt.Sprintf("/admin/%d/export", i%7), "GET /admin/{id}/export"
			default:
				path, key = fmt.Sprintf("/nope/%x", i), "* "+collectors.TrafficUnservedPath
			}
			status := 200
			if key == "* "+collectors.TrafficUnservedPath {
				status = 404
			}
			if i%1000 == 999 {
				b.WriteString("garbage line without structure\n")
				malformed++
				continue
			}
			b.WriteString(clf(i%86000, path, status))
			want[key]++
		}
		name := filepath.Join(dir, names[f])
		if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		if f == 0 {
			gzipFile(t, name, name+".gz")
		}
	}
	s := newTrafficSink(inv)
	src := collectors.Source{Name: "edge", Kind: Kind, Paths: []string{dir}, API: "shop"}
	if got := s.run(t, src); got != int64(n-malformed) {
		t.Fatalf("requests %d, want %d (%d lines, %d broken)", got, n-malformed, n, malformed)
	}
	for k, v := range want {
		method, path, _ := strings.Cut(k, " ")
		if st := s.bucket(method, path); st == nil || st.Requests != v {
			t.Errorf("%s: %+v, want %d requests", k, st, v)
		}
	}
	var counted bool
	for _, w := range s.warnings {
		if strings.Contains(w, fmt.Sprintf("%d of %d lines malformed", malformed/files, n/files)) {
			counted = true
		}
	}
	if !counted {
		t.Errorf("no warning counts the malformed lines per file: %q", s.warnings)
	}
	if got := fmt.Sprint(s.Evidences[0].Facts[collectors.FactTrafficShadow]); got != "[GET /admin/{id}/export]" {
		t.Errorf("shadow %s", got)
	}
	if got := s.run(t, src); got != 0 {
		t.Fatalf("second run counted %d, want 0", got)
	}
}

// A GraphQL API's fields share one URL: requests to it match the API (as
// described by its schema), other paths stay shadow.
func TestGraphQLURLIsDescribed(t *testing.T) {
	inv := collectors.InventoryAPI{Name: "catalog", BaseURLs: []string{"https://catalog.example.com/api/graphql"}, Endpoints: []collectors.InventoryEndpoint{
		{Method: collectors.GraphQLQuery, Path: "products", InSpec: true},
		{Method: collectors.GraphQLMutation, Path: "addProduct", InSpec: true},
	}}
	dir := t.TempDir()
	lines := ""
	for i, l := range []string{"POST /api/graphql", "GET /api/graphql?query=%7Bproducts%7D", "POST /api/graphiql"} {
		method, path, _ := strings.Cut(l, " ")
		lines += strings.Replace(clf(i, path, 200), "GET ", method+" ", 1)
	}
	os.WriteFile(filepath.Join(dir, "access.log"), []byte(lines), 0o644)
	s := newTrafficSink(inv)
	if n := s.run(t, collectors.Source{Name: "edge", Kind: Kind, Paths: []string{dir}, API: "catalog"}); n != 3 {
		t.Fatalf("requests %d, want 3", n)
	}
	if st := s.bucket("POST", "/api/graphql"); st == nil || st.Requests != 1 {
		t.Errorf("POST to the GraphQL URL: %+v", st)
	}
	if st := s.bucket("GET", "/api/graphql"); st == nil || st.Requests != 1 {
		t.Errorf("GET to the GraphQL URL: %+v", st)
	}
	if got := fmt.Sprint(s.Evidences[0].Facts[collectors.FactTrafficShadow]); got != "[POST /api/graphiql]" {
		t.Errorf("shadow %s, want only the undescribed /graphiql", got)
	}
}
