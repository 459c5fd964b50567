package reporttest

import (
	"runtime"
	"sync"
	"time"
)

// HeapPeak samples the live heap (HeapInuse) every 5 ms until the
// returned stop is called, and stop returns the highest value seen, in
// bytes: the renderers' benchmarks report it beside B/op.
func HeapPeak() (stop func() uint64) {
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

// CountingWriter discards what is written and counts the bytes.
type CountingWriter struct{ N int64 }

func (w *CountingWriter) Write(p []byte) (int, error) { w.N += int64(len(p)); return len(p), nil }
