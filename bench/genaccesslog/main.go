// Command genaccesslog writes a large, realistic nginx access log in the
// "combined" format for benchmarks:
//
//	$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
//
// The requests follow a real OpenAPI description: its paths and methods,
// path parameters filled with numeric ids, UUIDs or slugs by their schema,
// the spec's own query parameters on some GETs, and a Zipf-like popularity
// over the operations. About 3% of requests go to shadow paths the spec
// does not list (/admin/..., /internal/debug, /v0/...) and about 1% are
// scanner noise (/wp-login.php, /.env, /phpmyadmin/). Statuses are mostly
// 2xx with 304s, 4xx and 5xx at low rates per method; some 5,000 client
// addresses (one in eight IPv6) with a few heavy clients; real User-Agent
// strings of browsers, mobile apps, scripts, crawlers and scanners; CORS
// preflights before the web app's writes. Timestamps never go back and
// follow a day's traffic curve in one time zone. The same seed gives the
// same bytes.
//
//	go run ./bench/genaccesslog -n 1000000 -seed 1 -o access.log
//
// The spec defaults to crAPI's (corpus/specs/openapi/crapi) in
// $POSTURE_SHARED, or ../shared from the current directory. A summary of
// what was written goes to stderr.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

func main() {
	n := flag.Int("n", 1000000, "lines to write")
	spec := flag.String("spec", "", "OpenAPI 3 or Swagger 2.0 file, JSON or YAML (default: crAPI's, in the shared corpus)")
	seed := flag.Uint64("seed", 1, "random seed: the same seed writes the same log")
	out := flag.String("o", "", "output file (default stdout)")
	day := flag.String("day", "2026-11-18", "the logged day, YYYY-MM-DD")
	tz := flag.String("tz", "+0100", "the log's time zone offset, ±hhmm")
	clients := flag.Int("clients", 5000, "distinct client addresses")
	flag.Parse()
	if err := run(*n, *spec, *seed, *out, *day, *tz, *clients); err != nil {
		fmt.Fprintln(os.Stderr, "genaccesslog:", err)
		os.Exit(1)
	}
}

// defaultSpec is crAPI's OpenAPI description in the shared corpus: a real
// API of mid size (35 paths, 44 operations).
func defaultSpec() string {
	shared := os.Getenv("POSTURE_SHARED")
	if shared == "" {
		shared = filepath.Join("..", "shared")
	}
	return filepath.Join(shared, "corpus", "specs", "openapi", "crapi", "crapi-openapi-spec.json")
}

func run(n int, spec string, seed uint64, out, day, tz string, clients int) error {
	if n <= 0 || clients < 10 {
		return fmt.Errorf("need -n > 0 and -clients >= 10")
	}
	zone, err := time.Parse("-0700", tz)
	if err != nil {
		return fmt.Errorf("-tz %q: want an offset like +0100 or -0500", tz)
	}
	_, offset := zone.Zone()
	d, err := time.ParseInLocation("2006-01-02", day, time.FixedZone("", offset))
	if err != nil {
		return fmt.Errorf("-day %q: want YYYY-MM-DD", day)
	}
	if spec == "" {
		spec = defaultSpec()
	}
	data, err := os.ReadFile(spec)
	if err != nil {
		return fmt.Errorf("%w (give -spec FILE, or set POSTURE_SHARED to the folder holding corpus/)", err)
	}
	ops, err := parseSpec(data)
	if err != nil {
		return fmt.Errorf("%s: %w", spec, err)
	}
	start := time.Now()
	g := newGenerator(ops, config{Lines: n, Seed: seed, Day: d, Clients: clients, Shadow: 0.03, Scanner: 0.01})
	f := os.Stdout
	if out != "" {
		if f, err = os.Create(out); err != nil {
			return err
		}
	}
	st, err := g.write(f)
	if out != "" {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return err
	}
	pct := func(k int) float64 { return 100 * float64(k) / float64(st.Lines) }
	fmt.Fprintf(os.Stderr, "genaccesslog: %d lines in %.2fs from %s (%d operations): %.1f%% spec, %.1f%% CORS preflight, %.1f%% shadow, %.1f%% scanner; %d clients\n",
		st.Lines, time.Since(start).Seconds(), filepath.Base(spec), len(ops), pct(st.Spec), pct(st.Preflight), pct(st.Shadow), pct(st.Scanner), len(g.clients))
	return nil
}
