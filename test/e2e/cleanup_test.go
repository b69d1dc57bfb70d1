package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The teardown's last resort, for what `berth rm -fa` missed: processes and
// mounts that belong to one Env, found by its directory. Everything is
// addressed by pid or by exact path, never by name.

// procInfo identifies a process; start (clock ticks since boot, field 22 of
// /proc/PID/stat) tells a reused pid from the original.
type procInfo struct {
	pid, ppid int
	start     uint64
	args      []string
}

// procKey identifies a process across scans.
type procKey struct {
	pid   int
	start uint64
}

func (p procInfo) key() procKey { return procKey{p.pid, p.start} }

// killProcessesMentioning SIGKILLs every process whose command line names a
// path under dir (conmon, a stuck runc or exit command), each followed by
// its descendants (the containers conmon is the subreaper of). A parent
// goes first so that it cannot start anything new, such as conmon's exit
// command; its children are still known by pid and start time. The scan is
// repeated until it finds nothing, in case something started meanwhile.
// It returns how many processes it killed.
func killProcessesMentioning(dir string) (int, error) {
	self := os.Getpid()
	killed := map[procKey]bool{}
	var errs []error
	for pass := 0; pass < 5; pass++ {
		procs, err := listProcs()
		if err != nil {
			return len(killed), err
		}
		children := map[int][]procInfo{}
		var roots []procInfo
		for _, p := range procs {
			children[p.ppid] = append(children[p.ppid], p)
			if p.pid != self && argsMention(p.args, dir) && !killed[p.key()] {
				roots = append(roots, p)
			}
		}
		if len(roots) == 0 {
			break
		}
		var order []procInfo
		seen := map[int]bool{}
		var walk func(p procInfo)
		walk = func(p procInfo) {
			if seen[p.pid] {
				return
			}
			seen[p.pid] = true
			order = append(order, p)
			for _, c := range children[p.pid] {
				walk(c)
			}
		}
		for _, r := range roots {
			walk(r)
		}
		for _, p := range order {
			if killed[p.key()] || !samePid(p) {
				continue // done, gone, or the pid now belongs to someone else
			}
			if err := unix.Kill(p.pid, unix.SIGKILL); err != nil && !errors.Is(err, unix.ESRCH) {
				errs = append(errs, fmt.Errorf("kill %d (%s): %w", p.pid, strings.Join(p.args, " "), err))
				continue
			}
			killed[p.key()] = true
		}
		// SIGKILL is asynchronous: let the kernel tear the processes down
		// before looking again, and before their mounts and files go.
		deadline := time.Now().Add(2 * time.Second)
		for _, p := range order {
			for samePid(p) && !isZombie(p.pid) && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
		}
	}
	return len(killed), errors.Join(errs...)
}

// argsMention reports whether an argument names dir or a path under it,
// including as part of an option ("--root=DIR/x", "k8s-file:DIR/log").
func argsMention(args []string, dir string) bool {
	for _, a := range args {
		if strings.Contains(a, dir+"/") || strings.HasSuffix(a, dir) {
			return true
		}
	}
	return false
}

func listProcs() ([]procInfo, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var out []procInfo
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil {
			continue
		}
		p, ok := readProc(pid)
		if ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// readProc reads one process; ok is false if it vanished meanwhile.
func readProc(pid int) (procInfo, bool) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procInfo{}, false
	}
	ppid, start, err := parseStat(string(stat))
	if err != nil {
		return procInfo{}, false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return procInfo{}, false
	}
	return procInfo{pid: pid, ppid: ppid, start: start, args: splitCmdline(cmdline)}, true
}

// samePid reports whether p still runs under the same pid.
func samePid(p procInfo) bool {
	now, ok := readProc(p.pid)
	return ok && now.start == p.start
}

func isZombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	return len(fields) > 0 && fields[0] == "Z"
}

