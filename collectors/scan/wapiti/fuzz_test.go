package wapiti

import (
	"testing"

	"github.com/posture-dev/posture/collectors/scan/dast/dasttest"
	"github.com/posture-dev/posture/collectors/scan/scantest"
)

// FuzzParse feeds the XML report parser; the seeds run in every go test.
func FuzzParse(f *testing.F) {
	f.Add(scantest.CorpusFile(f, "scans/wapiti/example.xml"))
	f.Add(report("Wapiti 3.0.3", "2"))
	for _, s := range []string{
		`<report><report_infos><info name="target">::bad url</info><info name="target">x</info></report_infos>` +
			`<vulnerabilities><vulnerability><entries><entry/></entries></vulnerability><vulnerability name="V"><references><reference><title>CWE-1: a CWE-2</title><wstg><code>W</code><code>W</code></wstg></reference></references>` +
			`<entries><entry><path>https://other/x</path><level> 9 </level></entry><entry/></entries></vulnerability></vulnerabilities></report>`,
		`<report><report_infos/><anomalies><anomaly name="A"><entries><entry><level>2</level><detail><response><headers><header>v</header></headers></response></detail></entry></entries></anomaly></anomalies></report>`,
		`<report><report_infos><info name="generatorVersion">Wapiti 99999999999999999999.0</info></report_infos></report>`,
		"", "<report", "<report></reports>",
	} {
		f.Add([]byte(s))
	}
	f.Add(dasttest.BillionLaughs("report"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dasttest.Fuzz(t, Kind, Collector{}.Detect, Parse, "fuzz.xml", data)
	})
}
