package logs

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// follower runs Read with Follow in the background and hands over lines
// as they arrive.
type follower struct {
	t     *testing.T
	lines chan Line
	done  chan error
	stop  atomic.Bool
	mu    sync.Mutex
	all   []Line
}

func startFollow(t *testing.T, ctx context.Context, path string, o Options, watch func(string) *watcher) *follower {
	t.Helper()
	o.Follow = true
	f := &follower{t: t, lines: make(chan Line, 100), done: make(chan error, 1)}
	go func() {
		f.done <- read(ctx, path, o, f.stop.Load, func(l Line) error {
			f.mu.Lock()
			f.all = append(f.all, l)
			f.mu.Unlock()
			f.lines <- l
			return nil
		}, watch)
	}()
	t.Cleanup(func() {
		f.stop.Store(true)
		select {
		case <-f.done:
		case <-time.After(5 * time.Second):
			t.Error("Read did not return after stop")
		}
	})
	return f
}

// expect waits for the next lines, rendered as by render().
func (f *follower) expect(want ...string) {
	f.t.Helper()
	var got []Line
	for range want {
		select {
		case l := <-f.lines:
			got = append(got, l)
		case err := <-f.done:
			f.done <- err // for the cleanup
			f.t.Fatalf("Read returned %v; got %q so far, want %q", err, render(got), want)
		case <-time.After(2 * time.Second):
			f.t.Fatalf("timed out; got %q, want %q", render(got), want)
		}
	}
	if r := render(got); !reflect.DeepEqual(r, want) {
		f.t.Fatalf("got %q, want %q", r, want)
	}
}

// finish flips stop and waits for Read to return.
func (f *follower) finish() (rest []string) {
	f.t.Helper()
	f.stop.Store(true)
	select {
	case err := <-f.done:
		f.done <- err // for the cleanup
		if err != nil {
			f.t.Fatalf("Read: %v", err)
		}
	case <-time.After(3 * time.Second):
		f.t.Fatal("Read did not return after stop")
	}
	close(f.lines)
	var out []Line
	for l := range f.lines {
		out = append(out, l)
	}
	return render(out)
}

