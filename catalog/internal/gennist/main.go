// Command gennist trims the official NIST SP 800-53 rev5 OSCAL catalog into
// the JSON file the catalog package embeds:
//
//	go run ./catalog/internal/gennist \
//	    -in ../shared/data/oscal/NIST_SP-800-53_rev5_catalog.json \
//	    -out catalog/data/nist-800-53-rev5.json
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/posture-dev/posture/catalog/internal/oscal"
)

func main() {
	in := flag.String("in", "", "official OSCAL SP 800-53 rev5 catalog (JSON)")
	out := flag.String("out", "", "trimmed JSON to write")
	flag.Parse()
	if *in == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: gennist -in OSCAL_CATALOG.json -out TRIMMED.json")
		os.Exit(2)
	}
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gennist:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	t, err := oscal.Trim(data, filepath.Base(in))
	if err != nil {
		return err
	}
	b, err := t.Marshal()
	if err != nil {
		return err
	}
	tmp := out + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Remove(tmp)
		return err
	}
	n := t.Counts()
	fmt.Fprintf(os.Stderr, "gennist: wrote %s: %d base controls (%d withdrawn), %d enhancements (%d withdrawn), release %s\n",
		out, n.Base, n.BaseWithdrawn, n.Enhancements, n.EnhancementsWithdrawn, t.Source.Version)
	return nil
}
