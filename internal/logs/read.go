package logs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// Options select which lines Read delivers.
type Options struct {
	// Tail: -1 for all lines, N for the last N logical lines (partial
	// records joined). The tail is taken first, then Since and Until filter
	// it, as docker does.
	Tail int
	// Since and Until bound the line times (inclusive); zero = unbounded.
	Since, Until time.Time
	// Follow keeps reading what is appended after the end of the log.
	Follow bool
	// Timestamps is not used by Read; it travels with the options for the
	// caller's Write.
	Timestamps bool
}

func (o *Options) keep(l Line) bool {
	if !o.Since.IsZero() && l.Time.Before(o.Since) {
		return false
	}
	if !o.Until.IsZero() && l.Time.After(o.Until) {
		return false
	}
	return true
}

const (
	// followIdle: how long no new data must arrive before stop() is asked
	// again, and the poll interval when inotify is unavailable.
	followIdle = 250 * time.Millisecond
	readChunk  = 64 << 10
	// maxRecord bounds the buffer for one record, so that a file without
	// newlines cannot exhaust memory. conmon's records are at most one pipe
	// read (64 KiB by default, 1 MiB at most) plus the header.
	maxRecord = 4 << 20
)

// Read delivers the logical lines of the k8s-file log at path to fn, in
// order (partial records joined; a partial record still open at the end of
// the log is a complete line with Partial set). A missing file is not an
// error: there is nothing to show.
//
// With o.Follow, Read keeps delivering what conmon appends, woken by inotify
// (or a 250 ms poll where inotify is unavailable), until ctx is done or stop
// returns true. stop (nil means never) is asked first when the end of the log
// is reached, then whenever no new data has arrived for 250 ms; after it
// returns true the file is read one last time, so lines written just before
// the container exited are not lost. A passed o.Until also ends following.
// A log replaced by rotation (conmon renames a new file over the path when
// log-size-max is hit) or truncated in place is read again from its start.
// When ctx ends Read returns ctx.Err(); an error from fn is returned as is.
func Read(ctx context.Context, path string, o Options, stop func() bool, fn func(Line) error) error {
	return read(ctx, path, o, stop, fn, newWatcher)
}

// read is Read with the follow watcher's constructor as a parameter, so
// tests can exercise the polling fallback.
func read(ctx context.Context, path string, o Options, stop func() bool, fn func(Line) error, watch func(string) *watcher) error {
	r := &reader{ctx: ctx, path: path, opts: o, fn: fn, buf: make([]byte, readChunk)}
	defer r.close()
	var w *watcher
	if o.Follow {
		// Watch before the first read, so nothing written in between is
		// noticed late.
		w = watch(path)
		defer w.close()
	}
	if err := r.open(); err != nil {
		return err
	}
	if r.f == nil && !o.Follow {
		return nil
	}
	if r.f != nil {
		if o.Tail >= 0 {
			fi, err := r.f.Stat()
			if err != nil {
				return fmt.Errorf("stat log: %w", err)
			}
			start, err := tailStart(r.f, fi.Size(), o.Tail, o.Follow, tailBlock)
			if err != nil {
				return err
			}
			r.off = start
			r.ring = &ring{n: o.Tail}
		}
		if _, err := r.drain(); err != nil {
			return err
		}
	}
	if !o.Follow {
		return r.finish()
	}
	if r.ring != nil {
		if err := r.endTail(); err != nil {
			return err
		}
	}
	return r.follow(ctx, w, stop)
}

func (r *reader) follow(ctx context.Context, w *watcher, stop func() bool) error {
	lastData := time.Time{} // zero: ask stop() right away at the first end of file
	for {
		if time.Since(lastData) >= followIdle && r.stopRequested(stop) {
			if _, err := r.sync(); err != nil {
				return err
			}
			return r.finish()
		}
		if err := w.wait(ctx, followIdle); err != nil {
			return err
		}
		n, err := r.sync()
		if err != nil {
			return err
		}
		if n > 0 {
			lastData = time.Now()
		}
	}
}

func (r *reader) stopRequested(stop func() bool) bool {
	if !r.opts.Until.IsZero() && time.Now().After(r.opts.Until) {
		return true
	}
	return stop != nil && stop()
}

// reader is the state of one Read: the open file, how far it has been
// read, the joiner, and during the tail phase the ring of last lines.
type reader struct {
	ctx  context.Context
	path string
	opts Options
	fn   func(Line) error

	f    *os.File
	fi   os.FileInfo // identity of f, to notice rotation
	off  int64       // next offset to read in f
	rest []byte      // an incomplete record at the end of what was read
	skip bool        // rest overflowed maxRecord: drop bytes up to the next newline
	buf  []byte
	j    joiner
	ring *ring // non-nil while collecting the tail
}

