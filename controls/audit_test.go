package controls_test

import (
	"testing"

	"github.com/posture-dev/posture/catalog"
	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/controls"
)

func TestAuditListsFailingFactsWhereTheyWereDecided(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	bounded := []collectors.Note{
		{Fact: "request.bounded", Pointer: "/components/schemas/User/properties/name", Line: 40, Message: "string without maxLength"},
		{Fact: "request.bounded", Pointer: "/paths/~1a/get/parameters/0/schema", Line: 12, Message: "integer without maximum"},
	}
	recs := []controls.AuditRecord{
		{EvidenceID: 1, File: "s.yaml", Endpoint: "GET /a", Location: "/paths/~1a/get",
			Facts: collectors.Facts{"auth.declared": false, "request.bounded": false, "request.strict": true, "deprecated": false},
			Notes: bounded},
		// Declared public: the authentication control does not apply.
		{EvidenceID: 2, File: "s.yaml", Endpoint: "GET /b", Location: "/paths/~1b/get",
			Facts: collectors.Facts{"auth.declared": false, "auth.public": true}},
		{EvidenceID: 3, File: "s.yaml", Facts: collectors.Facts{"spec.servers_https": false, "spec.version_declared": true,
			"data.sensitivity_annotated": false}, // an endpoint fact on the API record tests nothing
			Notes: []collectors.Note{{Fact: "spec.servers_https", Pointer: "/servers/0/url", Line: 5, Message: "http:// server"}}},
		{EvidenceID: 4, File: "kong.yaml", Route: "kong: r (ANY /x*)", Location: "/routes/0",
			Facts: collectors.Facts{"ratelimit.enabled": false, "cors.wildcard": false}},
		// A data-sensitivity gap on an endpoint: advanced control, low.
		{EvidenceID: 5, File: "s.yaml", Endpoint: "GET /c", Location: "/paths/~1c/get",
			Facts: collectors.Facts{"data.sensitivity_annotated": false}},
	}
	got := controls.Audit(cat, recs)
	type row struct {
		sev, fact, where string
		line             int
		ctl              string
	}
	want := []row{
		{"high", "auth.declared", "/paths/~1a/get", 0, "PRE-B-08"},
		{"medium", "ratelimit.enabled", "/routes/0", 0, "RUN-B-05"},
		{"medium", "spec.servers_https", "/servers/0/url", 5, "PRE-B-11"},
		{"medium", "request.bounded", "/paths/~1a/get/parameters/0/schema", 12, "PRE-B-04"},
		{"medium", "request.bounded", "/components/schemas/User/properties/name", 40, "PRE-B-04"},
		{"low", "data.sensitivity_annotated", "/paths/~1c/get", 0, "PRE-A-01"},
	}
	if len(got) != len(want) {
		for _, g := range got {
			t.Logf("%+v", g)
		}
		t.Fatalf("%d issues, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Severity != w.sev || g.Fact != w.fact || g.Pointer != w.where || g.Line != w.line || len(g.Controls) != 1 || g.Controls[0].ID != w.ctl {
			t.Errorf("issue %d = %+v, want %+v", i, g, w)
		}
	}
	if got[0].Message != "auth.declared is false" || got[0].EvidenceID != 1 || got[1].Route != "kong: r (ANY /x*)" {
		t.Errorf("fallback message / evidence id / route: %+v %+v", got[0], got[1])
	}
}

func TestAuditOfSatisfiedFactsIsEmpty(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	recs := []controls.AuditRecord{{Endpoint: "GET /a", Facts: collectors.Facts{"auth.declared": true, "request.bounded": true}}}
	if got := controls.Audit(cat, recs); len(got) != 0 {
		t.Fatalf("issues %+v, want none", got)
	}
}
