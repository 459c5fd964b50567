package sketch

import (
	"fmt"
	"math"
	"testing"
	"time"
)

func TestHLLEstimate(t *testing.T) {
	for _, n := range []int{0, 1, 10, 100, 1000, 5000, 100000} {
		var h HLL
		for i := range n {
			h.AddString(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255))
			h.AddString(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)) // duplicates do not count
		}
		got := h.Estimate()
		// Three standard errors (3 x 3.25%), and exact-ish for tiny sets.
		tol := math.Max(3*0.0325*float64(n), 1)
		if math.Abs(float64(got)-float64(n)) > tol {
			t.Errorf("n=%d: estimate %d, want within %.0f", n, got, tol)
		}
	}
}

func TestHLLMergeIsUnion(t *testing.T) {
	var a, b, both HLL
	for i := range 3000 {
		s := fmt.Sprint("client-", i)
		if i < 2000 {
			a.AddString(s)
		}
		if i >= 1000 {
			b.AddString(s)
		}
		both.AddString(s)
	}
	a.Merge(b)
	if a.Estimate() != both.Estimate() {
		t.Fatalf("merged estimate %d != estimate of the union %d", a.Estimate(), both.Estimate())
	}
	var c HLL
	c.Merge(HLL{1, 2, 3}) // wrong size: ignored
	if c != nil {
		t.Fatalf("a corrupt sketch was merged")
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h Histogram
	for i := range 100 {
		h.Observe(time.Duration(i+1) * time.Millisecond) // 1..100 ms
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.01, time.Millisecond}, {0.5, 50 * time.Millisecond}, {0.95, 100 * time.Millisecond}, {1, 100 * time.Millisecond}} {
		d, over, ok := h.Quantile(c.q)
		if !ok || over || d != c.want {
			t.Errorf("q%.2f = %v (over %v, ok %v), want %v", c.q, d, over, ok, c.want)
		}
	}
	var slow Histogram
	slow.Observe(2 * time.Minute)
	if d, over, _ := slow.Quantile(0.5); !over || d != time.Minute {
		t.Errorf("2m: got %v over=%v, want the last bound and over", d, over)
	}
	var merged Histogram
	merged.Merge(h)
	merged.Merge(slow)
	if merged.Count() != 101 {
		t.Errorf("merged count %d, want 101", merged.Count())
	}
	if _, _, ok := Histogram(nil).Quantile(0.5); ok {
		t.Errorf("empty histogram has a quantile")
	}
}
