// Package sketch holds the two small mergeable summaries traffic
// statistics need: a HyperLogLog for distinct clients and a fixed-bucket
// latency histogram. Both are stored per endpoint and day and merged
// across runs and days, so they must be deterministic across processes
// (xxhash, fixed bucket bounds) and cheap to merge.
package sketch

import (
	"math"
	"math/bits"
	"time"

	"github.com/cespare/xxhash/v2"
)

// Precision of the HyperLogLog: 2^10 registers, a standard error of about
// 1.04/sqrt(1024) = 3.25%, 1 KiB per sketch.
const (
	Precision = 10
	Registers = 1 << Precision
)

// HLL is a HyperLogLog sketch: Registers bytes. The zero value (nil) is an
// empty sketch; Add allocates.
type HLL []byte

// AddString counts s.
func (h *HLL) AddString(s string) {
	if *h == nil {
		*h = make(HLL, Registers)
	}
	x := xxhash.Sum64String(s)
	idx := x >> (64 - Precision)
	w := x<<Precision | 1<<(Precision-1) // guard bit bounds the rank
	rank := byte(bits.LeadingZeros64(w) + 1)
	if rank > (*h)[idx] {
		(*h)[idx] = rank
	}
}

// Merge adds o's counts to h. A sketch of the wrong size (corrupt storage)
// is ignored rather than trusted.
func (h *HLL) Merge(o HLL) {
	if len(o) != Registers {
		return
	}
	if *h == nil {
		*h = make(HLL, Registers)
	}
	for i, r := range o {
		if r > (*h)[i] {
			(*h)[i] = r
		}
	}
}

// Estimate returns the approximate number of distinct strings added.
func (h HLL) Estimate() int64 {
	if len(h) != Registers {
		return 0
	}
	m := float64(Registers)
	sum, zeros := 0.0, 0
	for _, r := range h {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	alpha := 0.7213 / (1 + 1.079/m)
	est := alpha * m * m / sum
	if est <= 2.5*m && zeros > 0 {
		est = m * math.Log(m/float64(zeros)) // linear counting for small sets
	}
	return int64(math.Round(est))
}

// LatencyBounds are the histogram's bucket upper bounds; a last bucket
// counts everything slower.
var LatencyBounds = []time.Duration{
	time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond,
	20 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond,
	500 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second,
	30 * time.Second, time.Minute,
}

// Histogram counts durations per LatencyBounds bucket (len(LatencyBounds)+1
// counters). The zero value (nil) is empty; Observe allocates.
type Histogram []int64

// Observe counts d.
func (h *Histogram) Observe(d time.Duration) {
	if *h == nil {
		*h = make(Histogram, len(LatencyBounds)+1)
	}
	i := 0
	for i < len(LatencyBounds) && d > LatencyBounds[i] {
		i++
	}
	(*h)[i]++
}

// Merge adds o's counts to h; a histogram of the wrong size is ignored.
func (h *Histogram) Merge(o Histogram) {
	if len(o) != len(LatencyBounds)+1 {
		return
	}
	if *h == nil {
		*h = make(Histogram, len(LatencyBounds)+1)
	}
	for i, n := range o {
		(*h)[i] += n
	}
}

// Count is the number of durations observed.
func (h Histogram) Count() int64 {
	var n int64
	for _, c := range h {
		n += c
	}
	return n
}

// Quantile returns the upper bound of the bucket holding the q-quantile
// (0 < q <= 1): "p95 <= 200ms". over is true when it falls in the last,
// unbounded bucket (the value is then the last bound). ok is false for an
// empty histogram.
func (h Histogram) Quantile(q float64) (d time.Duration, over, ok bool) {
	n := h.Count()
	if n == 0 || len(h) != len(LatencyBounds)+1 {
		return 0, false, false
	}
	rank := int64(math.Ceil(q * float64(n)))
	var cum int64
	for i, c := range h {
		cum += c
		if cum >= rank {
			if i == len(LatencyBounds) {
				return LatencyBounds[i-1], true, true
			}
			return LatencyBounds[i], false, true
		}
	}
	return LatencyBounds[len(LatencyBounds)-1], true, true
}
