package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/store"
)

// The buffer is also a collectors.TrafficSink and InventoryReader: access
// logs resume where the source's last run stopped and match requests to
// the inventory. Positions and traffic are written in the run's one
// transaction with everything else.

type trafficKey struct {
	api, method, path string
	day               int64
}

// Inventory implements collectors.InventoryReader.
func (b *buffer) Inventory() ([]collectors.InventoryAPI, error) {
	if b.inventory == nil {
		return nil, nil
	}
	return b.inventory()
}

// Cursor implements collectors.TrafficSink.
func (b *buffer) Cursor(fileID string) (collectors.FileCursor, bool, error) {
	if b.cursor == nil {
		return collectors.FileCursor{}, false, nil
	}
	return b.cursor(fileID)
}

// SaveCursor implements collectors.TrafficSink.
func (b *buffer) SaveCursor(c collectors.FileCursor) error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	if c.FileID == "" || c.Offset < 0 {
		return fmt.Errorf("log cursor for %q: file id and a non-negative offset are required", c.Path)
	}
	b.cursors = append(b.cursors, c)
	b.lines += c.RunLines
	b.malformed += c.RunMalformed
	return nil
}

// Traffic implements collectors.TrafficSink.
func (b *buffer) Traffic(t collectors.TrafficBucket) error {
	if t.API == "" || t.Method == "" || t.Path == "" || t.Day.IsZero() {
		return fmt.Errorf("traffic of %q %q of API %q on %v: API, method, path and day are required", t.Method, t.Path, t.API, t.Day)
	}
	k := trafficKey{t.API, t.Method, t.Path, t.Day.UTC().Truncate(24 * time.Hour).Unix()}
	if prev, ok := b.traffic[k]; ok {
		prev.Stats.Add(t.Stats)
		prev.FirstSeen = minTime(prev.FirstSeen, t.FirstSeen)
		prev.LastSeen = maxTime(prev.LastSeen, t.LastSeen)
		return nil
	}
	if err := b.admit(); err != nil {
		return err
	}
	b.traffic[k] = &t
	b.requests += t.Stats.Requests
	return nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// loadInventory reads what the access-log collector matches requests
// against: every API with its base URLs and endpoints. An endpoint is in
// a description when the latest run of a source described it (its
// current endpoint evidence); one that a description once had and no
// longer has counts as removed.
func loadInventory(db *gorm.DB) ([]collectors.InventoryAPI, error) {
	var apis []store.API
	if err := db.Order("name").Find(&apis).Error; err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	var eps []store.Endpoint
	if err := db.Order("api_id, method, path").Find(&eps).Error; err != nil {
		return nil, fmt.Errorf("inventory: endpoints: %w", err)
	}
	var cur []struct {
		APIID       int64 `gorm:"column:api_id"`
		EndpointKey string
		Facts       string
	}
	if err := db.Raw(`SELECT e.api_id, e.endpoint_key, e.facts FROM evidence e
		JOIN (SELECT api_id, source, MAX(run_id) AS run_id FROM evidence GROUP BY api_id, source) l
		  ON e.api_id = l.api_id AND e.source = l.source AND e.run_id = l.run_id
		WHERE e.endpoint_key <> '' ORDER BY e.seq`).Scan(&cur).Error; err != nil {
		return nil, fmt.Errorf("inventory: current evidence: %w", err)
	}
	type state struct{ described, deprecated, authDeclared, public bool }
	states := map[string]*state{}
	for _, r := range cur {
		var facts map[string]any
		if err := json.Unmarshal([]byte(r.Facts), &facts); err != nil {
			return nil, fmt.Errorf("inventory: evidence facts: %w", err)
		}
		k := fmt.Sprint(r.APIID, "|", r.EndpointKey)
		st := states[k]
		if st == nil {
			st = &state{}
			states[k] = st
		}
		st.described = true
		if v, ok := facts[collectors.FactDeprecated].(bool); ok {
			st.deprecated = v
		}
		if v, ok := facts[collectors.FactAuthDeclared].(bool); ok {
			st.authDeclared = v
		}
		if v, ok := facts[collectors.FactAuthPublic].(bool); ok {
			st.public = v
		}
	}
	byAPI := map[int64][]collectors.InventoryEndpoint{}
	for _, e := range eps {
		ie := collectors.InventoryEndpoint{Method: e.Method, Path: e.Path}
		if st := states[fmt.Sprint(e.APIID, "|", e.Key())]; st != nil {
			ie.InSpec, ie.Deprecated, ie.AuthRequired = true, st.deprecated, st.authDeclared && !st.public
		} else if e.InSpec {
			ie.Removed = true
		}
		byAPI[e.APIID] = append(byAPI[e.APIID], ie)
	}
	out := make([]collectors.InventoryAPI, 0, len(apis))
	for _, a := range apis {
		var bases []string
		_ = json.Unmarshal([]byte(a.BaseURLs), &bases)
		out = append(out, collectors.InventoryAPI{Name: a.Name, BaseURLs: bases, Endpoints: byAPI[a.ID]})
	}
	return out, nil
}

func loadCursor(db *gorm.DB, sourceID int64, fileID string) (collectors.FileCursor, bool, error) {
	var c store.LogCursor
	err := db.Where("source_id = ? AND file_id = ?", sourceID, fileID).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return collectors.FileCursor{}, false, nil
	}
	if err != nil {
		return collectors.FileCursor{}, false, fmt.Errorf("log cursor %s: %w", fileID[:min(12, len(fileID))], err)
	}
	return collectors.FileCursor{FileID: c.FileID, Path: c.Path, Offset: c.Offset, Lines: c.Lines, Complete: c.Complete}, true, nil
}

