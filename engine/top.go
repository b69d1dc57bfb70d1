package engine

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DefaultTopDescriptors are the columns `top` shows when none are asked for
// (podman's choice).
func DefaultTopDescriptors() []string {
	return []string{"user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args"}
}

// topColumn is one ps descriptor: its header and how to render a process.
type topColumn struct {
	header string
	value  func(p *procInfo, t *topCtx) string
}

// topColumns are the AIX-style descriptors of ps(1) that top knows. PIDs
// are those inside the container's PID namespace; hpid/hppid are the
// host's.
func topColumns() map[string]topColumn {
	return map[string]topColumn{
		"pid":   {"PID", func(p *procInfo, _ *topCtx) string { return strconv.Itoa(p.nsPID) }},
		"ppid":  {"PPID", func(p *procInfo, t *topCtx) string { return strconv.Itoa(t.nsPIDOf(p.ppid)) }},
		"pgid":  {"PGID", func(p *procInfo, t *topCtx) string { return strconv.Itoa(p.nsPGID) }},
		"hpid":  {"HPID", func(p *procInfo, _ *topCtx) string { return strconv.Itoa(p.pid) }},
		"hppid": {"HPPID", func(p *procInfo, _ *topCtx) string { return strconv.Itoa(p.ppid) }},
		"user":  {"USER", func(p *procInfo, t *topCtx) string { return t.users.name(p.euid) }},
		"ruser": {"RUSER", func(p *procInfo, t *topCtx) string { return t.users.name(p.ruid) }},
		"uid":   {"UID", func(p *procInfo, _ *topCtx) string { return strconv.Itoa(p.euid) }},
		"group": {"GROUP", func(p *procInfo, t *topCtx) string { return t.groups.name(p.egid) }},
		"rgroup": {"RGROUP", func(p *procInfo, t *topCtx) string {
			return t.groups.name(p.rgid)
		}},
		"gid":   {"GID", func(p *procInfo, _ *topCtx) string { return strconv.Itoa(p.egid) }},
		"args":  {"COMMAND", func(p *procInfo, _ *topCtx) string { return p.args() }},
		"comm":  {"COMMAND", func(p *procInfo, _ *topCtx) string { return p.comm }},
		"etime": {"ELAPSED", func(p *procInfo, t *topCtx) string { return psDuration(t.elapsed(p), false) }},
		"time":  {"TIME", func(p *procInfo, _ *topCtx) string { return psDuration(p.cpu(), true) }},
		"pcpu": {"%CPU", func(p *procInfo, t *topCtx) string {
			el := t.elapsed(p)
			if el <= 0 {
				return "0.0"
			}
			return strconv.FormatFloat(100*p.cpu().Seconds()/el.Seconds(), 'f', 1, 64)
		}},
		"tty":   {"TTY", func(p *procInfo, _ *topCtx) string { return ttyName(p.ttyNr) }},
		"nice":  {"NI", func(p *procInfo, _ *topCtx) string { return strconv.Itoa(p.nice) }},
		"vsz":   {"VSZ", func(p *procInfo, _ *topCtx) string { return strconv.FormatUint(p.vsize/1024, 10) }},
		"rss":   {"RSS", func(p *procInfo, t *topCtx) string { return strconv.FormatUint(p.rssPages*t.pageKiB, 10) }},
		"stat":  {"STAT", func(p *procInfo, _ *topCtx) string { return p.state }},
		"state": {"STATE", func(p *procInfo, _ *topCtx) string { return p.state }},
	}
}

