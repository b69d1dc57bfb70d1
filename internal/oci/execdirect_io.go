package oci

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The direct exec's plumbing (execdirect.go): finding the process the
// runtime leaves behind, and copying its stdio.

// childPIDs lists this process's children (all its threads').
func childPIDs() map[int]bool {
	out := map[int]bool{}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return out
	}
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/children")
		if err != nil {
			continue
		}
		for _, f := range bytes.Fields(b) {
			if pid, err := strconv.Atoi(string(f)); err == nil {
				out[pid] = true
			}
		}
	}
	return out
}

// newChild finds the one child that is not in known: the process the
// runtime left to its subreaper.
func newChild(known map[int]bool) (int, error) {
	var found []int
	for pid := range childPIDs() {
		if !known[pid] {
			found = append(found, pid)
		}
	}
	if len(found) != 1 {
		return 0, fmt.Errorf("cannot tell the exec'd process among berth's new children %v", found)
	}
	return found[0], nil
}

// ProcessStartTime returns field 22 of /proc/PID/stat (clock ticks since
// boot), which tells a process from a later one with the same PID.
func ProcessStartTime(pid int) (uint64, error) {
	_, start, err := procStat(pid)
	return start, err
}

// ProcessAlive reports whether the process pid that started at start
// still runs (a zombie counts as ended).
func ProcessAlive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	state, got, err := procStat(pid)
	return err == nil && got == start && state != "Z" && state != "X"
}

// procStat reads the state (field 3) and start time (field 22) of
// /proc/PID/stat.
func procStat(pid int) (state string, start uint64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return "", 0, fmt.Errorf("/proc/%d/stat: no command field", pid)
	}
	fields := bytes.Fields(b[i+1:])
	// fields[0] is field 3; field 22 is fields[19].
	if len(fields) < 20 {
		return "", 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	start, err = strconv.ParseUint(string(fields[19]), 10, 64)
	return string(fields[0]), start, err
}

// gateWriter holds what is written until open, then passes it on.
type gateWriter struct {
	mu     sync.Mutex
	w      io.Writer
	opened bool
	buf    bytes.Buffer
	err    error
}

func (g *gateWriter) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.opened {
		if g.buf.Len() < 1<<20 {
			g.buf.Write(p)
		}
		return len(p), nil
	}
	return g.w.Write(p)
}

// open passes on what was held and everything after it.
func (g *gateWriter) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.opened = true
	if g.buf.Len() > 0 {
		_, g.err = g.w.Write(g.buf.Bytes())
		g.buf.Reset()
	}
}

// held returns what was written while closed.
func (g *gateWriter) held() []byte {
	g.mu.Lock()
	defer g.mu.Unlock()
	return bytes.Clone(g.buf.Bytes())
}

// drainReader copies a pipe to w until its end, or, once stopped, until
// nothing more is waiting in it: a process's exit must not wait for a
// child of it that keeps the pipe open.
type drainReader struct {
	f       *os.File
	w       io.Writer
	mu      sync.Mutex
	stopped bool
}

// maxDrainAfterExit bounds what is copied after the process exited: a
// full pipe's worth, and then some.
const maxDrainAfterExit = 1 << 20

func (d *drainReader) stop() {
	d.mu.Lock()
	d.stopped = true
	d.mu.Unlock()
	// Wakes a read waiting for data; copy then takes what is left.
	_ = d.f.SetReadDeadline(time.Unix(1, 0))
}

func (d *drainReader) isStopped() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stopped
}

func (d *drainReader) copy() {
	rc, err := d.f.SyscallConn()
	if err != nil {
		return
	}
	buf := make([]byte, 32*1024)
	writeOK := true
	afterStop := 0
	for {
		var n int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			n, rerr = unix.Read(int(fd), buf)
			// EAGAIN: wait for data, unless stopped (then the pipe
			// holds nothing more of the process's).
			return !errors.Is(rerr, unix.EAGAIN) || d.isStopped()
		})
		if err != nil {
			// The deadline stop set: read once more without waiting.
			_ = d.f.SetReadDeadline(time.Time{})
			continue
		}
		if n > 0 {
			if d.isStopped() {
				// A child still writing must not keep berth copying.
				if afterStop += n; afterStop > maxDrainAfterExit {
					return
				}
			}
			if writeOK {
				if _, werr := d.w.Write(buf[:n]); werr != nil {
					writeOK = false // keep draining so the process never blocks
				}
			}
			continue
		}
		if errors.Is(rerr, unix.EINTR) {
			continue
		}
		return // EOF, or EAGAIN after stop, or a read error
	}
}
