// Package scoring assembles what the store knows about an API (current
// evidence facts, findings, score history) into the evaluator's input,
// runs controls.Evaluate, and keeps the latest assessment and a daily
// snapshot per API.
package scoring

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/controls"
	"github.com/posture-dev/posture/internal/store"
)

// Service evaluates and stores assessments.
type Service struct {
	Store   *store.Store
	Catalog *catalog.Catalog
	Options controls.Options // Now is ignored; Service.Now is used
	Now     func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Rescore evaluates the given APIs and stores the results.
func (s *Service) Rescore(ctx context.Context, apiIDs []int64) error {
	for _, id := range apiIDs {
		if _, err := s.RescoreAPI(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// RescoreAll evaluates every API (the daily job: freshness changes with
// time even when no evidence arrives).
func (s *Service) RescoreAll(ctx context.Context) error {
	var ids []int64
	if err := s.Store.DB.WithContext(ctx).Model(&store.API{}).Order("id").Pluck("id", &ids).Error; err != nil {
		return fmt.Errorf("scoring: list apis: %w", err)
	}
	return s.Rescore(ctx, ids)
}

// Evaluate computes the assessment of one API without storing it.
func (s *Service) Evaluate(ctx context.Context, apiID int64) (controls.Assessment, error) {
	in, err := s.Input(ctx, apiID)
	if err != nil {
		return controls.Assessment{}, err
	}
	opt := s.Options
	opt.Now = s.now()
	return controls.Evaluate(s.Catalog, in, opt), nil
}

// RescoreAPI evaluates one API and stores the assessment and today's
// snapshot.
func (s *Service) RescoreAPI(ctx context.Context, apiID int64) (controls.Assessment, error) {
	a, err := s.Evaluate(ctx, apiID)
	if err != nil {
		return a, err
	}
	body, err := json.Marshal(a)
	if err != nil {
		return a, fmt.Errorf("scoring: api %d: %w", apiID, err)
	}
	now := s.now()
	row := store.Assessment{APIID: apiID, Level: a.Level, Body: string(body), ComputedAt: now}
	for _, r := range a.Results {
		if r.Status == controls.StatusUnknown {
			row.Unknown++
		}
	}
	sc := a.CellScores()
	row.PreBasic, row.PreAdv, row.RunBasic, row.RunAdv = sc[0], sc[1], sc[2], sc[3]
	snap := store.Snapshot{APIID: apiID, Day: now.Format("2006-01-02"), Level: row.Level,
		PreBasic: row.PreBasic, PreAdv: row.PreAdv, RunBasic: row.RunBasic, RunAdv: row.RunAdv, ComputedAt: now}
	err = s.Store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error; err != nil {
			return err
		}
		return tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&snap).Error
	})
	if err != nil {
		return a, fmt.Errorf("scoring: store assessment of api %d: %w", apiID, err)
	}
	return a, nil
}

// Current returns the stored assessment of an API, computing it when none
// is stored yet.
func (s *Service) Current(ctx context.Context, apiID int64) (controls.Assessment, time.Time, error) {
	var row store.Assessment
	err := s.Store.DB.WithContext(ctx).Where("api_id = ?", apiID).Limit(1).Find(&row).Error
	if err != nil {
		return controls.Assessment{}, time.Time{}, fmt.Errorf("scoring: api %d: %w", apiID, err)
	}
	if row.APIID == 0 {
		a, err := s.RescoreAPI(ctx, apiID)
		return a, s.now(), err
	}
	var a controls.Assessment
	if err := json.Unmarshal([]byte(row.Body), &a); err != nil {
		return a, row.ComputedAt, fmt.Errorf("scoring: api %d: stored assessment: %w", apiID, err)
	}
	return a, row.ComputedAt, nil
}

// CurrentEvidence is the evidence that counts for an API now: per source,
// the records of its latest run that produced evidence for the API (runs
// that failed store none), in chain order.
func (s *Service) CurrentEvidence(ctx context.Context, apiID int64) ([]store.Evidence, error) {
	var recs []store.Evidence
	err := s.Store.DB.WithContext(ctx).Raw(`SELECT e.* FROM evidence e
		JOIN (SELECT source, MAX(run_id) AS run_id FROM evidence WHERE api_id = ? GROUP BY source) l
		  ON e.source = l.source AND e.run_id = l.run_id
		WHERE e.api_id = ? ORDER BY e.seq`, apiID, apiID).Scan(&recs).Error
	if err != nil {
		return nil, fmt.Errorf("evidence of api %d: %w", apiID, err)
	}
	return recs, nil
}

// Input gathers the evaluator's input for one API. The current evidence
// of a source is what its latest successful run said about the API: an
// operation removed from a spec disappears with the next collection,
// while its old evidence stays in the log.
func (s *Service) Input(ctx context.Context, apiID int64) (controls.APIInput, error) {
	db := s.Store.DB.WithContext(ctx)
	var api store.API
	if err := db.First(&api, apiID).Error; err != nil {
		return controls.APIInput{}, fmt.Errorf("scoring: api %d: %w", apiID, err)
	}
	in := controls.APIInput{Name: api.Name, Owner: api.Owner, APIFacts: map[string]controls.Observation{}}
	recs, err := s.CurrentEvidence(ctx, apiID)
	if err != nil {
		return in, fmt.Errorf("scoring: api %q: %w", api.Name, err)
	}
	eps := map[string]*controls.EndpointInput{}
	var routes []routeRecord
	for _, r := range recs {
		var facts collectors.Facts
		if err := json.Unmarshal([]byte(r.Facts), &facts); err != nil {
			return in, fmt.Errorf("scoring: evidence %d: facts: %w", r.ID, err)
		}
		if r.Route != "" {
			rr := routeRecord{rec: r, facts: facts}
			if err := json.Unmarshal([]byte(r.Route), &rr.route); err != nil {
				return in, fmt.Errorf("scoring: evidence %d: route: %w", r.ID, err)
			}
			routes = append(routes, rr)
			continue
		}
		target := in.APIFacts
		if r.EndpointKey != "" {
			ep := eps[r.EndpointKey]
			if ep == nil {
				ep = &controls.EndpointInput{Key: r.EndpointKey, Facts: map[string]controls.Observation{}}
				eps[r.EndpointKey] = ep
			}
			target = ep.Facts
		}
		for k, v := range facts {
			merge(target, k, observe(r, v))
		}
	}
	keys := make([]string, 0, len(eps))
	for k := range eps {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var baseURLs []string
	_ = json.Unmarshal([]byte(api.BaseURLs), &baseURLs)
	cov := applyRoutes(in.APIFacts, eps, keys, routes, baseURLs)
	in.ShadowRoutes, in.UnroutedEndpoints = cov.shadow, cov.unrouted
	applyTraffic(in.APIFacts, eps)
	for _, k := range keys {
		ep := eps[k]
		if o, ok := ep.Facts[collectors.FactDeprecated]; ok {
			ep.Deprecated, _ = o.Value.(bool)
		}
		in.Endpoints = append(in.Endpoints, *ep)
	}
	// One finding per issue: a weakness two tools report counts once.
	var fs []store.Finding
	if err := db.Table("findings AS f").Joins(store.JoinPrimary).Select("f.*").
		Where("f.api_id = ? AND "+store.StandsForIssue, apiID).Scan(&fs).Error; err != nil {
		return in, fmt.Errorf("scoring: api %q: findings: %w", api.Name, err)
	}
	epKeys := map[int64]string{}
	for _, f := range fs {
		fi := controls.FindingInput{ID: f.ID, Title: f.Title, Severity: f.Severity, Status: f.Status, OWASP: f.OWASP}
		if f.DueAt != nil {
			fi.DueAt = *f.DueAt
		}
		if f.AcceptedUntil != nil {
			fi.AcceptedUntil = *f.AcceptedUntil
		}
		if f.EndpointID != nil {
			if _, ok := epKeys[*f.EndpointID]; !ok {
				var e store.Endpoint
				if db.First(&e, *f.EndpointID).Error == nil {
					epKeys[*f.EndpointID] = e.Key()
				}
			}
			fi.Endpoint = epKeys[*f.EndpointID]
		}
		in.Findings = append(in.Findings, fi)
	}
	var days int64
	if err := db.Model(&store.Snapshot{}).Where("api_id = ?", apiID).Count(&days).Error; err != nil {
		return in, fmt.Errorf("scoring: api %q: snapshots: %w", api.Name, err)
	}
	in.SnapshotDays = int(days)
	return in, nil
}

func observe(r store.Evidence, v any) controls.Observation {
	return controls.Observation{Value: typed(v), EvidenceID: r.ID, Hash: r.Hash, Source: r.Source, ObservedAt: r.ObservedAt}
}

// merge keeps the later observation of a fact. Records arrive in seq
// order, so a later one wins unless it observed an older state.
func merge(target map[string]controls.Observation, k string, obs controls.Observation) {
	if prev, ok := target[k]; ok && prev.ObservedAt.After(obs.ObservedAt) {
		return
	}
	target[k] = obs
}

// routeRecord is a gateway rule's evidence.
type routeRecord struct {
	rec   store.Evidence
	route collectors.Route
	facts collectors.Facts
}

// applyRoutes gives each endpoint the facts of the gateway rules that
// serve it: per gateway source the most specific matching route, as the
// gateway itself would pick. Across sources (two layers in front of one
// API, say nginx and Kong) a protection enforced by either layer counts,
// so a satisfying value wins. API-level facts that no collector stated
// directly are aggregated over the API's routes: true only when every
// route says so.
func applyRoutes(apiFacts map[string]controls.Observation, eps map[string]*controls.EndpointInput, keys []string, routes []routeRecord, baseURLs []string) (cov coverage) {
	if len(routes) == 0 {
		return cov
	}
	hosts, basePaths := collectors.SplitBaseURLs(baseURLs)
	matched := make([]bool, len(routes))
	for _, key := range keys {
		method, path, _ := strings.Cut(key, " ")
		bps := basePaths
		method, path, bps = routeTarget(method, path, bps)
		// Per source, the routes at the highest specificity: normally
		// one; on a tie (the same path served by a TLS and a plain
		// listener, say) the weaker value of each fact wins, so the
		// result does not depend on the order of the gateway's file.
		best := map[string][]routeRecord{}
		bestScore := map[string]collectors.Specificity{}
		served := false
		for i, rr := range routes {
			sp := rr.route.Match(method, path, bps, hosts)
			if sp > 0 {
				matched[i], served = true, true
			}
			switch src := rr.rec.Source; {
			case sp == 0:
			case sp > bestScore[src]:
				best[src], bestScore[src] = []routeRecord{rr}, sp
			case sp == bestScore[src]:
				best[src] = append(best[src], rr)
			}
		}
		if !served {
			cov.unrouted = append(cov.unrouted, key)
		}
		ep := eps[key]
		for _, src := range sortedSources(best) {
			facts := map[string]controls.Observation{}
			for _, rr := range best[src] {
				for k, v := range rr.facts {
					obs := observe(rr.rec, v)
					if prev, ok := facts[k]; ok && !controls.Satisfies(prev.Value) {
						continue // a tie keeps the weaker value
					}
					facts[k] = obs
				}
			}
			for k, obs := range facts {
				if prev, ok := ep.Facts[k]; ok && prev.Source != src && controls.Satisfies(prev.Value) && !controls.Satisfies(obs.Value) {
					continue // another layer already enforces it
				}
				ep.Facts[k] = obs
			}
		}
	}
	agg := map[string]controls.Observation{}
	for _, rr := range routes {
		for k, v := range rr.facts {
			if _, direct := apiFacts[k]; direct {
				continue
			}
			obs := observe(rr.rec, v)
			if prev, ok := agg[k]; ok && (!controls.Satisfies(prev.Value) || controls.Satisfies(obs.Value)) {
				continue // a false already decides; otherwise keep the first true
			}
			agg[k] = obs
		}
	}
	for k, o := range agg {
		apiFacts[k] = o
	}
	if len(keys) == 0 {
		return cov // no description to compare with: nothing is "shadow"
	}
	newest := routes[0]
	for i, rr := range routes {
		if !matched[i] {
			cov.shadow = append(cov.shadow, describeRoute(rr))
		}
		if rr.rec.ObservedAt.After(newest.rec.ObservedAt) {
			newest = rr
		}
	}
	sort.Strings(cov.shadow)
	// The gateway and the description agree when every route serves a
	// described operation and every described operation is routed. The
	// verdict is about the gateway configuration as last collected, so it
	// cites the newest gateway record.
	if _, direct := apiFacts[collectors.FactGatewayInSync]; !direct {
		apiFacts[collectors.FactGatewayInSync] = observe(newest.rec, len(cov.shadow) == 0 && len(cov.unrouted) == 0)
	}
	return cov
}

// routeTarget is the HTTP request that reaches an endpoint, as a gateway
// sees it. REST and gRPC endpoints are their own method and path; a GraphQL
// root field ("QUERY viewer") is a POST to the API's GraphQL URL, which is
// its base path, or /graphql when the API declares none.
func routeTarget(method, path string, basePaths []string) (string, string, []string) {
	if collectors.IsGraphQLMethod(method) {
		return http.MethodPost, "", collectors.GraphQLPaths(basePaths)
	}
	return method, path, basePaths
}

// coverage is how gateway routes and described operations line up.
type coverage struct {
	shadow   []string // routes serving no described operation
	unrouted []string // operations no route serves
}

// describeRoute renders a route for a person: "kong: payments-v2 (GET /admin*)".
func describeRoute(rr routeRecord) string {
	return DescribeRoute(rr.rec.Source, rr.rec.Location, rr.route)
}

// DescribeRoute renders a gateway rule of a source for a person:
// "kong: payments-v2 (GET /admin*)"; location names a rule without a name.
func DescribeRoute(source, location string, r collectors.Route) string {
	var paths []string
	for _, p := range r.Paths {
		switch {
		case p.Exact != "":
			paths = append(paths, p.Exact)
		case p.Prefix != "":
			paths = append(paths, p.Prefix+"*")
		default:
			paths = append(paths, "~"+p.Regex)
		}
	}
	if len(paths) == 0 {
		paths = []string{"/*"}
	}
	methods := "ANY"
	if len(r.Methods) > 0 {
		methods = strings.Join(r.Methods, ",")
	}
	name := r.Name
	if name == "" {
		name = location
	}
	return fmt.Sprintf("%s: %s (%s %s)", source, name, methods, strings.Join(paths, " "))
}

func sortedSources(m map[string][]routeRecord) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// typed turns JSON-decoded values back into the fact types: numbers come
// back as float64 (integral ones become int64), lists as []any.
func typed(v any) any {
	switch x := v.(type) {
	case float64:
		if x == float64(int64(x)) {
			return int64(x)
		}
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return v
}

// applyTraffic lets what traffic showed override what configuration
// says, in one direction only: a gateway configured to enforce TLS or
// authentication that was seen answering plaintext requests, or callers
// the log records as unauthenticated on an operation whose description
// requires authentication, does not enforce it. Traffic never turns a
// false into a true: the absence of a violation in a log is not proof.
// The override holds while the traffic evidence is current (its source's
// latest run), so it does not flap with the order of collections.
func applyTraffic(apiFacts map[string]controls.Observation, eps map[string]*controls.EndpointInput) {
	if o, ok := apiFacts[collectors.FactTrafficPlaintextSuccess]; ok {
		if n, _ := o.Value.(int64); n > 0 {
			apiFacts[collectors.FactTLSEnforced] = controls.Observation{Value: false, EvidenceID: o.EvidenceID, Hash: o.Hash, Source: o.Source, ObservedAt: o.ObservedAt}
		}
	}
	if o, ok := apiFacts[collectors.FactTrafficUnauthSuccess]; ok {
		keys, _ := o.Value.([]string)
		for _, k := range keys {
			if ep := eps[k]; ep != nil {
				ep.Facts[collectors.FactAuthEnforced] = controls.Observation{Value: false, EvidenceID: o.EvidenceID, Hash: o.Hash, Source: o.Source, ObservedAt: o.ObservedAt}
			}
		}
	}
}
