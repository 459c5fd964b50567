// Command gensarif writes a large SARIF 2.1.0 report for benchmarks: the
// tool and its rules are copied from a real report (so rule ids, levels,
// tags and CWEs are real), and the results spread over many files and
// lines, with a share of them repeating an earlier result's fingerprint so
// an import has something to deduplicate.
//
//	go run ./bench/gensarif -from ../shared/corpus/scans/sarif/codeQL-output.sarif -n 100000 -o big.sarif
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
)

func main() {
	from := flag.String("from", "", "a real SARIF report whose first run's tool and rules are copied")
	n := flag.Int("n", 100000, "results to write")
	dup := flag.Float64("dup", 0.1, "share of results that repeat an earlier result's fingerprint (0-0.9)")
	out := flag.String("o", "", "output file (default stdout)")
	flag.Parse()
	if err := run(*from, *n, *dup, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gensarif:", err)
		os.Exit(1)
	}
}

func run(from string, n int, dup float64, out string) error {
	if from == "" || n <= 0 || dup < 0 || dup > 0.9 {
		return fmt.Errorf("need -from FILE, -n > 0 and 0 <= -dup <= 0.9")
	}
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	var src struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Name  string            `json:"name"`
					Rules []json.RawMessage `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &src); err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}
	if len(src.Runs) == 0 || len(src.Runs[0].Tool.Driver.Rules) == 0 {
		return fmt.Errorf("%s: the first run has no rules to copy", from)
	}
	driver := src.Runs[0].Tool.Driver
	ids := make([]string, len(driver.Rules))
	for i, r := range driver.Rules {
		var rule struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(r, &rule); err != nil || rule.ID == "" {
			return fmt.Errorf("%s: rule %d has no id", from, i)
		}
		ids[i] = rule.ID
	}
	f := os.Stdout
	if out != "" {
		if f, err = os.Create(out); err != nil {
			return err
		}
		defer f.Close()
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rules, _ := json.Marshal(driver.Rules)
	fmt.Fprintf(w, `{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"tool":{"driver":{"name":%q,"rules":%s}},"results":[`, driver.Name, rules)
	unique := n - int(float64(n)*dup)
	for i := 0; i < n; i++ {
		k := i
		if i >= unique {
			k = (i * 7919) % unique // a repeat of an earlier result
		}
		rule := k % len(ids)
		if i > 0 {
			w.WriteByte(',')
		}
		fmt.Fprintf(w, `{"ruleId":%q,"ruleIndex":%d,"message":{"text":"result %d of rule %s"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/pkg%03d/mod%02d.py"},"region":{"startLine":%d}}}],"partialFingerprints":{"primaryLocationLineHash":"%016x:1"}}`,
			ids[rule], rule, k, ids[rule], k%500, k%97, k%2000+1, uint64(k)*0x9E3779B97F4A7C15)
	}
	w.WriteString("]}]}\n")
	return w.Flush()
}
