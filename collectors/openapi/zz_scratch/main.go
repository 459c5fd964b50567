package main

import (
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/openapi"
)

func main() {
	verbose := os.Getenv("V") != ""
	for _, f := range os.Args[1:] {
		data, _ := os.ReadFile(f)
		t := time.Now()
		res, err := openapi.Parse(f, data, openapi.Options{})
		el := time.Since(t)
		if err != nil {
			fmt.Printf("%s: ERROR %v (%v)\n", f, err, el)
			continue
		}
		fmt.Printf("%s: %s %s ops=%d paths=%d warn=%d %v\n", f, res.Format, res.Version, len(res.Endpoints), res.Paths, len(res.Warnings), el)
		fmt.Printf("  API %+v\n", trim(res.API))
		fmt.Printf("  apifacts %v\n", res.Evidence[0].Facts)
		counts := map[string]int{}
		for _, ev := range res.Evidence[1:] {
			if err := collectors.ValidateFacts(ev.Facts); err != nil { panic(err) }
			for k, v := range ev.Facts {
				switch x := v.(type) {
				case bool:
					if x { counts[k+"=true"]++ } else { counts[k+"=false"]++ }
				case []string:
					if len(x) > 0 { counts[k+"(nonempty)"]++ }
				}
			}
		}
		var keys []string
		for k := range counts { keys = append(keys, k) }
		sort.Strings(keys)
		for _, k := range keys { fmt.Printf("    %s: %d\n", k, counts[k]) }
		for i, w := range res.Warnings { if i < 5 || verbose { fmt.Println("  W:", w) } }
		if verbose { for _, ev := range res.Evidence[1:] { fmt.Println("   ", ev.Endpoint, ev.Location, ev.Facts) } }
	}
}

func trim(a collectors.API) collectors.API {
	if len(a.Description) > 60 { a.Description = a.Description[:60] + "..." }
	if len(a.Tags) > 5 { a.Tags = append(a.Tags[:5], "...") }
	return a
}
