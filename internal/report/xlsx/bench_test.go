package xlsx

import (
	"context"
	"runtime"
	"testing"

	"github.com/posture-dev/posture/internal/report/reporttest"
)

// BenchmarkWrite100kFindings renders 200 APIs and 100,000 findings. The
// findings are generated lazily by the sample's iterator, so the heap
// peak is the renderer's (and excelize's) own.
func BenchmarkWrite100kFindings(b *testing.B) {
	r := reporttest.Sample(200, 100000)
	runtime.GC()
	b.ReportAllocs()
	stop := reporttest.HeapPeak()
	var w reporttest.CountingWriter
	for b.Loop() {
		w.N = 0
		if err := Write(context.Background(), &w, r); err != nil {
			b.Fatal(err)
		}
	}
	peak := stop()
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(w.N)/(1<<20), "file-MiB")
}

// TestMemory100kFindings holds the renderer to "100,000 findings fit in
// modest memory": the live heap while writing them stays under 200 MiB.
func TestMemory100kFindings(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 100,000 findings")
	}
	r := reporttest.Sample(200, 100000)
	runtime.GC()
	stop := reporttest.HeapPeak()
	var w reporttest.CountingWriter
	if err := Write(context.Background(), &w, r); err != nil {
		t.Fatal(err)
	}
	peak := stop()
	t.Logf("100,000 findings: %.1f MiB file, peak heap %.1f MiB", float64(w.N)/(1<<20), float64(peak)/(1<<20))
	if peak > 200<<20 {
		t.Errorf("peak heap %.1f MiB, want under 200 MiB", float64(peak)/(1<<20))
	}
}
