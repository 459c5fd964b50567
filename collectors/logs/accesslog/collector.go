package accesslog

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/posture-dev/posture/collectors"
	"github.com/posture-dev/posture/collectors/source"
)

// Kind is the source kind of the access-log collector.
const Kind = "accesslog"

// CollectorVersion is recorded on the evidence; bump it when what a log
// yields changes.
const CollectorVersion = "1.0.0"

// Collector reads access logs: it resumes every file where the source's
// last successful run stopped, counts requests per API, endpoint and day,
// and reports the endpoints traffic shows (shadow ones included) and per
// API evidence that traffic is logged and monitored.
//
// Options:
//
//	format      auto (default: detected per file), combined, apache-combined,
//	            envoy, envoy-json, kong-json, aws-apigateway-json, aws-alb
//	log_format  an nginx log_format string (overrides format)
//	pattern     glob of file names to read in a directory (default: names
//	            containing ".log" or "access", gzip included)
type Collector struct {
	// Now is the time used for requests that log no time; nil: time.Now.
	Now func() time.Time
}

func init() { collectors.Register(Collector{}) }

// Kind implements collectors.Collector.
func (Collector) Kind() string { return Kind }

// Version implements collectors.Collector.
func (Collector) Version() string { return CollectorVersion }

// Origin implements collectors.Originator: endpoints seen in traffic.
func (Collector) Origin() string { return collectors.OriginTraffic }

// Detect implements collectors.Detector: most of the complete lines in
// head parse in one built-in format. Gzip files are not detected (name a
// compressed log's kind with --kind).
func (Collector) Detect(_ string, head []byte) bool {
	lines := bytes.Split(head, []byte("\n"))
	if len(lines) < 2 {
		return false // no complete line
	}
	lines = lines[:len(lines)-1] // the last may be cut
	if len(lines) > detectLines {
		lines = lines[:detectLines]
	}
	_, ok := Detect(lines)
	return ok
}

// formatOption resolves the format options; nil means detect per file.
func formatOption(opts map[string]string) (Format, error) {
	if lf := opts["log_format"]; lf != "" {
		f, err := NginxFormat(lf)
		if err != nil {
			return nil, fmt.Errorf("option log_format: %w", err)
		}
		return f, nil
	}
	name := opts["format"]
	if name == "" || name == "auto" {
		return nil, nil
	}
	for _, f := range append([]Format{ApacheCombined}, Formats...) {
		if f.Name() == name {
			return f, nil
		}
	}
	names := []string{"auto", ApacheCombined.Name()}
	for _, f := range Formats {
		names = append(names, f.Name())
	}
	return nil, fmt.Errorf("option format: unknown format %q (known: %s)", name, strings.Join(names, ", "))
}

var defaultPattern = regexp.MustCompile(`(?i)(\.log|access)`)

// summaryFile is one file's line in the run summary (the evidence artifact).
type summaryFile struct {
	Path      string `json:"path"`
	FileID    string `json:"file_id"`
	Format    string `json:"format,omitempty"`
	From      int64  `json:"from_offset"`
	To        int64  `json:"to_offset"`
	Lines     int64  `json:"lines"`
	Malformed int64  `json:"malformed"`
	Skipped   string `json:"skipped,omitempty"`
}

// Collect implements collectors.Collector.
func (c Collector) Collect(ctx context.Context, src collectors.Source, sink collectors.Sink) error {
	if len(src.Paths) == 0 {
		return fmt.Errorf("accesslog: source %q: no paths to read", src.Name)
	}
	format, err := formatOption(src.Options)
	if err != nil {
		return fmt.Errorf("accesslog: source %q: %w", src.Name, err)
	}
	keep := func(rel string) bool { return defaultPattern.MatchString(path.Base(rel)) }
	if p := src.Options["pattern"]; p != "" {
		if _, err := path.Match(p, ""); err != nil {
			return fmt.Errorf("accesslog: source %q: option pattern %q: %w", src.Name, p, err)
		}
		keep = func(rel string) bool { ok, _ := path.Match(p, path.Base(rel)); return ok }
	}
	var inv []collectors.InventoryAPI
	if ir, ok := sink.(collectors.InventoryReader); ok {
		if inv, err = ir.Inventory(); err != nil {
			return fmt.Errorf("accesslog: inventory: %w", err)
		}
	}
	now := time.Now().UTC()
	if c.Now != nil {
		now = c.Now().UTC()
	}
	ts, _ := sink.(collectors.TrafficSink)
	agg := newAggregator(newResolver(inv, src.API, src.Name), now)
	run := &fileRun{ctx: ctx, sink: sink, ts: ts, agg: agg, format: format, seen: map[string]string{}}
	for _, p := range src.Paths {
		if err := run.path(src, p, keep); err != nil {
			return err
		}
	}
	return run.emit(src)
}

