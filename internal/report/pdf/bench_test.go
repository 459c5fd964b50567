package pdf

import (
	"context"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/posture-dev/posture/internal/report"
	"github.com/posture-dev/posture/internal/report/reporttest"
)

// peakHeap samples the live heap while fn runs and returns the largest
// value seen above the heap in use before it started: memory the render
// itself needed.
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapAlloc)
			}
		}
	})
	fn()
	close(stop)
	wg.Wait()
	runtime.ReadMemStats(&ms)
	peak = max(peak, ms.HeapAlloc)
	return peak - base
}

func benchRender(b *testing.B, render renderFunc, r report.Report) {
	b.ReportAllocs()
	var peak uint64
	for b.Loop() {
		peak = max(peak, peakHeap(func() {
			if err := render(context.Background(), io.Discard, r); err != nil {
				b.Fatal(err)
			}
		}))
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
}

// 1000 APIs and 20,000 findings: the executive report does not read the
// findings stream, so its memory follows the APIs table only.
func BenchmarkExecutive1000(b *testing.B) {
	benchRender(b, Executive, reporttest.Sample(1000, 20000))
}

// 100 APIs (35 controls each), 5,000 findings and 300 evidence records.
func BenchmarkAuditor100(b *testing.B) {
	benchRender(b, Auditor, reporttest.Sample(100, 5000))
}

// The same 100 APIs with four times the findings, to see how memory
// grows with them (the printed pages grow too).
func BenchmarkAuditor100Findings20000(b *testing.B) {
	benchRender(b, Auditor, reporttest.Sample(100, 20000))
}
