package logs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 28, 17, 0, 0, 0, time.UTC)

// at returns the i-th test time (one millisecond apart).
func at(i int) time.Time { return t0.Add(time.Duration(i) * time.Millisecond) }

func writeLog(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ctr.log")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// readAll runs Read without following and returns "stream:text" strings,
// with a "+" suffix for lines marked Partial.
func readAll(t *testing.T, path string, o Options) []string {
	t.Helper()
	lines, err := collect(context.Background(), path, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	return render(lines)
}

func collect(ctx context.Context, path string, o Options, stop func() bool) ([]Line, error) {
	var out []Line
	err := Read(ctx, path, o, stop, func(l Line) error {
		out = append(out, l)
		return nil
	})
	return out, err
}

func render(lines []Line) []string {
	out := []string{}
	for _, l := range lines {
		s := l.Stream + ":" + l.Text
		if l.Partial {
			s += "+"
		}
		out = append(out, s)
	}
	return out
}

func TestReadJoinsPartials(t *testing.T) {
	log := rec(at(0), "stdout", "P", "a") +
		rec(at(1), "stderr", "F", "x") +
		rec(at(2), "stdout", "P", "b") +
		rec(at(3), "stdout", "F", "c") +
		rec(at(4), "stdout", "F", "") +
		"garbage that is skipped\n" +
		rec(at(5), "stderr", "P", "y") +
		rec(at(6), "stdout", "F", "d\r") +
		rec(at(7), "stdout", "P", "tail")
	path := writeLog(t, log)

	lines, err := collect(context.Background(), path, Options{Tail: -1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"stderr:x", "stdout:abc", "stdout:", "stdout:d\r", "stderr:y+", "stdout:tail+"}
	if got := render(lines); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	// A joined line carries the time of its final record.
	if !lines[1].Time.Equal(at(3)) {
		t.Errorf("joined line time %v, want %v", lines[1].Time, at(3))
	}
	if !lines[4].Time.Equal(at(5)) {
		t.Errorf("trailing partial time %v, want %v", lines[4].Time, at(5))
	}
}

func TestReadUnterminatedLastRecord(t *testing.T) {
	// A record still being written when the file is read.
	path := writeLog(t, rec(at(0), "stdout", "F", "one")+strings.TrimSuffix(rec(at(1), "stdout", "F", "two"), "\n"))
	want := []string{"stdout:one", "stdout:two"}
	if got := readAll(t, path, Options{Tail: -1}); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := readAll(t, path, Options{Tail: 1}); !reflect.DeepEqual(got, want[1:]) {
		t.Fatalf("tail 1: got %q, want %q", got, want[1:])
	}
}

func TestReadMissingFile(t *testing.T) {
	got := readAll(t, filepath.Join(t.TempDir(), "nope.log"), Options{Tail: -1})
	if len(got) != 0 {
		t.Fatalf("got %q from a missing file", got)
	}
}

func TestReadCallbackError(t *testing.T) {
	path := writeLog(t, rec(at(0), "stdout", "F", "a")+rec(at(1), "stdout", "F", "b"))
	boom := errors.New("boom")
	n := 0
	err := Read(context.Background(), path, Options{Tail: -1}, nil, func(Line) error {
		n++
		return boom
	})
	if !errors.Is(err, boom) || n != 1 {
		t.Fatalf("err %v after %d calls, want boom after 1", err, n)
	}
}

func TestReadSinceUntil(t *testing.T) {
	var b strings.Builder
	for i := range 10 {
		b.WriteString(rec(at(i*10), "stdout", "F", fmt.Sprint(i)))
	}
	path := writeLog(t, b.String())
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"all", Options{Tail: -1}, "0123456789"},
		{"since inclusive", Options{Tail: -1, Since: at(30)}, "3456789"},
		{"since between lines", Options{Tail: -1, Since: at(31)}, "456789"},
		{"until inclusive", Options{Tail: -1, Until: at(20)}, "012"},
		{"window", Options{Tail: -1, Since: at(25), Until: at(55)}, "345"},
		{"empty window", Options{Tail: -1, Since: at(200)}, ""},
		// The tail is taken first, then filtered (as docker does).
		{"tail then since", Options{Tail: 3, Since: at(80)}, "89"},
		{"tail then until", Options{Tail: 3, Until: at(50)}, ""},
	}
	for _, tt := range tests {
		var got strings.Builder
		for _, s := range readAll(t, path, tt.o) {
			got.WriteString(strings.TrimPrefix(s, "stdout:"))
		}
		if got.String() != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got.String(), tt.want)
		}
	}
}

