package demo

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"strings"
	"sync"
	"testing/fstest"
	"time"
)

// AccessLogFormat is the nginx log_format of the demo's access log: the
// combined format plus the host, the scheme and the request time, which
// let posture see TLS and latency.
const AccessLogFormat = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $host $scheme $request_time`

// AccessLogPath is where the generated access log appears in FS.
const AccessLogPath = "logs/access.log"

// accessLog writes a week of the Legacy Orders API's traffic ending an
// hour before now: mostly the described operations, the deprecated
// search still in use (a zombie), two paths no description declares (a
// shadow admin export and a debug endpoint), scanners probing, and a few
// clients still on plain HTTP. It is generated at start rather than
// embedded so its dates fall inside the traffic window whenever the demo
// runs. The seed is fixed: the same minute gives the same log.
func accessLog(now time.Time) []byte {
	rng := rand.New(rand.NewPCG(2026, 11))
	type req struct {
		method, path string
		status       []int
		weight       int
	}
	reqs := []req{
		{"GET", "/api/orders", []int{200, 200, 200, 304}, 30},
		{"POST", "/api/orders", []int{201, 201, 400, 422}, 8},
		{"GET", "/api/orders/%d", []int{200, 200, 200, 404}, 25},
		{"PUT", "/api/orders/%d", []int{200, 409}, 4},
		{"GET", "/api/orders/%d/items", []int{200}, 10},
		{"POST", "/api/orders/%d/ship", []int{202, 202, 409}, 3},
		{"GET", "/api/customers/%d/orders", []int{200, 200, 403}, 6},
		{"GET", "/api/orders/search?q=shoes", []int{200}, 5}, // deprecated
		{"GET", "/api/admin/export", []int{200}, 2},          // shadow
		{"GET", "/api/internal/debug/vars", []int{200}, 1},   // shadow
		{"GET", "/wp-login.php", []int{404}, 2},
		{"GET", "/.env", []int{404}, 1},
		{"GET", "/api/orders", []int{429}, 2},
	}
	total := 0
	for _, r := range reqs {
		total += r.weight
	}
	agents := []string{"orders-web/3.2 (+https://shop.example.com)", "python-requests/2.31.0", "Go-http-client/1.1", "curl/8.5.0"}
	const n = 700
	start := now.Add(-7 * 24 * time.Hour)
	step := (6*24*time.Hour + 23*time.Hour) / n
	var b strings.Builder
	for i := range n {
		pick := rng.IntN(total)
		var r req
		for _, c := range reqs {
			if pick < c.weight {
				r = c
				break
			}
			pick -= c.weight
		}
		path := r.path
		if strings.Contains(path, "%d") {
			path = fmt.Sprintf(path, 1000+rng.IntN(9000))
		}
		status := r.status[rng.IntN(len(r.status))]
		scheme := "https"
		if rng.IntN(25) == 0 {
			scheme = "http" // an old client the gateway still answers
		}
		agent := agents[rng.IntN(len(agents))]
		if r.status[0] == 404 && len(r.status) == 1 {
			agent = "Mozilla/5.0 zgrab/0.x"
		}
		ts := start.Add(time.Duration(i) * step).In(time.FixedZone("", 3600))
		fmt.Fprintf(&b, "203.0.113.%d - - [%s] \"%s %s HTTP/1.1\" %d %d \"-\" \"%s\" orders.internal.example.com %s %.3f\n",
			1+rng.IntN(40), ts.Format("02/Jan/2006:15:04:05 -0700"), r.method, path, status, 200+rng.IntN(4000), agent, scheme,
			0.002+rng.Float64()*0.25)
	}
	return []byte(b.String())
}

// overlay is the embedded data plus the generated access log.
type overlay struct {
	base fs.FS
	logs fstest.MapFS
}

func (o overlay) Open(name string) (fs.File, error) {
	if name == "logs" || strings.HasPrefix(name, "logs/") {
		return o.logs.Open(name)
	}
	return o.base.Open(name)
}

var (
	logOnce sync.Once
	logData []byte
)

func withLogs(base fs.FS) fs.FS {
	logOnce.Do(func() { logData = accessLog(time.Now().UTC().Truncate(time.Minute)) })
	return overlay{base: base, logs: fstest.MapFS{AccessLogPath: &fstest.MapFile{Data: logData, Mode: 0o444}}}
}
