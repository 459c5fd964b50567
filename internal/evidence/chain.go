// Package evidence keeps the evidence log tamper-evident: every record is
// chained to the previous one by SHA-256 over a canonical encoding, raw
// artifacts are addressed by their own SHA-256, and Verify walks the whole
// log proving nothing was altered, removed or reordered.
package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/posture-dev/posture/internal/store"
)

// SHA256Hex is the hex SHA-256 of b.
func SHA256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Normalize truncates t to microseconds in UTC: the precision every
// supported database keeps, so a hash computed before storing still holds
// after reading back.
func Normalize(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// canonical is the hashed form of a record. Field order is fixed by the
// struct; changing it breaks every existing chain, so it never changes:
// a new field means a new record version.
type canonical struct {
	V                int    `json:"v"`
	Seq              int64  `json:"seq"`
	PrevHash         string `json:"prev"`
	Source           string `json:"source"`
	Collector        string `json:"collector"`
	CollectorVersion string `json:"collector_version"`
	API              string `json:"api"`
	Endpoint         string `json:"endpoint"`
	Route            string `json:"route"`
	Artifact         string `json:"artifact"`
	Location         string `json:"location"`
	Facts            string `json:"facts"`
	ObservedAt       string `json:"observed_at"`
	RecordedAt       string `json:"recorded_at"`
	// Notes arrived with record version 2; omitted when empty, so a
	// record without notes hashes exactly as version 1 did.
	Notes string `json:"notes,omitempty"`
}

// Hash computes a record's chain hash from its content and PrevHash.
func Hash(e store.Evidence) string {
	c := canonical{
		V: 1, Seq: e.Seq, PrevHash: e.PrevHash, Source: e.Source,
		Collector: e.Collector, CollectorVersion: e.CollectorVersion,
		API: e.APIName, Endpoint: e.EndpointKey, Route: e.Route, Artifact: e.ArtifactSHA256,
		Location: e.Location, Facts: e.Facts,
		ObservedAt: Normalize(e.ObservedAt).Format(time.RFC3339Nano),
		RecordedAt: Normalize(e.RecordedAt).Format(time.RFC3339Nano),
		Notes:      e.Notes,
	}
	if e.Notes != "" {
		c.V = 2
	}
	b, _ := json.Marshal(c) // cannot fail: strings and ints only
	return SHA256Hex(b)
}

// PutArtifact stores an artifact once by its hash and returns the hash.
func PutArtifact(tx *gorm.DB, name, contentType string, data []byte, now time.Time) (string, error) {
	sum := SHA256Hex(data)
	a := store.Artifact{SHA256: sum, Name: name, ContentType: contentType, Size: int64(len(data)), Data: data, CreatedAt: now}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&a).Error; err != nil {
		return "", fmt.Errorf("store artifact %s: %w", name, err)
	}
	return sum, nil
}

// Append chains and inserts records in order inside tx. It fills Seq,
// PrevHash, Hash and normalizes the times of each record in place. tx must
// be a transaction: the head update and the inserts commit together.
func Append(tx *gorm.DB, recs []store.Evidence) error {
	if len(recs) == 0 {
		return nil
	}
	// Touch the head first so this transaction holds the write lock on it
	// for the rest of the append (SQLite: the database lock; PostgreSQL: a
	// row lock), which serialises concurrent appenders.
	if err := tx.Exec("UPDATE chain_head SET seq = seq WHERE id = 1").Error; err != nil {
		return fmt.Errorf("evidence: lock chain head: %w", err)
	}
	var head struct {
		Seq  int64
		Hash string
	}
	if err := tx.Raw("SELECT seq, hash FROM chain_head WHERE id = 1").Scan(&head).Error; err != nil {
		return fmt.Errorf("evidence: read chain head: %w", err)
	}
	for i := range recs {
		r := &recs[i]
		head.Seq++
		r.Seq = head.Seq
		r.PrevHash = head.Hash
		r.ObservedAt = Normalize(r.ObservedAt)
		r.RecordedAt = Normalize(r.RecordedAt)
		r.Hash = Hash(*r)
		head.Hash = r.Hash
	}
	if err := tx.CreateInBatches(recs, 500).Error; err != nil {
		return fmt.Errorf("evidence: insert: %w", err)
	}
	if err := tx.Exec("UPDATE chain_head SET seq = ?, hash = ? WHERE id = 1", head.Seq, head.Hash).Error; err != nil {
		return fmt.Errorf("evidence: update chain head: %w", err)
	}
	return nil
}