type fileRun struct {
	ctx     context.Context
	sink    collectors.Sink
	ts      collectors.TrafficSink
	agg     *aggregator
	format  Format
	seen    map[string]string // file id -> display name, this run
	files   []summaryFile
	lines   int64
	badRows int64
}

func (r *fileRun) path(src collectors.Source, p string, keep func(string) bool) error {
	root, err := source.Open(src, p, false)
	if err != nil {
		return fmt.Errorf("accesslog: %w", err)
	}
	defer root.Close()
	rels := []string{root.Start}
	if root.IsDir {
		if rels, err = root.List(keep); err != nil {
			return fmt.Errorf("accesslog: %w", err)
		}
		// Oldest rotation first (access.log.2.gz, access.log.1,
		// access.log): the order lines were written in.
		sort.SliceStable(rels, func(i, j int) bool { return rotation(rels[i]) > rotation(rels[j]) })
	}
	for _, rel := range rels {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		if err := r.file(root.FS, rel, root.Display(rel)); err != nil {
			return err
		}
	}
	return nil
}

var rotationSuffix = regexp.MustCompile(`\.(\d+)(\.gz)?$`)

// rotation is the logrotate generation of a file name: 0 for access.log,
// 1 for access.log.1, 2 for access.log.2.gz.
func rotation(name string) int {
	m := rotationSuffix.FindStringSubmatch(name)
	if m == nil {
		return 0
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return math.MaxInt // too many digits: as old as it gets
	}
	return n
}