// writeTraffic stores the run's traffic buckets (added to what earlier
// runs and other sources counted for the same endpoint and day) and the
// new read positions.
func writeTraffic(tx *gorm.DB, sourceID int64, b *buffer, apiID func(string) (int64, error), epIDs map[string]int64, now time.Time) error {
	for _, t := range b.traffic {
		aid, err := apiID(t.API)
		if err != nil {
			return err
		}
		day := t.Day.UTC().Truncate(24 * time.Hour)
		var row store.Traffic
		err = tx.Where("api_id = ? AND method = ? AND path = ? AND day = ?", aid, t.Method, t.Path, day).Take(&row).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			row = store.Traffic{APIID: aid, Method: t.Method, Path: t.Path, Day: day, FirstSeen: t.FirstSeen, LastSeen: t.LastSeen}
		case err != nil:
			return fmt.Errorf("traffic %s %s: %w", t.Method, t.Path, err)
		default:
			row.FirstSeen, row.LastSeen = minTime(row.FirstSeen, t.FirstSeen), maxTime(row.LastSeen, t.LastSeen)
		}
		if id, ok := epIDs[fmt.Sprint(aid, "|", t.Method, " ", t.Path)]; ok {
			row.EndpointID = &id
		}
		st := statsOf(row)
		st.Add(t.Stats)
		setStats(&row, st)
		if err := tx.Save(&row).Error; err != nil {
			return fmt.Errorf("traffic %s %s: %w", t.Method, t.Path, err)
		}
	}
	for _, c := range b.cursors {
		row := store.LogCursor{SourceID: sourceID, FileID: c.FileID, Path: c.Path, Offset: c.Offset, Lines: c.Lines, Complete: c.Complete, UpdatedAt: now}
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&row).Error; err != nil {
			return fmt.Errorf("log cursor for %s: %w", c.Path, err)
		}
	}
	return nil
}

// statsOf returns a traffic row's counters.
func statsOf(r store.Traffic) collectors.TrafficStats {
	st := collectors.TrafficStats{Requests: r.Requests, S2xx: r.S2xx, S3xx: r.S3xx, S4xx: r.S4xx, S5xx: r.S5xx,
		S401: r.S401, S403: r.S403, S429: r.S429, TLSKnown: r.TLSKnown, TLS: r.TLS, PlainOK: r.PlainOK,
		AuthKnown: r.AuthKnown, UnauthOK: r.UnauthOK, Clients: r.Clients}
	if r.Latency != "" {
		_ = json.Unmarshal([]byte(r.Latency), &st.Latency) // a corrupt histogram is dropped, not trusted
	}
	return st
}

func setStats(r *store.Traffic, st collectors.TrafficStats) {
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
