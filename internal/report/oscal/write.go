package oscal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
)

// writer streams the document: the envelope is written by hand and each
// element (an observation, a finding) is encoded on its own, so memory
// holds one element at a time rather than the whole document tree.
type writer struct {
	bw  *bufio.Writer
	buf bytes.Buffer
	enc *json.Encoder // into buf, reused
	err error
}

func newWriter(w io.Writer) *writer {
	wr := &writer{bw: bufio.NewWriterSize(w, 64<<10)}
	wr.enc = json.NewEncoder(&wr.buf)
	wr.enc.SetEscapeHTML(false)
	return wr
}

func (w *writer) str(s string) {
	if w.err == nil {
		_, w.err = w.bw.WriteString(s)
	}
}

// value writes v as JSON whose first line continues the current line and
// whose following lines are indented by indent, so nested elements line
// up with the hand-written envelope. HTML characters are not escaped:
// the document is data, and "<" stays readable in titles.
func (w *writer) value(indent string, v any) {
	if w.err != nil {
		return
	}
	w.buf.Reset()
	w.enc.SetIndent(indent, "  ")
	if err := w.enc.Encode(v); err != nil {
		w.err = err
		return
	}
	_, w.err = w.bw.Write(bytes.TrimSuffix(w.buf.Bytes(), []byte("\n")))
}

func (w *writer) flush() error {
	if w.err != nil {
		return w.err
	}
	return w.bw.Flush()
}

// block is an open JSON object or array whose members are written at
// indent.
type block struct {
	w      *writer
	indent string
	n      int
}

// open writes the opening character c of a block nested one level below
// indent and returns it.
func (w *writer) open(indent, c string) *block {
	w.str(c)
	return &block{w: w, indent: indent + "  "}
}

func (b *block) next() {
	if b.n > 0 {
		b.w.str(",")
	}
	b.n++
	b.w.str("\n" + b.indent)
}

// key starts an object member; its value follows.
func (b *block) key(k string) {
	b.next()
	b.w.value(b.indent, k)
	b.w.str(": ")
}

// field writes an object member.
func (b *block) field(k string, v any) {
	b.key(k)
	b.w.value(b.indent, v)
}

// item writes an array element.
func (b *block) item(v any) {
	b.next()
	b.w.value(b.indent, v)
}

// close ends the block with c on its own line.
func (b *block) close(c string) {
	b.w.str("\n" + b.indent[:len(b.indent)-2] + c)
}

// list is an array member that appears only once it has an element:
// OSCAL forbids empty arrays (minItems 1), and a streamed list does not
// know in advance whether it will have any.
type list struct {
	parent *block
	key    string
	items  *block
}

func (b *block) list(key string) *list { return &list{parent: b, key: key} }

func (l *list) add(v any) {
	if l.items == nil {
		l.parent.key(l.key)
		l.items = l.parent.w.open(l.parent.indent, "[")
	}
	l.items.item(v)
}

func (l *list) len() int {
	if l.items == nil {
		return 0
	}
	return l.items.n
}

func (l *list) close() {
	if l.items != nil {
		l.items.close("]")
	}
}
