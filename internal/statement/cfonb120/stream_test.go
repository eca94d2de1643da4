package cfonb120_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/lettrage/lettrage/internal/ledger"
	"github.com/lettrage/lettrage/internal/statement"
	"github.com/lettrage/lettrage/internal/statement/cfonb120"
)

// TestShortReads: a reader that returns one byte (or half the asked bytes)
// at a time reads like a plain one.
func TestShortReads(t *testing.T) {
	data := joinLF(classicLines())
	nolb := []byte(strings.Join(classicLines(), ""))
	want := string(goldenJSON(t, mustParse(t, data)))
	for name, r := range map[string]io.Reader{
		"one byte":             iotest.OneByteReader(bytes.NewReader(data)),
		"half":                 iotest.HalfReader(bytes.NewReader(data)),
		"one byte, no breaks":  iotest.OneByteReader(bytes.NewReader(nolb)),
		"data with last bytes": iotest.DataErrReader(bytes.NewReader(nolb)),
	} {
		var c statement.Collector
		if err := cfonb120.Parse(context.Background(), r, &c); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := string(goldenJSON(t, c.Statements)); got != want {
			t.Errorf("%s: reads differently", name)
		}
	}
}

// TestReadError: an I/O error stops the parse and is returned wrapped, not
// as a ParseError.
func TestReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := io.MultiReader(bytes.NewReader(joinLF(smallLines()[:2])), iotest.ErrReader(boom))
	err := cfonb120.Parse(context.Background(), r, &statement.Collector{})
	var pe *statement.ParseError
	if !errors.Is(err, boom) || errors.As(err, &pe) {
		t.Errorf("error %v, want the read error itself", err)
	}
}

// failingVisitor fails at its n-th entry.
type failingVisitor struct {
	statement.Collector
	n   int
	err error
}

func (f *failingVisitor) Entry(ctx context.Context, s *ledger.Statement, e *ledger.Entry) error {
	if f.n--; f.n == 0 {
		return f.err
	}
	return f.Collector.Entry(ctx, s, e)
}

// TestVisitorError: the parser stops at a Visitor's error and returns it.
func TestVisitorError(t *testing.T) {
	stop := errors.New("store full")
	v := &failingVisitor{n: 3, err: stop}
	err := cfonb120.Parse(context.Background(), bytes.NewReader(joinLF(classicLines())), v)
	if !errors.Is(err, stop) || len(v.Statements[0].Entries) != 2 {
		t.Errorf("error %v after %d entries, want the visitor's error after 2", err, len(v.Statements[0].Entries))
	}
}

// TestCancelled: a cancelled context stops the parse.
func TestCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := cfonb120.Parse(ctx, bytes.NewReader(joinLF(smallLines())), &statement.Collector{}); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

// streamReader produces a CFONB file of many statements on the fly, so the
// test never holds the file either.
type streamReader struct {
	lines     []string // one statement: 01, 04/05…, 07
	left      int      // statements still to produce
	buf       []byte
	delivered int64
}

func (s *streamReader) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		if s.left == 0 {
			return 0, io.EOF
		}
		s.left--
		s.buf = []byte(strings.Join(s.lines, "\r\n") + "\r\n")
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	s.delivered += int64(n)
	return n, nil
}

// heapVisitor records the live heap at the end of each statement.
type heapVisitor struct {
	countVisitor
	maxHeap uint64
}

func (h *heapVisitor) EndStatement(context.Context, *ledger.Statement) error {
	if h.statements%10 == 0 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		h.maxHeap = max(h.maxHeap, m.HeapAlloc)
	}
	return nil
}

// TestBoundedMemory: the live heap stays flat while a file much larger
// than it streams through.
func TestBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 40 MB")
	}
	day := classicLines()
	movements := day[1 : len(day)-1]
	lines := []string{day[0]}
	for range 100 { // 800 entries a statement; balances are not checked by the parser
		lines = append(lines, movements...)
	}
	lines = append(lines, day[len(day)-1])
	r := &streamReader{lines: lines, left: 80}
	v := &heapVisitor{}
	if err := cfonb120.Parse(context.Background(), r, v); err != nil {
		t.Fatal(err)
	}
	if v.entries != 80*800 || v.statements != 80 {
		t.Fatalf("%d entries in %d statements", v.entries, v.statements)
	}
	const limit = 8 << 20
	if v.maxHeap > limit || r.delivered < 4*limit {
		t.Errorf("live heap reached %d bytes while streaming %d bytes; want under %d", v.maxHeap, r.delivered, limit)
	}
}