// parseStat returns the parent pid and start time from /proc/PID/stat
// (proc(5)): "pid (comm) state ppid ... starttime(22) ...". comm may hold
// spaces and parentheses, so fields are counted after the last ')'.
func parseStat(stat string) (ppid int, start uint64, err error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("malformed stat %q", stat)
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state), so field N is f[N-3].
	if len(f) < 20 {
		return 0, 0, fmt.Errorf("malformed stat %q", stat)
	}
	if ppid, err = strconv.Atoi(f[1]); err != nil {
		return 0, 0, fmt.Errorf("stat ppid: %w", err)
	}
	if start, err = strconv.ParseUint(f[19], 10, 64); err != nil {
		return 0, 0, fmt.Errorf("stat starttime: %w", err)
	}
	return ppid, start, nil
}

func splitCmdline(b []byte) []string {
	b = bytes.TrimRight(b, "\x00")
	if len(b) == 0 {
		return nil
	}
	return strings.Split(string(b), "\x00")
}

// unmountUnder detaches every mount at or below dir, deepest first. Stacked
// mounts on one path need several passes.
func unmountUnder(dir string) error {
	var lastErr error
	for pass := 0; pass < 8; pass++ {
		mps, err := mountsUnder(dir)
		if err != nil {
			return err
		}
		if len(mps) == 0 {
			return nil
		}
		for _, mp := range mps {
			// MNT_DETACH: a busy mount (a dying process still in it)
			// must not stop the teardown.
			err := unix.Unmount(mp, unix.MNT_DETACH)
			if err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
				lastErr = fmt.Errorf("unmount %s: %w", mp, err)
			}
		}
	}
	mps, err := mountsUnder(dir)
	if err == nil && len(mps) == 0 {
		return nil
	}
	return fmt.Errorf("still mounted under %s: %v (last error: %v)", dir, mps, lastErr)
}

// mountsUnder lists the mount points at or below dir, deepest first and,
// at equal depth, the most recent mount first.
func mountsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var mps []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024) // overlay lowerdir lists are long
	for sc.Scan() {
		mp, err := mountPoint(sc.Text())
		if err != nil {
			return nil, err
		}
		if pathUnder(mp, dir) {
			mps = append(mps, mp)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading mountinfo: %w", err)
	}
	sortDeepestFirst(mps)
	return mps, nil
}

func sortDeepestFirst(mps []string) {
	// Reverse first so that, among equal depths, later mounts come first
	// after the stable sort.
	for i, j := 0, len(mps)-1; i < j; i, j = i+1, j-1 {
		mps[i], mps[j] = mps[j], mps[i]
	}
	sort.SliceStable(mps, func(i, j int) bool {
		return strings.Count(mps[i], "/") > strings.Count(mps[j], "/")
	})
}

func pathUnder(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, dir+"/")
}

// mountPoint extracts field 5 of a mountinfo line (proc(5)): "ID PARENT
// MAJ:MIN ROOT MOUNTPOINT OPTIONS ...". Paths are octal-escaped (\040 for
// a space, \011, \012, \134).
func mountPoint(line string) (string, error) {
	f := strings.Fields(line)
	if len(f) < 5 {
		return "", fmt.Errorf("malformed mountinfo line %q", line)
	}
	return unescapeOctal(f[4]), nil
}

