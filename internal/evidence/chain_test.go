package evidence_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/posture-dev/posture/internal/evidence"
	"github.com/posture-dev/posture/internal/store"
	"github.com/posture-dev/posture/internal/storetest"
)

// seed appends n records about one API, in one transaction.
func seed(t *testing.T, st *store.Store, n int) {
	t.Helper()
	now := time.Now()
	err := st.DB.Transaction(func(tx *gorm.DB) error {
		api := store.API{Name: "a", BaseURLs: "[]", Tags: "[]", CreatedAt: now, UpdatedAt: now}
		if err := tx.Create(&api).Error; err != nil {
			return err
		}
		sum, err := evidence.PutArtifact(tx, "spec.yaml", "application/yaml", []byte("openapi: 3.1.0"), now)
		if err != nil {
			return err
		}
		var recs []store.Evidence
		for i := 0; i < n; i++ {
			recs = append(recs, store.Evidence{Source: "s", Collector: "openapi", CollectorVersion: "1", APIID: api.ID,
				APIName: "a", ArtifactSHA256: sum, Facts: `{"spec.present":true}`, ObservedAt: now, RecordedAt: now})
		}
		return evidence.Append(tx, recs)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func verify(t *testing.T, st *store.Store) evidence.Report {
	t.Helper()
	rep, err := evidence.Verify(context.Background(), st.DB, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestChainVerifies(t *testing.T) {
	st := storetest.Open(t)
	seed(t, st, 5)
	rep := verify(t, st)
	if !rep.OK || rep.Records != 5 || rep.Artifacts != 1 || rep.HeadSeq != 5 || len(rep.HeadHash) != 64 {
		t.Fatalf("report = %+v", rep)
	}
}

func TestAppendOnlyIsEnforcedByTheDatabase(t *testing.T) {
	st := storetest.Open(t)
	seed(t, st, 2)
	if err := st.DB.Exec("UPDATE evidence SET facts = '{}' WHERE seq = 1").Error; err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("update: err = %v, want append-only refusal", err)
	}
	if err := st.DB.Exec("DELETE FROM evidence WHERE seq = 2").Error; err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("delete: err = %v, want append-only refusal", err)
	}
}

// Someone with raw database access can drop the triggers; the chain still
// exposes what they did.
func TestVerifyDetectsTampering(t *testing.T) {
	cases := map[string]struct {
		sql  string
		want string
	}{
		"edited facts":    {"UPDATE evidence SET facts = '{\"spec.present\":false}' WHERE seq = 2", "seq 2 (id 2): content does not match its hash"},
		"deleted record":  {"DELETE FROM evidence WHERE seq = 2", "seq 3 follows seq 1"},
		"deleted tail":    {"DELETE FROM evidence WHERE seq = 3", "chain head"},
		"edited artifact": {"UPDATE artifacts SET data = X'00'", "content does not match its hash"},
		"rehashed record": {"UPDATE evidence SET facts = '{}', hash = 'x' WHERE seq = 2", "seq 3 (id 3): previous hash"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			st := storetest.Open(t)
			seed(t, st, 3)
			for _, trg := range []string{"evidence_no_update", "evidence_no_delete"} {
				if err := st.DB.Exec("DROP TRIGGER " + trg).Error; err != nil {
					t.Fatal(err)
				}
			}
			if err := st.DB.Exec(tc.sql).Error; err != nil {
				t.Fatal(err)
			}
			rep := verify(t, st)
			if rep.OK {
				t.Fatal("tampered chain verified OK")
			}
			if !strings.Contains(strings.Join(rep.Problems, "\n"), tc.want) {
				t.Fatalf("problems = %q, want one containing %q", rep.Problems, tc.want)
			}
		})
	}
}

func TestHashCoversEveryField(t *testing.T) {
	base := store.Evidence{Seq: 1, PrevHash: "p", Source: "s", Collector: "c", CollectorVersion: "v", APIName: "a",
		EndpointKey: "GET /", ArtifactSHA256: "h", Location: "/x", Facts: "{}", ObservedAt: time.Unix(1, 0), RecordedAt: time.Unix(2, 0)}
	h := evidence.Hash(base)
	mutations := []func(e *store.Evidence){
		func(e *store.Evidence) { e.Seq = 2 }, func(e *store.Evidence) { e.PrevHash = "q" },
		func(e *store.Evidence) { e.Source = "t" }, func(e *store.Evidence) { e.Collector = "d" },
		func(e *store.Evidence) { e.CollectorVersion = "w" }, func(e *store.Evidence) { e.APIName = "b" },
		func(e *store.Evidence) { e.EndpointKey = "POST /" }, func(e *store.Evidence) { e.Route = `{"name":"r"}` },
		func(e *store.Evidence) { e.ArtifactSHA256 = "i" },
		func(e *store.Evidence) { e.Location = "/y" }, func(e *store.Evidence) { e.Facts = `{"a":1}` },
		func(e *store.Evidence) { e.ObservedAt = time.Unix(3, 0) }, func(e *store.Evidence) { e.RecordedAt = time.Unix(4, 0) },
		func(e *store.Evidence) { e.Notes = `[{"fact":"a","message":"m"}]` },
	}
	for i, m := range mutations {
		e := base
		m(&e)
		if evidence.Hash(e) == h {
			t.Errorf("mutation %d does not change the hash", i)
		}
	}
}

// Records written before notes existed must keep their hashes: a record
// without notes hashes as version 1 always did.
func TestRecordWithoutNotesKeepsItsVersion1Hash(t *testing.T) {
	e := store.Evidence{Seq: 1, PrevHash: "p", Source: "s", Collector: "c", CollectorVersion: "v", APIName: "a",
		EndpointKey: "GET /", ArtifactSHA256: "h", Location: "/x", Facts: "{}", ObservedAt: time.Unix(1, 0), RecordedAt: time.Unix(2, 0)}
	// The canonical version-1 encoding, written out by hand.
	v1 := `{"v":1,"seq":1,"prev":"p","source":"s","collector":"c","collector_version":"v","api":"a","endpoint":"GET /",` +
		`"route":"","artifact":"h","location":"/x","facts":"{}","observed_at":"1970-01-01T00:00:01Z","recorded_at":"1970-01-01T00:00:02Z"}`
	if got, want := evidence.Hash(e), evidence.SHA256Hex([]byte(v1)); got != want {
		t.Fatalf("hash of a record without notes changed: %s, want %s", got, want)
	}
}
