package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Last-resort cleanup for what `rm -fa` missed. Processes are found by a
// path under the engine's directory in their command line (conmon, a stuck
// runc or exit command) and killed by pid, together with their descendants
// (the containers, whose subreaper conmon is); mounts are found in
// /proc/self/mountinfo by path.

type proc struct {
	pid, ppid int
	start     string // field 22 of /proc/PID/stat: tells a reused pid apart
	mentions  bool
}

func killProcessesUnder(dir string) error {
	type key struct {
		pid   int
		start string
	}
	killed := map[key]bool{}
	var errs []error
	// A parent goes first, so it cannot start anything new (conmon's exit
	// command); its descendants are still known by pid and start time.
	// Scan again until nothing is found, for whatever started meanwhile.
	for pass := 0; pass < 5; pass++ {
		procs := map[int]proc{}
		children := map[int][]int{}
		ents, err := os.ReadDir("/proc")
		if err != nil {
			return err
		}
		for _, ent := range ents {
			pid, err := strconv.Atoi(ent.Name())
			if err != nil || pid == os.Getpid() {
				continue
			}
			if p, ok := readProc(pid, dir); ok {
				procs[pid] = p
				children[p.ppid] = append(children[p.ppid], pid)
			}
		}
		var order []proc
		seen := map[int]bool{}
		var walk func(pid int)
		walk = func(pid int) {
			if seen[pid] {
				return
			}
			seen[pid] = true
			order = append(order, procs[pid])
			for _, c := range children[pid] {
				walk(c)
			}
		}
		for pid, p := range procs {
			if p.mentions && !killed[key{pid, p.start}] {
				walk(pid)
			}
		}
		if len(order) == 0 {
			break
		}
		for _, p := range order {
			now, ok := readProc(p.pid, dir)
			if !ok || now.start != p.start || killed[key{p.pid, p.start}] {
				continue
			}
			if err := syscall.Kill(p.pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
				errs = append(errs, fmt.Errorf("kill %d: %w", p.pid, err))
				continue
			}
			killed[key{p.pid, p.start}] = true
		}
		time.Sleep(100 * time.Millisecond) // let SIGKILL land before looking again
	}
	if len(killed) > 0 {
		fmt.Fprintf(os.Stderr, "cleanup: killed %d leftover processes under %s\n", len(killed), dir)
	}
	return errors.Join(errs...)
}

func readProc(pid int, dir string) (proc, bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return proc{}, false
	}
	// "pid (comm) state ppid ...": comm may contain anything, so count
	// fields after the last ')'; f[0] is field 3.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return proc{}, false
	}
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 20 {
		return proc{}, false
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		return proc{}, false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return proc{}, false
	}
	mentions := false
	for _, a := range strings.Split(string(cmdline), "\x00") {
		if strings.Contains(a, dir+"/") || strings.HasSuffix(a, dir) {
			mentions = true
			break
		}
	}
	return proc{pid: pid, ppid: ppid, start: f[19], mentions: mentions}, true
}

// unmountUnder detaches every mount at or below dir, deepest and newest
// first; stacked mounts need more than one pass.
func unmountUnder(dir string) error {
	for pass := 0; pass < 8; pass++ {
		mps, err := mountsUnder(dir)
		if err != nil || len(mps) == 0 {
			return err
		}
		for _, mp := range mps {
			// Errors are judged by what is left mounted at the end.
			_ = syscall.Unmount(mp, syscall.MNT_DETACH)
		}
	}
	mps, err := mountsUnder(dir)
	if err == nil && len(mps) > 0 {
		err = fmt.Errorf("still mounted: %v", mps)
	}
	return err
}

func mountsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var mps []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		// Field 5 is the mount point, octal-escaped (proc(5)).
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeOctal(fields[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			mps = append(mps, mp)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for i, j := 0, len(mps)-1; i < j; i, j = i+1, j-1 {
		mps[i], mps[j] = mps[j], mps[i]
	}
	sort.SliceStable(mps, func(i, j int) bool {
		return strings.Count(mps[i], "/") > strings.Count(mps[j], "/")
	})
	return mps, nil
}

func unescapeOctal(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }
