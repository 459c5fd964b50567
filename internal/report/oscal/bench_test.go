package oscal

import (
	"context"
	"runtime"
	"testing"

	"github.com/posture-dev/posture/internal/report/reporttest"
)

// BenchmarkWrite100kFindings renders 200 APIs (7,000 control results,
// about 15,000 OSCAL findings) and streams 100,000 findings for the risks.
// The heap before rendering holds the sample's results; the peak shows
// what rendering adds on top.
func BenchmarkWrite100kFindings(b *testing.B) {
	r := reporttest.Sample(200, 100000)
	cat := mustCatalog(b)
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	b.ReportAllocs()
	stop := reporttest.HeapPeak()
	var w reporttest.CountingWriter
	for b.Loop() {
		w.N = 0
		if err := Write(context.Background(), &w, r, cat); err != nil {
			b.Fatal(err)
		}
	}
	peak := stop()
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(base.HeapInuse)/(1<<20), "base-heap-MiB")
	b.ReportMetric(float64(w.N)/(1<<20), "file-MiB")
}

// TestMemoryFlatInFindings holds the renderer to streaming: ten times the
// findings must not grow the heap peak by more than a few MiB (the risks
// are bounded, the rest of the stream passes by).
func TestMemoryFlatInFindings(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 100,000 findings")
	}
	cat := mustCatalog(t)
	peak := func(findings int) uint64 {
		r := reporttest.Sample(50, findings)
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		stop := reporttest.HeapPeak()
		if err := Write(context.Background(), &reporttest.CountingWriter{}, r, cat); err != nil {
			t.Fatal(err)
		}
		p := stop()
		return max(p, base.HeapInuse) - base.HeapInuse
	}
	small, large := peak(10000), peak(100000)
	t.Logf("heap added while rendering: 10,000 findings %.1f MiB, 100,000 findings %.1f MiB", float64(small)/(1<<20), float64(large)/(1<<20))
	if large > small+16<<20 {
		t.Errorf("heap grows with findings: %.1f MiB for 10,000, %.1f MiB for 100,000", float64(small)/(1<<20), float64(large)/(1<<20))
	}
}
