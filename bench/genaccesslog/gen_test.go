package main

import (
	"bufio"
	"bytes"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/posture-dev/posture/collectors/logs/accesslog"
	"github.com/posture-dev/posture/internal/testutil"
)

func crapiOps(t *testing.T) []*operation {
	t.Helper()
	data, err := os.ReadFile(testutil.Corpus(t, "specs/openapi/crapi/crapi-openapi-spec.json"))
	if err != nil {
		t.Fatal(err)
	}
	ops, err := parseSpec(data)
	if err != nil {
		t.Fatal(err)
	}
	return ops
}

func generate(t *testing.T, ops []*operation, n int, seed uint64) []byte {
	t.Helper()
	day := time.Date(2026, 11, 18, 0, 0, 0, 0, time.FixedZone("", 3600))
	var buf bytes.Buffer
	st, err := newGenerator(ops, config{Lines: n, Seed: seed, Day: day, Clients: 5000, Shadow: 0.03, Scanner: 0.01}).write(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if st.Lines != n || st.Spec+st.Preflight+st.Shadow+st.Scanner != n {
		t.Fatalf("stats %+v do not add up to %d lines", st, n)
	}
	return buf.Bytes()
}

// Every line parses as nginx combined with posture's own parser; times
// never go back and stay within the day; shadow paths (neither in the spec
// nor scanner noise) make 1-5% of the lines, scanner noise under 3%.
func TestGeneratedLogParses(t *testing.T) {
	ops := crapiOps(t)
	if len(ops) != 44 {
		t.Errorf("crAPI: %d operations, want 44 (jq '[.paths[] | keys[]] | length')", len(ops))
	}
	const n = 2000
	data := generate(t, ops, n, 1)
	inSpec := specMatcher(ops)
	day := time.Date(2026, 11, 18, 0, 0, 0, 0, time.FixedZone("", 3600))
	var (
		rec                     accesslog.Record
		last                    time.Time
		lines, shadow, scanners int
		methods                 = map[string]int{}
		statuses                = map[int]int{}
		clients                 = map[string]bool{}
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		lines++
		if err := accesslog.Combined.Parse(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %d malformed: %v\n%s", lines, err, sc.Text())
		}
		r := rec.Clone() // rec aliases the scanner's buffer
		if r.Method == "" || r.Path == "" || r.Status < 100 || r.ClientIP == "" || r.UserAgent == "" {
			t.Fatalf("line %d: incomplete record %+v", lines, r)
		}
		if r.Time.Before(last) {
			t.Fatalf("line %d: time %v before the previous line's %v", lines, r.Time, last)
		}
		if r.Time.Before(day) || !r.Time.Before(day.Add(24*time.Hour)) {
			t.Fatalf("line %d: time %v outside the day", lines, r.Time)
		}
		last = r.Time
		methods[r.Method]++
		statuses[r.Status]++
		clients[r.ClientIP] = true
		switch {
		case slices.Contains(scannerPaths, r.Path):
			scanners++
		case !inSpec(r.Path):
			shadow++
		}
	}
	if lines != n {
		t.Fatalf("%d lines, want %d", lines, n)
	}
	t.Logf("%d lines: %d shadow, %d scanner, %d clients, methods %v", n, shadow, scanners, len(clients), methods)
	if s := float64(shadow) / n; s < 0.01 || s > 0.05 {
		t.Errorf("shadow paths: %d of %d lines (%.1f%%), want 1-5%%", shadow, n, 100*s)
	}
	if s := float64(scanners) / n; s > 0.03 {
		t.Errorf("scanner noise: %d of %d lines, want under 3%%", scanners, n)
	}
	if methods["GET"] < n/3 || methods["POST"] == 0 || methods["DELETE"] == 0 {
		t.Errorf("methods %v: want mostly GET, some POST and DELETE", methods)
	}
	ok := 0
	for s, k := range statuses {
		if s < 300 {
			ok += k
		}
	}
	if ok < n*3/4 || statuses[304] == 0 || statuses[404] == 0 || statuses[401] == 0 {
		t.Errorf("statuses %v: want mostly 2xx with some 304, 401 and 404", statuses)
	}
	if len(clients) < 300 {
		t.Errorf("%d distinct clients in %d lines, want several hundred", len(clients), n)
	}
}

func TestDeterministic(t *testing.T) {
	ops := crapiOps(t)
	a, b := generate(t, ops, 2000, 1), generate(t, crapiOps(t), 2000, 1)
	if !bytes.Equal(a, b) {
		t.Error("two logs from seed 1 differ")
	}
	if c := generate(t, crapiOps(t), 2000, 2); bytes.Equal(a, c) {
		t.Error("seeds 1 and 2 give the same log")
	}
}

// A YAML Swagger 2.0 document: basePath, $ref parameters, response codes
// as YAML integers, a parameter kind per schema.
func TestParseSpecYAML(t *testing.T) {
	ops, err := parseSpec([]byte(`swagger: "2.0"
basePath: /api/v3/
parameters:
  Pet:
    name: petId
    in: path
    type: string
    format: uuid
paths:
  /pets:
    get:
      parameters:
        - {name: limit, in: query, type: integer}
        - {name: status, in: query, type: string, enum: [available, sold]}
      responses: {200: {description: ok}}
    post:
      responses: {201: {description: created}, 400: {description: bad}}
  /pets/{petId}:
    parameters: [{$ref: "#/parameters/Pet"}]
    delete:
      responses: {204: {description: gone}}
  /owners/{owner}/pets/{n}:
    get:
      parameters:
        - {name: owner, in: path, type: string}
        - {name: n, in: path, type: integer}
      responses: {default: {description: x}}
`))
	if err != nil {
		t.Fatal(err)
	}
	type got struct {
		method, template string
		success          int
	}
	var list []got
	for _, op := range ops {
		list = append(list, got{op.Method, op.Template, op.success})
	}
	want := []got{{"GET", "/api/v3/owners/{owner}/pets/{n}", 200}, {"GET", "/api/v3/pets", 200}, {"POST", "/api/v3/pets", 201}, {"DELETE", "/api/v3/pets/{petId}", 204}}
	if !slices.Equal(list, want) {
		t.Fatalf("operations %v, want %v", list, want)
	}
	if p := ops[0].pieces; len(p) != 4 || p[1].p.Kind != kindSlug || p[3].p.Kind != kindNumber {
		t.Errorf("owners pieces %+v: want a slug and a number", p)
	}
	if q := ops[1].query; len(q) != 2 || q[0].Kind != kindNumber || !slices.Equal(q[1].Values, []string{"available", "sold"}) {
		t.Errorf("query %+v", q)
	}
	if p := ops[3].pieces; len(p) != 2 || p[1].p.Kind != kindUUID {
		t.Errorf("pet pieces %+v: want a UUID", p)
	}
	// Shadow paths never match the spec.
	match := specMatcher(ops)
	for _, s := range shadowPaths(ops) {
		var b bytes.Buffer
		for _, p := range s.pieces {
			if p.p == nil {
				b.WriteString(p.lit)
			} else {
				b.WriteString("x")
			}
		}
		if match(b.String()) {
			t.Errorf("shadow path %s matches the spec", b.String())
		}
	}
}
