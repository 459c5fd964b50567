package ingest

import (
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/internal/store"
	"github.com/posture-dev/posture/internal/traffic"
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
		st := traffic.StatsOf(row)
		st.Add(t.Stats)
		traffic.SetStats(&row, st)
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
