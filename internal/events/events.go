// Package events is berth's event journal: one JSON object per line,
// appended by every berth process to a file under the run root, rotated
// when it grows past a bound. There is no daemon to hand events to; the
// file is the bus, and readers follow it with inotify.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// Event is one journal entry, in podman's `events --format json` shape.
type Event struct {
	Time       time.Time         `json:"time"`
	Type       string            `json:"Type"`   // container, image, volume, network, pod, system
	Status     string            `json:"Status"` // create, start, died, ...
	ID         string            `json:"ID,omitempty"`
	Name       string            `json:"Name,omitempty"`
	Image      string            `json:"Image,omitempty"`
	ExitCode   *int              `json:"ContainerExitCode,omitempty"`
	Attributes map[string]string `json:"Attributes,omitempty"`
}

// MaxSize is the journal size at which it is rotated (one old file kept).
const MaxSize = 1 << 20

// Journal appends to and reads the journal in dir.
type Journal struct {
	dir string
}

// New returns the journal kept in dir (created on first write).
func New(dir string) *Journal { return &Journal{dir: dir} }

func (j *Journal) path() string    { return filepath.Join(j.dir, "events.log") }
func (j *Journal) oldPath() string { return j.path() + ".1" }

// Append writes e as one line. Lines are far below the size up to which
// O_APPEND writes of concurrent processes do not interleave on Linux
// regular files, so no lock is needed to append.
func (j *Journal) Append(e Event) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if err := os.MkdirAll(j.dir, 0o700); err != nil {
		return fmt.Errorf("events journal: %w", err)
	}
	f, err := os.OpenFile(j.path(), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("events journal: %w", err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		return fmt.Errorf("events journal: %w", err)
	}
	if st, err := f.Stat(); err == nil && st.Size() > MaxSize {
		j.rotate(f)
	}
	return nil
}

// rotate renames the full journal aside, once: the flock makes sure two
// processes that both saw it full do not rotate twice.
func (j *Journal) rotate(f *os.File) {
	if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) != nil {
		return
	}
	defer unix.Flock(int(f.Fd()), unix.LOCK_UN)
	st, err := os.Stat(j.path())
	if err != nil || st.Size() <= MaxSize {
		return // another process rotated it already
	}
	_ = os.Rename(j.path(), j.oldPath())
}

// Options select events to read.
type Options struct {
	Since, Until time.Time // zero: unbounded
	Follow       bool      // keep reading new events until ctx ends or Until passes
}

// Read calls fn for each event in order: the rotated file first, then the
// current one, then (Follow) what is appended later.
func (j *Journal) Read(ctx context.Context, o Options, fn func(Event) error) error {
	keep := func(e Event) bool {
		return (o.Since.IsZero() || !e.Time.Before(o.Since)) && (o.Until.IsZero() || !e.Time.After(o.Until))
	}
	if _, err := readFrom(j.oldPath(), 0, keep, fn); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	off, err := readFrom(j.path(), 0, keep, fn)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if !o.Follow {
		return nil
	}
	return j.follow(ctx, off, o.Until, keep, fn)
}
