package accesslog

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/posture-dev/posture/internal/testutil"
)

const goodLine = `1.2.3.4 - - [10/Oct/2000:13:55:36 +0000] "GET /a HTTP/1.1" 200 5 "-" "-"`

type seen struct {
	lines   []int64
	offsets []int64
	paths   []string
}

func (s *seen) fn(r *Record, line, off int64) error {
	s.lines = append(s.lines, line)
	s.offsets = append(s.offsets, off)
	s.paths = append(s.paths, strings.Clone(r.Path))
	return nil
}

func gz(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReaderRealFilePlainAndGzip(t *testing.T) {
	data, err := os.ReadFile(testutil.Corpus(t, "logs/nginx/lnav-shop-access-log.0.log"))
	if err != nil {
		t.Fatal(err)
	}
	firstNL := int64(bytes.IndexByte(data, '\n') + 1)
	for name, in := range map[string][]byte{"shop.log": data, "shop.log.gz": gz(t, data)} {
		var s seen
		rd := Reader{Name: name} // format detected
		st, err := rd.Read(context.Background(), bytes.NewReader(in), s.fn)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if st.Lines != 1000 || st.Parsed != 1000 || st.Malformed != 0 || st.Format != "combined" || st.Bytes != int64(len(data)) {
			t.Errorf("%s: stats %+v, want 1000/1000/0 combined, %d bytes", name, st, len(data))
		}
		if len(s.offsets) != 1000 || s.offsets[0] != firstNL || s.offsets[999] != int64(len(data)) || s.lines[999] != 1000 {
			t.Fatalf("%s: offsets first %d (want %d) last %d (want %d)", name, s.offsets[0], firstNL, s.offsets[999], len(data))
		}
		// Resuming at any reported offset yields exactly the lines after it.
		if name == "shop.log" {
			k := 500
			var s2 seen
			st2, err := (&Reader{Name: name, Format: Combined, BaseOffset: s.offsets[k-1]}).Read(context.Background(), bytes.NewReader(data[s.offsets[k-1]:]), s2.fn)
			if err != nil || st2.Parsed != int64(1000-k) || s2.offsets[0] != s.offsets[k] || s2.paths[0] != s.paths[k] {
				t.Errorf("resume: %v %+v first offset %d want %d", err, st2, s2.offsets[0], s.offsets[k])
			}
		}
	}
}

func TestReaderBeatsDetected(t *testing.T) {
	f, err := os.Open(testutil.Corpus(t, "logs/nginx/beats-nginx-access-test.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var s seen
	st, err := (&Reader{Name: "beats.log"}).Read(context.Background(), f, s.fn)
	if err != nil || st.Lines != 7 || st.Parsed != 7 || st.Format != "combined" || st.Bytes != 1184 {
		t.Errorf("beats: %v %+v (want 7 lines, 1184 bytes)", err, st)
	}
	if s.paths[6] != "" {
		t.Errorf("empty request gave path %q", s.paths[6])
	}
}

func TestReaderTruncatedGzip(t *testing.T) {
	data, err := os.ReadFile(testutil.Corpus(t, "logs/nginx/lnav-shop-access-log.0.log"))
	if err != nil {
		t.Fatal(err)
	}
	z := gz(t, data)
	var s seen
	st, err := (&Reader{Name: "cut.log.gz", Format: Combined}).Read(context.Background(), bytes.NewReader(z[:len(z)/2]), s.fn)
	if err == nil || !strings.Contains(err.Error(), "accesslog: cut.log.gz: after line ") || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want unexpected EOF naming the file", err)
	}
	if st.Parsed == 0 || st.Parsed >= 1000 || int64(len(s.lines)) != st.Parsed {
		t.Errorf("stats %+v", st)
	}
	// Truncated inside the 10-byte header.
	if _, err := (&Reader{Name: "h.gz"}).Read(context.Background(), bytes.NewReader(z[:5]), s.fn); err == nil || !strings.Contains(err.Error(), "h.gz: gzip header") {
		t.Errorf("header: %v", err)
	}
}

func TestReaderGzipBomb(t *testing.T) {
	// 64 MiB of newlines compresses ~1000x; the 100x bound stops it after
	// little more than the first MiB.
	bomb := gz(t, bytes.Repeat([]byte("\n"), 64<<20))
	st, err := (&Reader{Name: "bomb.gz", Format: Combined}).Read(context.Background(), bytes.NewReader(bomb), func(*Record, int64, int64) error { return nil })
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "bomb.gz: gzip expands more than 100x") {
		t.Fatalf("err = %v", err)
	}
	if st.Bytes > 2<<20 {
		t.Errorf("read %d bytes before stopping", st.Bytes)
	}
	// The same bound on plain input: MaxBytes.
	_, err = (&Reader{Name: "big.log", Format: Combined, MaxBytes: 1000}).Read(context.Background(), strings.NewReader(strings.Repeat(goodLine+"\n", 100)), func(*Record, int64, int64) error { return nil })
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "big.log: more than 1000 bytes") {
		t.Errorf("MaxBytes: %v", err)
	}
}