// Report is the outcome of Verify.
type Report struct {
	Records   int64    `json:"records"`
	Artifacts int64    `json:"artifacts"`
	HeadSeq   int64    `json:"head_seq"`
	HeadHash  string   `json:"head_hash"`
	Problems  []string `json:"problems"`
	OK        bool     `json:"ok"`
}

// maxProblems bounds the report; one problem already fails verification.
const maxProblems = 50

// Verify walks the evidence log in order and checks every link, every
// record's hash, every artifact's content hash and the chain head.
// progress, when non-nil, is called after each batch with records checked.
func Verify(ctx context.Context, db *gorm.DB, progress func(n int64)) (Report, error) {
	var rep Report
	problem := func(format string, a ...any) {
		if len(rep.Problems) < maxProblems {
			rep.Problems = append(rep.Problems, fmt.Sprintf(format, a...))
		}
	}
	db = db.WithContext(ctx)
	prev := ""
	var lastSeq int64
	artifactOK := map[string]bool{}
	const batch = 2000
	for {
		var recs []store.Evidence
		if err := db.Where("seq > ?", lastSeq).Order("seq").Limit(batch).Find(&recs).Error; err != nil {
			return rep, fmt.Errorf("verify: read evidence after seq %d: %w", lastSeq, err)
		}
		for _, r := range recs {
			rep.Records++
			if r.Seq != lastSeq+1 {
				problem("evidence seq %d follows seq %d: %d record(s) missing", r.Seq, lastSeq, r.Seq-lastSeq-1)
			}
			if r.PrevHash != prev {
				problem("evidence seq %d (id %d): previous hash %.12s does not match the record before it (%.12s)", r.Seq, r.ID, r.PrevHash, prev)
			}
			if h := Hash(r); h != r.Hash {
				problem("evidence seq %d (id %d): content does not match its hash (stored %.12s, computed %.12s)", r.Seq, r.ID, r.Hash, h)
			}
			if _, seen := artifactOK[r.ArtifactSHA256]; !seen {
				ok, err := checkArtifact(db, r.ArtifactSHA256)
				if err != nil {
					return rep, err
				}
				artifactOK[r.ArtifactSHA256] = ok
				rep.Artifacts++
				if !ok {
					problem("artifact %s (first used by evidence seq %d) is missing or its content does not match its hash", r.ArtifactSHA256, r.Seq)
				}
			}
			prev = r.Hash
			lastSeq = r.Seq
		}
		if progress != nil {
			progress(rep.Records)
		}
		if len(recs) < batch {
			break
		}
		if err := ctx.Err(); err != nil {
			return rep, err
		}
	}
	var head struct {
		Seq  int64
		Hash string
	}
	if err := db.Raw("SELECT seq, hash FROM chain_head WHERE id = 1").Scan(&head).Error; err != nil {
		return rep, fmt.Errorf("verify: read chain head: %w", err)
	}
	rep.HeadSeq, rep.HeadHash = head.Seq, head.Hash
	if head.Seq != lastSeq || head.Hash != prev {
		problem("chain head (seq %d, %.12s) does not match the last record (seq %d, %.12s): records were removed or added outside posture", head.Seq, head.Hash, lastSeq, prev)
	}
	rep.OK = len(rep.Problems) == 0
	return rep, nil
}

func checkArtifact(db *gorm.DB, sum string) (bool, error) {
	var a store.Artifact
	err := db.Where("sha256 = ?", sum).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("verify: read artifact %s: %w", sum, err)
	}
	return SHA256Hex(a.Data) == sum, nil
}
