// Package cgroups reads a container's resource usage from its cgroup,
// under cgroup v1 (one hierarchy per controller, as on this host) or v2
// (one unified hierarchy).
package cgroups

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Root is where cgroup file systems are mounted.
const Root = "/sys/fs/cgroup"

// Usage is a snapshot of one cgroup's counters.
type Usage struct {
	CPUNanos    uint64 // total CPU time used
	MemoryUsage uint64 // bytes, page cache of inactive files excluded (docker's rule)
	MemoryLimit uint64 // bytes; 0 = no limit
	Pids        uint64
	BlockRead   uint64 // bytes
	BlockWrite  uint64
}

// ErrNotFound means the cgroup does not exist (the container is not
// running).
var ErrNotFound = errors.New("cgroup not found")

// IsV2 reports whether /sys/fs/cgroup is the unified (v2) hierarchy.
func IsV2() bool {
	var st unix.Statfs_t
	return unix.Statfs(Root, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}

// Read returns the usage of the cgroup at path (relative to the
// hierarchy roots, e.g. "/berth/<id>").
func Read(path string) (Usage, error) {
	if IsV2() {
		return readV2(filepath.Join(Root, path))
	}
	return readV1(path)
}

func readV1(path string) (Usage, error) {
	var u Usage
	dir := func(ctrl string) string { return filepath.Join(Root, ctrl, path) }
	if _, err := os.Stat(dir("memory")); errors.Is(err, fs.ErrNotExist) {
		return u, fmt.Errorf("%s: %w", path, ErrNotFound)
	}
	u.CPUNanos = readUint(filepath.Join(dir("cpuacct"), "cpuacct.usage"))
	usage := readUint(filepath.Join(dir("memory"), "memory.usage_in_bytes"))
	stat := readKeyed(filepath.Join(dir("memory"), "memory.stat"))
	u.MemoryUsage = sub(usage, stat["total_inactive_file"])
	u.MemoryLimit = readUint(filepath.Join(dir("memory"), "memory.limit_in_bytes"))
	if u.MemoryLimit >= 1<<62 { // "unlimited" is a huge page-aligned number
		u.MemoryLimit = 0
	}
	u.Pids = readUint(filepath.Join(dir("pids"), "pids.current"))
	u.BlockRead, u.BlockWrite = readBlkioV1(filepath.Join(dir("blkio"), "blkio.throttle.io_service_bytes"))
	return u, nil
}

func readV2(dir string) (Usage, error) {
	var u Usage
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return u, fmt.Errorf("%s: %w", dir, ErrNotFound)
	}
	u.CPUNanos = readKeyed(filepath.Join(dir, "cpu.stat"))["usage_usec"] * 1000
	stat := readKeyed(filepath.Join(dir, "memory.stat"))
	u.MemoryUsage = sub(readUint(filepath.Join(dir, "memory.current")), stat["inactive_file"])
	u.MemoryLimit = readUint(filepath.Join(dir, "memory.max")) // "max" reads as 0
	u.Pids = readUint(filepath.Join(dir, "pids.current"))
	if f, err := os.Open(filepath.Join(dir, "io.stat")); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			for _, kv := range strings.Fields(sc.Text())[1:] {
				k, v, _ := strings.Cut(kv, "=")
				n, _ := strconv.ParseUint(v, 10, 64)
				switch k {
				case "rbytes":
					u.BlockRead += n
				case "wbytes":
					u.BlockWrite += n
				}
			}
		}
	}
	return u, nil
}

func sub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

func readUint(path string) uint64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	return n
}

// readKeyed reads "key value" lines (memory.stat, cpu.stat).
func readKeyed(path string) map[string]uint64 {
	out := map[string]uint64{}
	b, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, " ")
		if ok {
			out[k], _ = strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		}
	}
	return out
}

// readBlkioV1 sums the "MAJ:MIN Read|Write N" lines.
func readBlkioV1(path string) (read, write uint64) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		n, _ := strconv.ParseUint(f[2], 10, 64)
		switch f[1] {
		case "Read":
			read += n
		case "Write":
			write += n
		}
	}
	return read, write
}

// SystemCPUNanos is the host's total CPU time (all CPUs, all modes) from
// /proc/stat, the denominator of docker's CPU percentage.
func SystemCPUNanos() uint64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	var ticks uint64
	for _, f := range strings.Fields(line)[1:] {
		n, _ := strconv.ParseUint(f, 10, 64)
		ticks += n
	}
	const clockTicks = 100 // USER_HZ on Linux
	return ticks * (1e9 / clockTicks)
}

// NetIO sums the bytes of the non-loopback interfaces in the network
// namespace of pid.
func NetIO(pid int) (rx, tx uint64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/dev", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n")[2:] {
		name, rest, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "lo" {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 9 {
			continue
		}
		r, _ := strconv.ParseUint(f[0], 10, 64)
		t, _ := strconv.ParseUint(f[8], 10, 64)
		rx, tx = rx+r, tx+t
	}
	return rx, tx
}