// Top lists the container's processes, read from the host's /proc (the
// container needs no ps binary): the first row is the header, then one row
// per process in PID order. descriptors are ps(1) AIX-style names (pid,
// user, args, etime, ...); none means DefaultTopDescriptors.
func (c *Container) Top(ctx context.Context, descriptors []string) ([][]string, error) {
	if len(descriptors) == 0 {
		descriptors = DefaultTopDescriptors()
	}
	known := topColumns()
	cols := make([]topColumn, 0, len(descriptors))
	for _, d := range descriptors {
		col, ok := known[d]
		if !ok {
			names := make([]string, 0, len(known))
			for k := range known {
				names = append(names, k)
			}
			sort.Strings(names)
			return nil, fmt.Errorf("unknown top descriptor %q (known: %s): %w", d, strings.Join(names, ", "), ErrInvalidArg)
		}
		cols = append(cols, col)
	}
	if err := c.peek(ctx); err != nil {
		return nil, err
	}
	if c.state.Status != StatusRunning && c.state.Status != StatusPaused || c.state.PID == 0 {
		return nil, fmt.Errorf("top can only be used on running containers: %s is %s: %w",
			c.config.Name, c.state.Status.DisplayStatus(), ErrCtrStateInvalid)
	}
	pids, err := containerPIDs(c.state.PID)
	if err != nil {
		return nil, err
	}
	t, err := newTopCtx(c.state.Mountpoint)
	if err != nil {
		return nil, err
	}
	for _, pid := range pids {
		p, err := readProc(pid)
		if err != nil {
			continue // exited meanwhile
		}
		t.procs[pid] = p
	}
	procs := make([]*procInfo, 0, len(t.procs))
	for _, p := range t.procs {
		procs = append(procs, p)
	}
	sort.Slice(procs, func(i, j int) bool { return procs[i].nsPID < procs[j].nsPID })
	header := make([]string, len(cols))
	for i, col := range cols {
		header[i] = col.header
	}
	rows := [][]string{header}
	for _, p := range procs {
		row := make([]string, len(cols))
		for i, col := range cols {
			row[i] = col.value(p, t)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// containerPIDs lists the processes of the container whose init is pid:
// its cgroup's members (exec'd processes join the cgroup too), or, when
// the cgroup cannot be read, init and its descendants.
func containerPIDs(initPID int) ([]int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", initPID))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("container process %d is gone: %w", initPID, ErrCtrStopped)
	}
	if err != nil {
		return nil, err
	}
	for _, dir := range cgroupDirs(string(b)) {
		if procs, err := os.ReadFile(filepath.Join(dir, "cgroup.procs")); err == nil {
			var pids []int
			for _, f := range strings.Fields(string(procs)) {
				if pid, err := strconv.Atoi(f); err == nil {
					pids = append(pids, pid)
				}
			}
			if slices.Contains(pids, initPID) {
				return pids, nil
			}
		}
	}
	return descendants(initPID)
}

// cgroupDirs turns /proc/PID/cgroup into the directories that may hold the
// process's cgroup.procs: the v1 pids hierarchy first, then the v2 one
// (mounted at /sys/fs/cgroup or, on hybrid hosts, /sys/fs/cgroup/unified).
func cgroupDirs(procCgroup string) []string {
	var v1, v2 []string
	for _, line := range strings.Split(procCgroup, "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			v2 = append(v2, filepath.Join("/sys/fs/cgroup/unified", parts[2]), filepath.Join("/sys/fs/cgroup", parts[2]))
		case slices.Contains(strings.Split(parts[1], ","), "pids"):
			v1 = append(v1, filepath.Join("/sys/fs/cgroup", parts[1], parts[2]))
		}
	}
	return append(v1, v2...)
}

// descendants returns pid and every process below it, from one scan of /proc.
func descendants(pid int) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	children := map[int][]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if info, err := readProc(p); err == nil {
			children[info.ppid] = append(children[info.ppid], p)
		}
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out, nil
}

// procInfo is what top reads about one process.
type procInfo struct {
	pid, ppid, nsPID, nsPGID int
	comm, state              string
	ttyNr, nice              int
	utime, stime, start      uint64 // clock ticks
	vsize, rssPages          uint64
	ruid, euid, rgid, egid   int
	cmdline                  []string
}

// clockTicks is USER_HZ, which is 100 on every Linux architecture berth
// runs on.
const clockTicks = 100

func (p *procInfo) cpu() time.Duration {
	return time.Duration(p.utime+p.stime) * time.Second / clockTicks
}

func (p *procInfo) args() string {
	if len(p.cmdline) == 0 {
		return "[" + p.comm + "]"
	}
	return strings.Join(p.cmdline, " ")
}

func readProc(pid int) (*procInfo, error) {
	dir := "/proc/" + strconv.Itoa(pid)
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return nil, err
	}
	p := &procInfo{pid: pid}
	// comm is in parentheses and may itself contain spaces or ')'.
	open, closing := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
	if open < 0 || closing < open {
		return nil, fmt.Errorf("bad %s/stat", dir)
	}
	p.comm = string(stat[open+1 : closing])
	f := strings.Fields(string(stat[closing+1:]))
	// f[0] is field 3 (state) of proc(5).
	if len(f) < 22 {
		return nil, fmt.Errorf("short %s/stat", dir)
	}
	num := func(i int) uint64 { n, _ := strconv.ParseUint(f[i-3], 10, 64); return n }
	inum := func(i int) int { n, _ := strconv.Atoi(f[i-3]); return n }
	p.state = f[0]
	p.ppid = inum(4)
	p.ttyNr = inum(7)
	p.utime, p.stime = num(14), num(15)
	p.nice = inum(19)
	p.start = num(22)
	p.vsize, p.rssPages = num(23), num(24)
	p.nsPID, p.nsPGID = pid, inum(5)
	if st, err := os.Open(dir + "/status"); err == nil {
		sc := bufio.NewScanner(st)
		for sc.Scan() {
			key, val, _ := strings.Cut(sc.Text(), ":")
			fs := strings.Fields(val)
			if len(fs) == 0 {
				continue
			}
			last, _ := strconv.Atoi(fs[len(fs)-1])
			switch key {
			case "NSpid":
				p.nsPID = last
			case "NSpgid":
				p.nsPGID = last
			case "Uid":
				p.ruid, _ = strconv.Atoi(fs[0])
				if len(fs) > 1 {
					p.euid, _ = strconv.Atoi(fs[1])
				}
			case "Gid":
				p.rgid, _ = strconv.Atoi(fs[0])
				if len(fs) > 1 {
					p.egid, _ = strconv.Atoi(fs[1])
				}
			}
		}
		st.Close()
	}
	if cl, err := os.ReadFile(dir + "/cmdline"); err == nil && len(cl) > 0 {
		p.cmdline = strings.Split(strings.TrimRight(string(cl), "\x00"), "\x00")
	}
	return p, nil
}

// topCtx is what the columns share: the processes, the boot time, and the
// container's user and group names.
type topCtx struct {
	procs   map[int]*procInfo
	btime   time.Time
	now     time.Time
	pageKiB uint64
	users   idNames
	groups  idNames
}

func newTopCtx(rootfs string) (*topCtx, error) {
	t := &topCtx{procs: map[int]*procInfo{}, now: time.Now(), pageKiB: uint64(os.Getpagesize() / 1024)}
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(stat), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			sec, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			t.btime = time.Unix(sec, 0)
		}
	}
	if rootfs != "" {
		t.users = readIDNames(filepath.Join(rootfs, "etc", "passwd"))
		t.groups = readIDNames(filepath.Join(rootfs, "etc", "group"))
	}
	return t, nil
}

// nsPIDOf maps a host PID to the container's namespace; a parent outside
// the container (conmon, runc) is 0, as ps shows inside the container.
func (t *topCtx) nsPIDOf(hostPID int) int {
	if p, ok := t.procs[hostPID]; ok {
		return p.nsPID
	}
	return 0
}

func (t *topCtx) elapsed(p *procInfo) time.Duration {
	started := t.btime.Add(time.Duration(p.start) * time.Second / clockTicks)
	return t.now.Sub(started)
}

// idNames maps numeric IDs to names from a passwd or group file.
type idNames map[int]string

// readIDNames reads NAME:x:ID:... lines from a file of the container's
// rootfs. Only a regular file is read, so that a symlink planted in the
// image cannot make berth read a host file.
func readIDNames(path string) idNames {
	out := idNames{}
	st, err := os.Lstat(path)
	if err != nil || !st.Mode().IsRegular() || st.Size() > 4<<20 {
		return out
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.SplitN(line, ":", 4)
		if len(f) < 3 {
			continue
		}
		if id, err := strconv.Atoi(f[2]); err == nil {
			if _, dup := out[id]; !dup {
				out[id] = f[0]
			}
		}
	}
	return out
}

func (n idNames) name(id int) string {
	if s, ok := n[id]; ok {
		return s
	}
	return strconv.Itoa(id)
}

// ttyName renders tty_nr as ps does: pts/N for the pseudo-terminals a
// container gets, "?" for none.
func ttyName(nr int) string {
	if nr == 0 {
		return "?"
	}
	major, minor := (nr>>8)&0xfff, (nr&0xff)|((nr>>12)&0xfff00)
	if major >= 136 && major <= 143 {
		return "pts/" + strconv.Itoa((major-136)*256+minor)
	}
	return fmt.Sprintf("%d:%d", major, minor)
}

// psDuration formats d as ps does: [[DD-]HH:]MM:SS for etime, and
// [DD-]HH:MM:SS for time.
func psDuration(d time.Duration, withHours bool) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	days, s := s/86400, s%86400
	h, s := s/3600, s%3600
	m, s := s/60, s%60
	switch {
	case days > 0:
		return fmt.Sprintf("%d-%02d:%02d:%02d", days, h, m, s)
	case h > 0 || withHours:
		return fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%02d:%02d", m, s)
}