// genLog writes a log of interleaved streams where many lines are split in
// partial records; every line is closed by an F record unless openEnd.
func genLog(seed uint64, lines int, openEnd bool) string {
	rnd := rand.New(rand.NewPCG(seed, 1))
	var b strings.Builder
	streams := []string{"stdout", "stderr"}
	open := [2]bool{}
	tick := 0
	for i := 0; i < lines; {
		s := rnd.IntN(2)
		tick++
		text := strings.Repeat(fmt.Sprintf("%c", 'a'+rnd.IntN(26)), rnd.IntN(40))
		if rnd.IntN(3) == 0 {
			b.WriteString(rec(at(tick), streams[s], "P", text))
			open[s] = true
			continue
		}
		b.WriteString(rec(at(tick), streams[s], "F", fmt.Sprintf("%d-%s", i, text)))
		open[s] = false
		i++
	}
	for s, o := range open {
		if o && !openEnd {
			tick++
			b.WriteString(rec(at(tick), streams[s], "F", "end"))
		}
	}
	return b.String()
}

func TestTailMatchesFullRead(t *testing.T) {
	cases := []struct {
		name string
		log  string
	}{
		{"empty", ""},
		{"one line", rec(at(0), "stdout", "F", "x")},
		{"only a partial", rec(at(0), "stdout", "P", "x")},
		{"interleaved partials", rec(at(0), "stdout", "P", "a") + rec(at(1), "stderr", "F", "x") +
			rec(at(2), "stdout", "P", "b") + rec(at(3), "stderr", "P", "y") + rec(at(4), "stdout", "F", "c") +
			rec(at(5), "stderr", "F", "z") + rec(at(6), "stdout", "F", "d")},
		{"trailing partials", rec(at(0), "stdout", "F", "a") + rec(at(1), "stderr", "P", "x") +
			rec(at(2), "stdout", "F", "b") + rec(at(3), "stdout", "P", "c")},
		{"garbage inside", rec(at(0), "stdout", "F", "a") + "junk\n\n" + rec(at(1), "stdout", "P", "b") +
			"junk\n" + rec(at(2), "stdout", "F", "c")},
		{"random closed", genLog(1, 300, false)},
		{"random closed 2", genLog(2, 300, false)},
		{"random open end", genLog(3, 300, true)},
	}
	for _, c := range cases {
		path := writeLog(t, c.log)
		all := readAll(t, path, Options{Tail: -1})
		f := strings.NewReader(c.log) // in memory: tiny blocks mean many reads
		size := int64(len(c.log))
		for n := 0; n <= len(all)+2; n++ {
			want := all[max(0, len(all)-n):]
			if got := readAll(t, path, Options{Tail: n}); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: tail %d:\n got %q\nwant %q", c.name, n, got, want)
			}
			// The start offset does not depend on how the file is read
			// back (checked for some n: tiny blocks are slow).
			if n > 5 && n%17 != 0 && n < len(all) {
				continue
			}
			ref, err := tailStart(f, size, n, false, tailBlock)
			if err != nil {
				t.Fatal(err)
			}
			for _, block := range []int{1, 7, 97} {
				got, err := tailStart(f, size, n, false, block)
				if err != nil {
					t.Fatal(err)
				}
				if got != ref {
					t.Fatalf("%s: tail %d block %d: start %d, want %d", c.name, n, block, got, ref)
				}
			}
		}
	}
}

// countingReader records how much of a file a tail reads.
type countingReader struct {
	r    io.ReaderAt
	read int64
}

func (c *countingReader) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.read += int64(n)
	return n, err
}

func TestTailReadsOnlyTheEnd(t *testing.T) {
	var b strings.Builder
	for i := range 200_000 { // ~11 MB
		b.WriteString(rec(at(i), "stdout", "F", fmt.Sprintf("line %d", i)))
	}
	path := writeLog(t, b.String())
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := &countingReader{r: f}
	start, err := tailStart(cr, int64(b.Len()), 10, false, tailBlock)
	if err != nil {
		t.Fatal(err)
	}
	if cr.read > tailBlock {
		t.Errorf("tail 10 read %d bytes backwards, want at most one block", cr.read)
	}
	if int64(b.Len())-start > 1000 {
		t.Errorf("tail 10 starts %d bytes before the end", int64(b.Len())-start)
	}
	got := readAll(t, path, Options{Tail: 2})
	if want := []string{"stdout:line 199998", "stdout:line 199999"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
