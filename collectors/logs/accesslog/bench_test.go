package accesslog

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/posture-dev/posture/internal/testutil"
)

// lnav100k is the lnav shop log (1000 lines) replicated to 100k lines.
func lnav100k(b *testing.B) [][]byte {
	data, err := os.ReadFile(testutil.Corpus(b, "logs/nginx/lnav-shop-access-log.0.log"))
	if err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	out := make([][]byte, 0, 100_000)
	for len(out) < 100_000 {
		out = append(out, lines...)
	}
	return out[:100_000]
}

// BenchmarkCombined parses 100k lines per op; allocs/op must stay 0.
func BenchmarkCombined(b *testing.B) {
	lines := lnav100k(b)
	var r Record
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, l := range lines {
			if err := Combined.Parse(l, &r); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)*float64(len(lines))/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkReaderCombined adds line splitting and the callback.
func BenchmarkReaderCombined(b *testing.B) {
	data := bytes.Join(lnav100k(b), []byte("\n"))
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		st, err := (&Reader{Name: "bench", Format: Combined}).Read(context.Background(), bytes.NewReader(data), func(*Record, int64, int64) error { return nil })
		if err != nil || st.Parsed != 100_000 {
			b.Fatal(err, st)
		}
	}
	b.ReportMetric(float64(b.N)*100_000/b.Elapsed().Seconds(), "lines/s")
}

// TestCombinedZeroAlloc keeps the zero-allocation promise in plain go test.
func TestCombinedZeroAlloc(t *testing.T) {
	lines := [][]byte{[]byte(goodLine), []byte(`"10.5.102.222, 199.96.1.1" 10.2.1.185 - u [22/Jan/2016:13:18:29 +0000] "GET https://h/a?q=1 HTTP/1.1" 200 2 "-" "x" "y"`)}
	var r Record
	for _, l := range lines {
		if n := testing.AllocsPerRun(100, func() { _ = Combined.Parse(l, &r) }); n != 0 {
			t.Errorf("Combined.Parse allocates %v times per line for %q", n, l)
		}
	}
	checked := 0
	for _, ls := range []string{
		`[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28" "nsq2http" "cc21d9b0" "locations" "tcp://10.0.2.1:80"`,
		`h2 2018-07-02T22:23:00.186641Z app/lb/1 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 "GET https://10.0.2.105:773/v1/x?y=2 HTTP/2.0" "curl" ECDHE TLSv1.2 arn "Root=1" "api.example.com" "-" 1`,
	} {
		l := []byte(ls)
		for _, f := range []Format{EnvoyDefault, ALB} {
			var r Record
			if f.Parse(l, &r) != nil {
				continue
			}
			checked++
			if n := testing.AllocsPerRun(100, func() { _ = f.Parse(l, &r) }); n != 0 {
				t.Errorf("%s.Parse allocates %v times per line", f.Name(), n)
			}
		}
	}
	if checked != 2 {
		t.Errorf("checked %d lines, want 2 (envoy and ALB)", checked)
	}
}
