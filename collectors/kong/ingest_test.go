package kong_test

import (
	"context"
	"testing"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/kong"
	"github.com/posture-dev/posture/internal/ingest"
	"github.com/posture-dev/posture/internal/store"
	"github.com/posture-dev/posture/internal/storetest"
	"github.com/posture-dev/posture/internal/testutil"
)

// The shared corpus goes through the real ingest (one transaction, the
// evidence chain) with the collector registered under its kind.
func TestIngestCorpus(t *testing.T) {
	root := testutil.Corpus(t, "gateways/kong")
	st := storetest.Open(t)
	svc := &ingest.Service{Store: st}
	src := collectors.Source{Name: "kong-corpus", Kind: kong.Kind, Paths: []string{root},
		APIMap: map[string]string{"svc1": "Service One"}}
	stats, err := svc.Run(context.Background(), src, store.TriggerManual)
	if err != nil {
		t.Fatal(err)
	}
	// 5 + 1 + 0 + 3 + 1 routes in the five files
	if stats.Evidence != 10 || stats.Endpoints != 0 || stats.Findings != 0 {
		t.Fatalf("stats %+v", stats)
	}
}