// open opens the log if it exists; a missing file leaves r.f nil.
func (r *reader) open() error {
	f, err := os.Open(r.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("opening log: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("stat log: %w", err)
	}
	r.f, r.fi, r.off = f, fi, 0
	r.rest, r.skip = r.rest[:0], false
	return nil
}

func (r *reader) close() {
	if r.f != nil {
		r.f.Close()
		r.f = nil
	}
}

// sync brings the reader up to date with the file: it notices truncation
// and rotation, opens a log that did not exist yet, and reads new data.
// It returns the number of bytes read.
func (r *reader) sync() (int64, error) {
	if r.f == nil {
		if err := r.open(); err != nil || r.f == nil {
			return 0, err
		}
		return r.drain()
	}
	if fi, err := r.f.Stat(); err == nil && fi.Size() < r.off {
		// Truncated in place: what we had is gone, start over.
		r.off, r.rest, r.skip = 0, r.rest[:0], false
	}
	n, err := r.drain()
	if err != nil {
		return n, err
	}
	fi, err := os.Stat(r.path)
	if err != nil || os.SameFile(fi, r.fi) {
		// Same file, or the path is gone (container removed): keep the
		// open file; stop() decides when to finish.
		return n, nil
	}
	// Rotated: the old file is complete (conmon fsyncs and closes it before
	// renaming the new one over it). Pending partial text is kept: the line
	// continues in the new file.
	r.close()
	if err := r.open(); err != nil || r.f == nil {
		return n, err
	}
	m, err := r.drain()
	return n + m, err
}

// drain reads f from r.off to its end and delivers the completed lines.
func (r *reader) drain() (int64, error) {
	var total int64
	for {
		if err := r.ctx.Err(); err != nil {
			return total, err
		}
		n, err := r.f.ReadAt(r.buf, r.off)
		if n > 0 {
			total += int64(n)
			r.off += int64(n)
			if err := r.consume(r.buf[:n]); err != nil {
				return total, err
			}
		}
		if err == io.EOF || (err == nil && n == 0) {
			return total, nil
		}
		if err != nil {
			return total, fmt.Errorf("reading log: %w", err)
		}
	}
}

func (r *reader) consume(b []byte) error {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if !r.skip {
				r.rest = append(r.rest, b...)
				if len(r.rest) > maxRecord {
					r.rest, r.skip = r.rest[:0], true
				}
			}
			return nil
		}
		rec := b[:i]
		b = b[i+1:]
		if r.skip {
			r.skip = false
			continue
		}
		if len(r.rest) > 0 {
			r.rest = append(r.rest, rec...)
			rec = r.rest
		}
		err := r.record(rec)
		r.rest = r.rest[:0]
		if err != nil {
			return err
		}
	}
	return nil
}

// record handles one record; records that do not parse are skipped (a log
// cut in the middle of a record by a crash must stay readable).
func (r *reader) record(b []byte) error {
	rec, err := ParseLine(b)
	if err != nil {
		return nil
	}
	if l, ok := r.j.add(rec); ok {
		return r.emit(l)
	}
	return nil
}

func (r *reader) emit(l Line) error {
	if r.ring != nil {
		r.ring.push(l)
		return nil
	}
	if !r.opts.keep(l) {
		return nil
	}
	return r.fn(l)
}

// finish ends a Read at the end of the log: an unterminated last record
// counts, lines still partial are complete, and the tail is delivered.
func (r *reader) finish() error {
	if len(r.rest) > 0 && !r.skip {
		err := r.record(r.rest)
		r.rest = r.rest[:0]
		if err != nil {
			return err
		}
	}
	for _, l := range r.j.flush() {
		if err := r.emit(l); err != nil {
			return err
		}
	}
	if r.ring != nil {
		return r.endTail()
	}
	return nil
}

// endTail delivers the collected tail and switches to direct delivery.
func (r *reader) endTail() error {
	lines := r.ring.ordered()
	r.ring = nil
	for _, l := range lines {
		if err := r.emit(l); err != nil {
			return err
		}
	}
	return nil
}

// ring keeps the last n lines pushed.
type ring struct {
	n     int
	lines []Line
	head  int // once full: index of the oldest line
}

func (r *ring) push(l Line) {
	if r.n <= 0 {
		return
	}
	if len(r.lines) < r.n {
		r.lines = append(r.lines, l)
		return
	}
	r.lines[r.head] = l
	r.head = (r.head + 1) % r.n
}

// ordered returns the lines oldest first.
func (r *ring) ordered() []Line {
	return append(r.lines[r.head:len(r.lines):len(r.lines)], r.lines[:r.head]...)
}