// chunked hands out its input in pieces of at most 4 KiB, as a file or a
// pipe would.
type chunked struct {
	r io.Reader
}

func (c chunked) Read(p []byte) (int, error) {
	if len(p) > 4096 {
		p = p[:4096]
	}
	return c.r.Read(p)
}

func TestReaderLongLine(t *testing.T) {
	long := bytes.Repeat([]byte("A"), 10<<20)
	var in bytes.Buffer
	in.WriteString(goodLine + "\n")
	in.Write(long)
	in.WriteString("\n" + goodLine + "\r\n\n" + goodLine) // CRLF, a blank line, no final newline
	total := int64(in.Len())
	var s seen
	var ms runtimeMem
	ms.start()
	st, err := (&Reader{Name: "long.log", Format: Combined}).Read(context.Background(), chunked{&in}, s.fn)
	grown := ms.stop()
	if err != nil {
		t.Fatal(err)
	}
	if st.Lines != 5 || st.Parsed != 3 || st.Malformed != 1 || st.Overlong != 1 || st.Blank != 1 || st.Bytes != total {
		t.Errorf("stats %+v", st)
	}
	if len(st.Samples) != 1 || st.Samples[0].Line != 2 || len(st.Samples[0].Text) != 200 || !strings.Contains(st.Samples[0].Err, "longer than 65536") {
		t.Errorf("samples %+v", st.Samples)
	}
	if s.lines[1] != 3 || s.offsets[2] != total || s.offsets[1] != int64(len(goodLine)+1+len(long)+1+len(goodLine)+2) {
		t.Errorf("lines %v offsets %v (total %d)", s.lines, s.offsets, total)
	}
	if grown > 4<<20 {
		t.Errorf("reader allocated %d bytes for a 10 MB line", grown)
	}
	// Same through detection (the long line is held as a 200-byte head).
	in.Reset()
	in.WriteString(goodLine + "\n")
	in.Write(long)
	in.WriteString("\n" + goodLine + "\n")
	st, err = (&Reader{Name: "long.log"}).Read(context.Background(), &in, s.fn)
	if err != nil || st.Parsed != 2 || st.Overlong != 1 || st.Samples[0].Line != 2 {
		t.Errorf("detected: %v %+v", err, st)
	}
}

func TestReaderMalformedSamples(t *testing.T) {
	var in strings.Builder
	for i := 0; i < 30; i++ {
		in.WriteString(goodLine + "\n")
		in.WriteString("junk line\n")
	}
	var s seen
	st, err := (&Reader{Name: "m.log", Format: Combined}).Read(context.Background(), strings.NewReader(in.String()), s.fn)
	if err != nil || st.Lines != 60 || st.Parsed != 30 || st.Malformed != 30 || len(st.Samples) != MaxSamples {
		t.Fatalf("%v %+v", err, st)
	}
	if st.Samples[0].Line != 2 || st.Samples[19].Line != 40 || st.Samples[0].Text != "junk line" || !strings.Contains(st.Samples[0].Err, "combined: column 1: no [time]") {
		t.Errorf("samples %+v", st.Samples[0])
	}
}

func TestReaderErrors(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	st, err := (&Reader{Name: "x.log", Format: Combined}).Read(context.Background(), strings.NewReader(strings.Repeat(goodLine+"\n", 10)),
		func(*Record, int64, int64) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 || st.Parsed != 1 {
		t.Errorf("callback error: %v n=%d %+v", err, n, st)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (&Reader{Name: "x.log"}).Read(ctx, strings.NewReader(goodLine), func(*Record, int64, int64) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("ctx: %v", err)
	}
	_, err = (&Reader{Name: "what.log"}).Read(context.Background(), strings.NewReader("a\nb\nc\n"), func(*Record, int64, int64) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "accesslog: what.log: first 3 lines match no known format") {
		t.Errorf("undetectable: %v", err)
	}
	st, err = (&Reader{Name: "empty.log"}).Read(context.Background(), strings.NewReader(""), func(*Record, int64, int64) error { return nil })
	if err != nil || st.Lines != 0 {
		t.Errorf("empty: %v %+v", err, st)
	}
}
