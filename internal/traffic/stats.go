package traffic

import (
	"encoding/json"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/store"
)

// StatsOf returns a traffic row's counters.
func StatsOf(r store.Traffic) collectors.TrafficStats {
	st := collectors.TrafficStats{Requests: r.Requests, S2xx: r.S2xx, S3xx: r.S3xx, S4xx: r.S4xx, S5xx: r.S5xx,
		S401: r.S401, S403: r.S403, S429: r.S429, TLSKnown: r.TLSKnown, TLS: r.TLS, PlainOK: r.PlainOK,
		AuthKnown: r.AuthKnown, UnauthOK: r.UnauthOK, Clients: r.Clients}
	if r.Latency != "" {
		_ = json.Unmarshal([]byte(r.Latency), &st.Latency) // a corrupt histogram is dropped, not trusted
	}
	return st
}

// SetStats stores st in the row.
func SetStats(r *store.Traffic, st collectors.TrafficStats) {
	r.Requests, r.S2xx, r.S3xx, r.S4xx, r.S5xx = st.Requests, st.S2xx, st.S3xx, st.S4xx, st.S5xx
	r.S401, r.S403, r.S429 = st.S401, st.S403, st.S429
	r.TLSKnown, r.TLS, r.PlainOK, r.AuthKnown, r.UnauthOK = st.TLSKnown, st.TLS, st.PlainOK, st.AuthKnown, st.UnauthOK
	r.Latency = ""
	if len(st.Latency) > 0 {
		b, _ := json.Marshal(st.Latency)
		r.Latency = string(b)
	}
	r.Clients = st.Clients
}