// file reads one log file from where the source last stopped in it.
func (r *fileRun) file(fsys fs.FS, rel, display string) error {
	f, err := fsys.Open(rel)
	if err != nil {
		return fmt.Errorf("accesslog: %s: %w", display, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("accesslog: %s: %w", display, err)
	}
	size := info.Size()
	br := bufio.NewReaderSize(f, 64<<10)
	magic, _ := br.Peek(2)
	gz := len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b
	id, err := fileID(br, gz)
	if err != nil {
		return fmt.Errorf("accesslog: %s: %w", display, err)
	}
	sum := summaryFile{Path: display, FileID: id}
	if id == "" {
		return nil // no complete line yet: nothing to read, nothing to remember
	}
	if first, dup := r.seen[id]; dup {
		sum.Skipped = "same content as " + first
		r.files = append(r.files, sum)
		return collectors.Warn(r.sink, fmt.Sprintf("%s: starts with the same line as %s: read once", display, first))
	}
	r.seen[id] = display
	var cur collectors.FileCursor
	if r.ts != nil {
		if c, ok, err := r.ts.Cursor(id); err != nil {
			return fmt.Errorf("accesslog: %s: cursor: %w", display, err)
		} else if ok {
			cur = c
		}
	}
	rd := &Reader{Name: display, Format: r.format, BaseLine: cur.Lines}
	var in io.Reader
	if gz {
		if cur.Complete {
			sum.From, sum.To, sum.Skipped = cur.Offset, cur.Offset, "read to its end before"
			r.files = append(r.files, sum)
			return nil
		}
		// Rewind: fileID consumed the head of the stream.
		f.Close()
		if f, err = fsys.Open(rel); err != nil {
			return fmt.Errorf("accesslog: %s: %w", display, err)
		}
		defer f.Close()
		rd.Skip, in = cur.Offset, f
	} else {
		if cur.Offset > size {
			// Same first line but shorter than what was read: truncated
			// and rewritten. Start over rather than skip new lines.
			if err := collectors.Warn(r.sink, fmt.Sprintf("%s: shorter (%d bytes) than already read (%d): read from the start", display, size, cur.Offset)); err != nil {
				return err
			}
			cur = collectors.FileCursor{}
			rd.BaseLine = 0
		}
		end, err := lastLineEnd(f, cur.Offset, size)
		if err != nil {
			return fmt.Errorf("accesslog: %s: %w", display, err)
		}
		if end <= cur.Offset {
			sum.From, sum.To = cur.Offset, cur.Offset
			r.files = append(r.files, sum)
			return nil // nothing complete appended since
		}
		if err := seekTo(f, cur.Offset); err != nil {
			return fmt.Errorf("accesslog: %s: %w", display, err)
		}
		rd.BaseOffset, in = cur.Offset, io.LimitReader(f, end-cur.Offset)
	}
	st, err := rd.Read(r.ctx, in, func(rec *Record, _ int64, _ int64) error {
		r.agg.add(rec)
		return nil
	})
	if err != nil {
		return err // Reader errors name the file
	}
	r.lines += st.Lines
	r.badRows += st.Malformed
	sum.Format, sum.From, sum.Lines, sum.Malformed = st.Format, cur.Offset, st.Lines, st.Malformed
	next := collectors.FileCursor{FileID: id, Path: display, Offset: cur.Offset + st.Bytes, Lines: rd.BaseLine + st.Lines, Complete: gz}
	sum.To = next.Offset
	r.files = append(r.files, sum)
	for _, m := range st.Samples {
		if err := collectors.Warn(r.sink, fmt.Sprintf("%s:%d: malformed line (%s): %q", display, m.Line, m.Err, m.Text)); err != nil {
			return err
		}
	}
	if st.Malformed > 0 {
		// The count goes on the run record whatever the samples show.
		if err := collectors.Warn(r.sink, fmt.Sprintf("%s: %d of %d lines malformed, skipped (the first %d shown)", display, st.Malformed, st.Lines, len(st.Samples))); err != nil {
			return err
		}
	}
	if r.ts != nil {
		next.RunLines, next.RunMalformed = st.Lines, st.Malformed
		if err := r.ts.SaveCursor(next); err != nil {
			return fmt.Errorf("accesslog: %s: cursor: %w", display, err)
		}
	}
	return nil
}

// fileID is the hex SHA-256 of the file's first line (decompressed), ""
// when the file holds no complete line yet. A first line longer than the
// line bound is identified by its first MaxLineBytes.
func fileID(br *bufio.Reader, gz bool) (string, error) {
	var in *bufio.Reader = br
	if gz {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return "", fmt.Errorf("gzip header: %w", err)
		}
		in = bufio.NewReaderSize(zr, 64<<10)
	}
	h := sha256.New()
	n := int64(0)
	for {
		chunk, err := in.ReadSlice('\n')
		h.Write(chunk)
		n += int64(len(chunk))
		if err == nil || n >= DefaultMaxLineBytes {
			return hex.EncodeToString(h.Sum(nil)), nil
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF {
			return "", nil // an unterminated first line may still grow
		}
		return "", err
	}
}

// lastLineEnd returns the offset just after the last '\n' in [from, size):
// a line still being written is left for the next run.
func lastLineEnd(f fs.File, from, size int64) (int64, error) {
	ra, ok := f.(io.ReaderAt)
	if !ok {
		return size, nil // cannot look ahead: take the file as complete
	}
	buf := make([]byte, 64<<10)
	for end := size; end > from; {
		start := max(from, end-int64(len(buf)))
		n, err := ra.ReadAt(buf[:end-start], start)
		if err != nil && err != io.EOF {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return start + int64(i) + 1, nil
		}
		end = start
	}
	return from, nil
}

// seekTo positions f at off. fileID read the file's head through a
// buffer, so the position is wherever that left it, even for off 0.
func seekTo(f fs.File, off int64) error {
	s, ok := f.(io.Seeker)
	if !ok {
		return fmt.Errorf("file cannot seek: cannot resume at offset %d", off)
	}
	_, err := s.Seek(off, io.SeekStart)
	return err
}

// emit sends what the run counted: APIs, the endpoints traffic shows,
// one evidence record per API, the traffic buckets.
func (r *fileRun) emit(src collectors.Source) error {
	sums := r.agg.summaries()
	apis := make([]string, 0, len(sums))
	for a := range sums {
		apis = append(apis, a)
	}
	sort.Strings(apis)
	artifact, err := r.artifact(sums)
	if err != nil {
		return err
	}
	for _, name := range apis {
		s := sums[name]
		if err := r.sink.API(collectors.API{Name: name}); err != nil {
			return err
		}
		keys := make([]string, 0, len(s.endpoints))
		for k := range s.endpoints {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := r.sink.Endpoint(s.endpoints[k]); err != nil {
				return err
			}
		}
		if r.agg.overflow[name] {
			if err := collectors.Warn(r.sink, fmt.Sprintf("API %s: more than %d distinct unknown paths; the rest are counted under %q", name, MaxShadowPaths, collectors.TrafficOtherPath)); err != nil {
				return err
			}
		}
		facts := collectors.Facts{
			collectors.FactTrafficMonitored: true,
			collectors.FactLoggingEnabled:   true,
			collectors.FactTrafficRequests:  s.requests,
			collectors.FactTrafficShadow:    sortedKeys(s.shadow, 50),
			collectors.FactTrafficZombie:    sortedKeys(s.zombie, 50),
		}
		var notes []collectors.Note
		if s.tlsKnown > 0 {
			facts[collectors.FactTrafficPlaintextSuccess] = s.plainOK
		}
		if s.authKnown > 0 {
			facts[collectors.FactTrafficUnauthSuccess] = sortedKeys(s.unauthOK, 50)
		}
		for _, k := range sortedKeys(s.shadow, 10) {
			notes = append(notes, collectors.Note{Fact: collectors.FactTrafficShadow, Message: k + " is served but no API description declares it"})
		}
		if s.plainOK > 0 {
			notes = append(notes, collectors.Note{Fact: collectors.FactTrafficPlaintextSuccess, Message: fmt.Sprintf("%d plaintext (non-TLS) requests were answered with 2xx, not redirected to HTTPS", s.plainOK)})
		}
		for _, k := range sortedKeys(s.unauthOK, 10) {
			notes = append(notes, collectors.Note{Fact: collectors.FactTrafficUnauthSuccess, Message: k + " requires authentication in its description and answered 2xx to a caller the log records as unauthenticated"})
		}
		for _, k := range sortedKeys(s.zombie, 10) {
			notes = append(notes, collectors.Note{Fact: collectors.FactTrafficZombie, Message: k + " is deprecated in (or removed from) its description and still answers with success"})
		}
		ev := collectors.Evidence{
			API: name, Artifact: artifact, Facts: facts, Notes: notes, ObservedAt: s.last,
			Location: fmt.Sprintf("requests %s to %s", s.first.Format(time.RFC3339), s.last.Format(time.RFC3339)),
		}
		if err := r.sink.Evidence(ev); err != nil {
			return err
		}
	}
	if r.ts == nil {
		return nil
	}
	keys := make([]aggKey, 0, len(r.agg.buckets))
	for k := range r.agg.buckets {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.api != b.api {
			return a.api < b.api
		}
		if a.day != b.day {
			return a.day < b.day
		}
		if a.path != b.path {
			return a.path < b.path
		}
		return a.method < b.method
	})
	for _, k := range keys {
		a := r.agg.buckets[k]
		st := a.stats
		st.Latency, st.Clients = a.latency, a.clients
		b := collectors.TrafficBucket{API: k.api, Method: k.method, Path: k.path, Matched: a.info.matched && k.path != collectors.TrafficUnservedPath && k.path != collectors.TrafficOtherPath,
			Day: time.Unix(k.day, 0).UTC(), FirstSeen: a.first, LastSeen: a.last, Stats: st}
		if err := r.ts.Traffic(b); err != nil {
			return err
		}
	}
	return nil
}

