package xlsx

import (
	"context"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/posture-dev/posture/internal/report/reporttest"
)

// heapPeak samples the live heap (HeapInuse) until stop is called and
// returns the highest value seen, in bytes.
func heapPeak() (stop func() uint64) {
	var (
		mu   sync.Mutex
		peak uint64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	sample := func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		mu.Lock()
		peak = max(peak, m.HeapInuse)
		mu.Unlock()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		sample()
		return peak
	}
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countingWriter)(nil)

// BenchmarkWrite100kFindings renders 200 APIs and 100,000 findings. The
// findings are generated lazily by the sample's iterator, so the heap
// peak is the renderer's (and excelize's) own.
func BenchmarkWrite100kFindings(b *testing.B) {
	r := reporttest.Sample(200, 100000)
	runtime.GC()
	b.ReportAllocs()
	stop := heapPeak()
	var w countingWriter
	for b.Loop() {
		w.n = 0
		if err := Write(context.Background(), &w, r); err != nil {
			b.Fatal(err)
		}
	}
	peak := stop()
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(w.n)/(1<<20), "file-MiB")
}

// TestMemory100kFindings holds the renderer to "100,000 findings fit in
// modest memory": the live heap while writing them stays under 200 MiB.
func TestMemory100kFindings(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 100,000 findings")
	}
	r := reporttest.Sample(200, 100000)
	runtime.GC()
	stop := heapPeak()
	var w countingWriter
	if err := Write(context.Background(), &w, r); err != nil {
		t.Fatal(err)
	}
	peak := stop()
	t.Logf("100,000 findings: %.1f MiB file, peak heap %.1f MiB", float64(w.n)/(1<<20), float64(peak)/(1<<20))
	if peak > 200<<20 {
		t.Errorf("peak heap %.1f MiB, want under 200 MiB", float64(peak)/(1<<20))
	}
}