func appendLog(t *testing.T, path string, records ...string) {
	t.Helper()
	// conmon opens the log O_APPEND (notes/conmon.md).
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, r := range records {
		if _, err := f.WriteString(r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFollow(t *testing.T) {
	t.Parallel()
	for _, w := range []struct {
		name  string
		watch func(string) *watcher
	}{{"inotify", newWatcher}, {"poll", pollWatcher}} {
		t.Run(w.name, func(t *testing.T) {
			t.Parallel()
			path := writeLog(t, rec(at(0), "stdout", "F", "a"))
			f := startFollow(t, context.Background(), path, Options{Tail: -1}, w.watch)
			f.expect("stdout:a")

			appendLog(t, path, rec(at(1), "stdout", "F", "b"))
			f.expect("stdout:b")

			appendLog(t, path, rec(at(2), "stdout", "P", "c1"), rec(at(3), "stderr", "F", "e"))
			f.expect("stderr:e")
			appendLog(t, path, rec(at(4), "stdout", "F", "c2"))
			f.expect("stdout:c1c2")

			// Written just before the container "exits": must not be lost.
			appendLog(t, path, rec(at(5), "stdout", "F", "last"), rec(at(6), "stderr", "P", "no newline"))
			rest := f.finish()
			if want := []string{"stdout:last", "stderr:no newline+"}; !reflect.DeepEqual(rest, want) {
				t.Fatalf("after stop got %q, want %q", rest, want)
			}
		})
	}
}

func TestFollowTruncated(t *testing.T) {
	t.Parallel()
	path := writeLog(t, rec(at(0), "stdout", "F", "a long line before truncation")+rec(at(1), "stdout", "F", "b"))
	f := startFollow(t, context.Background(), path, Options{Tail: -1}, newWatcher)
	f.expect("stdout:a long line before truncation", "stdout:b")
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	appendLog(t, path, rec(at(2), "stdout", "F", "c"))
	f.expect("stdout:c")
	if rest := f.finish(); len(rest) != 0 {
		t.Fatalf("unexpected %q", rest)
	}
}

func TestFollowRotated(t *testing.T) {
	t.Parallel()
	path := writeLog(t, rec(at(0), "stdout", "F", "a")+rec(at(1), "stdout", "P", "split "))
	f := startFollow(t, context.Background(), path, Options{Tail: -1}, newWatcher)
	f.expect("stdout:a")
	// conmon's rotation: a new file "<log>.tmp" renamed over the log.
	if err := os.WriteFile(path+".tmp", []byte(rec(at(2), "stdout", "F", "line")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
	f.expect("stdout:split line")
	appendLog(t, path, rec(at(3), "stdout", "F", "c"))
	f.expect("stdout:c")
	f.finish()
}

func TestFollowFileAppearsLater(t *testing.T) {
	t.Parallel()
	path := writeLog(t, "")
	os.Remove(path)
	f := startFollow(t, context.Background(), path, Options{Tail: -1}, newWatcher)
	time.Sleep(20 * time.Millisecond)
	appendLog(t, path, rec(at(0), "stdout", "F", "a"))
	f.expect("stdout:a")
	f.finish()
}

func TestFollowTailKeepsPendingPartial(t *testing.T) {
	t.Parallel()
	path := writeLog(t, rec(at(0), "stdout", "F", "a")+rec(at(1), "stdout", "F", "b")+rec(at(2), "stdout", "P", "x"))
	f := startFollow(t, context.Background(), path, Options{Tail: 1}, newWatcher)
	f.expect("stdout:b")
	appendLog(t, path, rec(at(3), "stdout", "F", "y"))
	f.expect("stdout:xy")
	f.finish()
}

func TestFollowStopsAtOnce(t *testing.T) {
	t.Parallel()
	// An exited container: stop() is true from the start, so Read returns
	// as soon as it reaches the end, without waiting for new data.
	path := writeLog(t, rec(at(0), "stdout", "F", "a")+rec(at(1), "stdout", "P", "b"))
	start := time.Now()
	lines, err := collect(context.Background(), path, Options{Tail: -1, Follow: true}, func() bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	if got, want := render(lines), []string{"stdout:a", "stdout:b+"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if d := time.Since(start); d > followIdle/2 {
		t.Errorf("took %v", d)
	}
	// A passed Until ends following too.
	lines, err = collect(context.Background(), path, Options{Tail: -1, Follow: true, Until: at(0)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := render(lines), []string{"stdout:a"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("until: got %q, want %q", got, want)
	}
}

func TestFollowContextCancel(t *testing.T) {
	t.Parallel()
	path := writeLog(t, rec(at(0), "stdout", "F", "a"))
	ctx, cancel := context.WithCancel(context.Background())
	f := startFollow(t, ctx, path, Options{Tail: -1}, newWatcher)
	f.expect("stdout:a")
	cancel()
	select {
	case err := <-f.done:
		f.done <- err
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Read returned %v, want context.Canceled", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Read did not return after cancel")
	}
}

func TestRelevantEvent(t *testing.T) {
	ev := func(mask uint32, name string) []byte {
		n := 0
		if name != "" {
			n = (len(name) + 16) &^ 15 // NUL-padded like the kernel does
		}
		b := make([]byte, unix.SizeofInotifyEvent+n)
		binary.NativeEndian.PutUint32(b[4:], mask)
		binary.NativeEndian.PutUint32(b[12:], uint32(n))
		copy(b[unix.SizeofInotifyEvent:], name)
		return b
	}
	cat := func(bs ...[]byte) []byte {
		var out []byte
		for _, b := range bs {
			out = append(out, b...)
		}
		return out
	}
	tests := []struct {
		name string
		b    []byte
		want bool
	}{
		{"write to the log", ev(unix.IN_MODIFY, "ctr.log"), true},
		{"rotation", ev(unix.IN_MOVED_TO, "ctr.log"), true},
		{"other file", ev(unix.IN_MODIFY, "ctr.log.tmp"), false},
		{"other files then the log", cat(ev(unix.IN_MODIFY, "ctl"), ev(unix.IN_CREATE, "ctr.log")), true},
		{"prefix only", ev(unix.IN_MODIFY, "ctr"), false},
		{"overflow", ev(unix.IN_Q_OVERFLOW, ""), true},
		{"directory removed", ev(unix.IN_DELETE_SELF, ""), true},
		{"truncated event", ev(unix.IN_MODIFY, "ctr.log")[:20], true},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		if got := relevantEvent(tt.b, "ctr.log"); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}