// artifact is the run's summary: which bytes of which files were read and
// what each API received. It is what the evidence records point at: the
// logs themselves are too large to keep, and the summary says exactly
// which part of them the facts come from.
func (r *fileRun) artifact(sums map[string]*apiSummary) (*collectors.Artifact, error) {
	type apiLine struct {
		Requests int64    `json:"requests"`
		First    string   `json:"first"`
		Last     string   `json:"last"`
		Shadow   []string `json:"shadow_endpoints"`
		Zombie   []string `json:"zombie_endpoints"`
	}
	doc := struct {
		Collector string             `json:"collector"`
		Files     []summaryFile      `json:"files"`
		Lines     int64              `json:"lines"`
		Malformed int64              `json:"malformed"`
		Requests  int64              `json:"requests"`
		APIs      map[string]apiLine `json:"apis"`
	}{Collector: Kind + " " + CollectorVersion, Files: r.files, Lines: r.lines, Malformed: r.badRows, Requests: r.agg.requests, APIs: map[string]apiLine{}}
	for name, s := range sums {
		doc.APIs[name] = apiLine{Requests: s.requests, First: s.first.Format(time.RFC3339), Last: s.last.Format(time.RFC3339),
			Shadow: sortedKeys(s.shadow, 0), Zombie: sortedKeys(s.zombie, 0)}
	}
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("accesslog: run summary: %w", err)
	}
	return &collectors.Artifact{Name: "accesslog-run.json", ContentType: "application/json", Data: data}, nil
}
