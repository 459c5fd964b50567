// Package traffic reads what the access-log collector stored: requests
// per endpoint and day, summed over a window, with the flags the
// inventory needs (shadow, zombie, unused). It also holds the inventory
// the collector matches requests against, so both sides agree on what
// "described" means.
package traffic

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"time"

	"gorm.io/gorm"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/sketch"
	"github.com/posture-dev/posture/internal/store"
)

// DefaultWindow is how far back the traffic views look.
const DefaultWindow = 30 * 24 * time.Hour

// Endpoint is one endpoint's (or unknown path's) traffic over the window.
type Endpoint struct {
	EndpointID *int64 `json:"endpoint_id,omitempty"`
	Method     string `json:"method"`
	Path       string `json:"path"`
	// What the inventory says about it.
	InSpec       bool `json:"in_spec"`
	Deprecated   bool `json:"deprecated"`
	Removed      bool `json:"removed"`
	AuthRequired bool `json:"auth_required"`
	// Flags: served but described nowhere (shadow); deprecated in or
	// removed from its description and still answering with success
	// (zombie); described but no request in the window (unused).
	Shadow bool `json:"shadow"`
	Zombie bool `json:"zombie"`
	Unused bool `json:"unused"`

	// Counters summed over the window: requests, status classes,
	// 401/403/429, how many requests say whether they came over TLS or
	// were authenticated, unauthenticated 2xx answers (UnauthOK: on an
	// endpoint requiring authentication, a broken-authentication
	// signal), and the latency histogram.
	collectors.TrafficStats
	FirstSeen time.Time `json:"first_seen,omitzero"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
	// TLSShare is the share of requests over TLS among those whose log
	// says; -1 when none does.
	TLSShare float64 `json:"tls_share"`
	// Latency quantiles as bucket upper bounds (0: not logged).
	P50 time.Duration `json:"p50_ns"`
	P95 time.Duration `json:"p95_ns"`
	P99 time.Duration `json:"p99_ns"`
	// Clients is the approximate number of distinct client addresses
	// (the sketch itself, TrafficStats.Clients, is not shown).
	Clients int64 `json:"clients"`
	// Daily requests, one per day of the window with traffic.
	Daily []Day `json:"daily,omitempty"`
}

// BrokenAuth: an endpoint requiring authentication answered 2xx to
// unauthenticated callers.
func (e Endpoint) BrokenAuth() bool { return e.AuthRequired && e.UnauthOK > 0 }

// Day is one day's request count.
type Day struct {
	Day      time.Time `json:"day"`
	Requests int64     `json:"requests"`
}

// API is one API's traffic over the window.
type API struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Monitored: some traffic of the API was recorded in the window. The
	// unused flag means something only then.
	Monitored  bool       `json:"monitored"`
	Requests   int64      `json:"requests"`
	Unserved   int64      `json:"unserved"` // requests to paths nothing serves (scanners, typos)
	Shadow     int        `json:"shadow"`
	Zombie     int        `json:"zombie"`
	Unused     int        `json:"unused"`
	BrokenAuth int        `json:"broken_auth"`
	Endpoints  []Endpoint `json:"endpoints"`
}

// ForAPI returns the API's traffic for the window ending at to.
func ForAPI(ctx context.Context, db *gorm.DB, apiID int64, to time.Time, window time.Duration) (API, error) {
	m, err := ForAPIs(ctx, db, []int64{apiID}, to, window)
	return m[apiID], err
}

// ForAPIs returns the traffic of several APIs (a page of the portfolio)
// with one inventory read and one traffic query, by API id.
func ForAPIs(ctx context.Context, db *gorm.DB, apiIDs []int64, to time.Time, window time.Duration) (map[int64]API, error) {
	if window <= 0 {
		window = DefaultWindow
	}
	from := to.Add(-window)
	out := make(map[int64]API, len(apiIDs))
	for _, id := range apiIDs {
		out[id] = API{To: to, From: from}
	}
	if len(apiIDs) == 0 {
		return out, nil
	}
	db = db.WithContext(ctx)
	_, invs, err := inventory(db, apiIDs)
	if err != nil {
		return out, err
	}
	var rows []store.Traffic
	if err := db.Where("api_id IN ? AND day >= ? AND day <= ?", apiIDs, from.UTC().Truncate(24*time.Hour), to).
		Order("day").Find(&rows).Error; err != nil {
		return out, fmt.Errorf("traffic: %w", err)
	}
	byAPI := map[int64][]store.Traffic{}
	for _, r := range rows {
		byAPI[r.APIID] = append(byAPI[r.APIID], r)
	}
	for _, id := range apiIDs {
		inv, ok := invs[id]
		if !ok {
			continue // no such API: an empty view, as before
		}
		out[id] = summarize(out[id], inv, byAPI[id])
	}
	return out, nil
}

// summarize is one API's view from its inventory and its traffic rows
// (in day order).
func summarize(out API, inv collectors.InventoryAPI, rows []store.Traffic) API {
	known := map[string]collectors.InventoryEndpoint{}
	graphql := map[string]bool{} // requests to a GraphQL API's URL, described by its schema
	gql := false
	for _, e := range inv.Endpoints {
		known[e.Method+" "+e.Path] = e
		gql = gql || collectors.IsGraphQLMethod(e.Method)
	}
	if gql {
		var bases []string
		for _, u := range inv.BaseURLs {
			if pu, err := url.Parse(u); err == nil {
				bases = append(bases, pu.Path)
			}
		}
		for _, p := range collectors.GraphQLPaths(bases) {
			graphql["POST "+p], graphql["GET "+p] = true, true
		}
	}
	byKey := map[string]*Endpoint{}
	for _, r := range rows {
		out.Monitored = true
		out.Requests += r.Requests
		if r.Path == collectors.TrafficUnservedPath {
			out.Unserved += r.Requests
			continue
		}
		k := r.Method + " " + r.Path
		e := byKey[k]
		if e == nil {
			e = &Endpoint{Method: r.Method, Path: r.Path, EndpointID: r.EndpointID, FirstSeen: r.FirstSeen, LastSeen: r.LastSeen}
			byKey[k] = e
		}
		e.TrafficStats.Add(StatsOf(r))
		if r.FirstSeen.Before(e.FirstSeen) {
			e.FirstSeen = r.FirstSeen
		}
		if r.LastSeen.After(e.LastSeen) {
			e.LastSeen = r.LastSeen
		}
		e.Daily = append(e.Daily, Day{Day: r.Day, Requests: r.Requests})
	}
	for k, ie := range known {
		if _, ok := byKey[k]; !ok && (ie.InSpec || ie.Removed) {
			byKey[k] = &Endpoint{Method: ie.Method, Path: ie.Path}
		}
	}
	for k, e := range byKey {
		ie, described := known[k]
		if graphql[k] {
			described, ie.InSpec = true, true
		}
		e.InSpec, e.Deprecated, e.Removed, e.AuthRequired = ie.InSpec, ie.Deprecated, ie.Removed, ie.AuthRequired
		e.TLSShare = -1
		if e.TLSKnown > 0 {
			e.TLSShare = float64(e.TLS) / float64(e.TLSKnown)
		}
		ok := e.S2xx+e.S3xx > 0
		e.Shadow = e.Requests > 0 && e.Path != collectors.TrafficOtherPath && (!described || (!ie.InSpec && !ie.Removed))
		e.Zombie = ok && (ie.Deprecated || ie.Removed)
		// A GraphQL field's requests all go to the API's one URL, so a
		// log cannot tell a field is unused.
		e.Unused = out.Monitored && e.Requests == 0 && ie.InSpec && !ie.Deprecated && !collectors.IsGraphQLMethod(e.Method)
		if h := sketch.Histogram(e.Latency); h.Count() > 0 {
			e.P50, _, _ = h.Quantile(0.5)
			e.P95, _, _ = h.Quantile(0.95)
			e.P99, _, _ = h.Quantile(0.99)
		}
		e.Clients = sketch.HLL(e.TrafficStats.Clients).Estimate()
		if e.Shadow {
			out.Shadow++
		}
		if e.Zombie {
			out.Zombie++
		}
		if e.Unused {
			out.Unused++
		}
		if e.BrokenAuth() {
			out.BrokenAuth++
		}
		out.Endpoints = append(out.Endpoints, *e)
	}
	sort.Slice(out.Endpoints, func(i, j int) bool {
		a, b := out.Endpoints[i], out.Endpoints[j]
		if a.Requests != b.Requests {
			return a.Requests > b.Requests
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Method < b.Method
	})
	return out
}