func unescapeOctal(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
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

func TestUnescapeOctal(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/plain/path", "/plain/path"},
		{`/with\040space`, "/with space"},
		{`/tab\011and\012nl`, "/tab\tand\nnl"},
		{`/back\134slash`, `/back\slash`},
		{`/short\04`, `/short\04`},
		{`/not\089octal`, `/not\089octal`},
		{`/end\`, `/end\`},
	} {
		if got := unescapeOctal(tc.in); got != tc.want {
			t.Errorf("unescapeOctal(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMountPoint(t *testing.T) {
	for _, tc := range []struct {
		line, want string
		wantErr    bool
	}{
		{"36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw", "/mnt2", false},
		{`99 27 0:50 / /tmp/a\040b/merged rw - overlay overlay rw,lowerdir=/x`, "/tmp/a b/merged", false},
		{"36 35 98:0", "", true},
	} {
		got, err := mountPoint(tc.line)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("mountPoint(%q) = %q, %v; want %q, error %v", tc.line, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestPathUnderAndArgsMention(t *testing.T) {
	const dir = "/tmp/berth-e2e-x-12"
	for _, tc := range []struct {
		p    string
		want bool
	}{
		{dir, true},
		{dir + "/runroot/netns/x", true},
		{dir + "3", false}, // a sibling temp dir with a longer suffix
		{"/tmp", false},
	} {
		if got := pathUnder(tc.p, dir); got != tc.want {
			t.Errorf("pathUnder(%q) = %v, want %v", tc.p, got, tc.want)
		}
		if got := argsMention([]string{"conmon", "--opt=" + tc.p}, dir); got != tc.want {
			t.Errorf("argsMention(%q) = %v, want %v", tc.p, got, tc.want)
		}
	}
}

func TestSortDeepestFirst(t *testing.T) {
	mps := []string{"/d", "/d/a", "/d/a/b", "/d/c", "/d/a"}
	sortDeepestFirst(mps)
	want := []string{"/d/a/b", "/d/a", "/d/c", "/d/a", "/d"}
	if strings.Join(mps, " ") != strings.Join(want, " ") {
		t.Errorf("got %v, want %v", mps, want)
	}
}

func TestParseStat(t *testing.T) {
	// comm with a space and a parenthesis, as proc(5) allows.
	stat := "1234 (we ird) S 99 1234 1234 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 777 1000 10"
	ppid, start, err := parseStat(stat)
	if err != nil || ppid != 99 || start != 777 {
		t.Errorf("parseStat = %d, %d, %v; want 99, 777, nil", ppid, start, err)
	}
	if _, _, err := parseStat("garbage"); err == nil {
		t.Error("parseStat(garbage) succeeded")
	}
}

// TestTeardownHelpers runs the last-resort cleanup on real objects: a tmpfs
// stacked twice with another below it, and a shell that names the directory
// with a child that does not (as conmon and its container).
func TestTeardownHelpers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	t.Parallel()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	inner := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(inner, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, mp := range []string{filepath.Join(dir, "a"), filepath.Join(dir, "a"), inner} {
		if err := unix.Mount("tmpfs", mp, "tmpfs", 0, ""); err != nil {
			t.Fatal(err)
		}
		if mp != inner {
			_ = os.MkdirAll(inner, 0o755)
		}
	}
	t.Cleanup(func() { _ = unmountUnder(dir) })

	// "; :" keeps the shell from exec'ing sleep, so sleep is its child.
	sleeper, err := os.StartProcess("/bin/sh", []string{"sh", "-c", "sleep 60; :", dir + "/marker"},
		&os.ProcAttr{Files: []*os.File{nil, nil, nil}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sleeper.Kill(); _, _ = sleeper.Wait() })
	waitForChild(t, sleeper.Pid)

	n, err := killProcessesMentioning(dir)
	if err != nil || n != 2 {
		t.Fatalf("killProcessesMentioning = %d, %v; want 2 (sh, sleep), nil", n, err)
	}
	st, err := sleeper.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Errorf("shell ended with %v, want SIGKILL", st)
	}
	if procs, err := listProcs(); err != nil {
		t.Fatal(err)
	} else {
		for _, p := range procs {
			if argsMention(p.args, dir) || (p.ppid == sleeper.Pid && !isZombie(p.pid)) {
				t.Errorf("still running: %d %v", p.pid, p.args)
			}
		}
	}

	if err := unmountUnder(dir); err != nil {
		t.Fatal(err)
	}
	if mps, err := mountsUnder(dir); err != nil || len(mps) != 0 {
		t.Fatalf("after unmountUnder: %v, %v", mps, err)
	}
}

// waitForChild waits until pid has forked a child.
func waitForChild(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		procs, err := listProcs()
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range procs {
			if p.ppid == pid {
				return
			}
		}
	}
	t.Fatalf("process %d did not fork within 5s", pid)
}
