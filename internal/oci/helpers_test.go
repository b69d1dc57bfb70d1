package oci

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

const (
	busybox = "/usr/bin/busybox"
	// fakeConmonEnv makes the test binary act as a long-sleeping process
	// (see TestMain), for KillConmon tests.
	fakeConmonEnv = "BERTH_OCI_TEST_FAKE_CONMON"
)

func TestMain(m *testing.M) {
	if os.Getenv(fakeConmonEnv) == "1" {
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// testEnv is one container's worth of directories plus a runtime with its own
// state root.
type testEnv struct {
	rt   *Runtime
	dir  string
	opts CreateOptions
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	for _, p := range []string{busybox, defaultConmon} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("needs %s", p)
		}
	}
}

func newID(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "berth-oci-test-" + hex.EncodeToString(b)
}

// newTestEnv builds a busybox bundle that runs args, and registers cleanup of
// the runtime container and conmon. longPath makes the bundle path longer
// than sun_path (108 bytes) to exercise --full-attach and the attach dial.
func newTestEnv(t *testing.T, longPath bool, args ...string) *testEnv {
	t.Helper()
	requireRoot(t)
	dir := t.TempDir()
	rt, err := New(t.Context(), Config{RuntimePath: "runc", StateRoot: filepath.Join(dir, "runc")})
	if err != nil {
		t.Skipf("runc: %v", err)
	}
	id := newID(t)
	bundle := filepath.Join(dir, "ctr")
	if longPath {
		bundle = filepath.Join(dir, strings.Repeat("a-rather-long-directory-name-", 4), "ctr")
	}
	writeBundle(t, bundle, id, args)
	exits := filepath.Join(dir, "exits")
	persist := filepath.Join(dir, "persist")
	for _, d := range []string{exits, persist} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	e := &testEnv{rt: rt, dir: dir, opts: CreateOptions{
		ID:            id,
		Name:          id,
		Bundle:        bundle,
		LogPath:       filepath.Join(dir, "ctr.log"),
		ExitDir:       exits,
		PersistDir:    persist,
		PidFile:       filepath.Join(dir, "pidfile"),
		ConmonPidFile: filepath.Join(dir, "conmon.pid"),
	}}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := rt.Delete(ctx, id, true); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		if err := KillConmon(e.opts.ConmonPidFile, id); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		removeTestCgroups()
	})
	return e
}

// removeTestCgroups removes the empty /berth-test parents runc leaves in each
// cgroup hierarchy (runc delete removes only the container's own cgroup).
func removeTestCgroups() {
	dirs, _ := filepath.Glob("/sys/fs/cgroup/*/berth-test")
	dirs = append(dirs, "/sys/fs/cgroup/berth-test")
	for _, d := range dirs {
		_ = os.Remove(d)
	}
}

func writeBundle(t *testing.T, bundle, id string, args []string) {
	t.Helper()
	rootfs := filepath.Join(bundle, "rootfs")
	for _, d := range []string{"bin", "proc", "dev", "tmp"} {
		if err := os.MkdirAll(filepath.Join(rootfs, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, busybox, filepath.Join(rootfs, "bin", "busybox"))
	for _, name := range []string{"sh", "echo", "sleep", "true", "cat"} {
		if err := os.Symlink("busybox", filepath.Join(rootfs, "bin", name)); err != nil {
			t.Fatal(err)
		}
	}
	spec := specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			Args: args,
			Env:  []string{"PATH=/bin"},
			Cwd:  "/",
		},
		Root:     &specs.Root{Path: "rootfs"},
		Hostname: "oci-test",
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		},
		Linux: &specs.Linux{
			CgroupsPath: "/berth-test/" + id,
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.MountNamespace},
				{Type: specs.IPCNamespace}, {Type: specs.UTSNamespace},
			},
		},
	}
	b, err := json.Marshal(&spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// startFake starts the test binary as a sleeping process with the given argv
// (argv[0] included) and kills it at cleanup.
func startFake(t *testing.T, argv ...string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := &exec.Cmd{Path: self, Args: argv, Env: append(os.Environ(), fakeConmonEnv+"=1")}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// The state follows the ")" that ends the command name.
	i := strings.LastIndexByte(string(b), ')')
	return i >= 0 && i+2 < len(b) && b[i+2] != 'Z'
}

// processesMentioning lists PIDs whose cmdline contains s (leftover conmon
// or runc processes of a container).
func processesMentioning(s string) []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && strings.Contains(string(b), s) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// cgroupsLeft lists cgroup directories of container id that still exist.
func cgroupsLeft(id string) []string {
	dirs, _ := filepath.Glob("/sys/fs/cgroup/*/berth-test/" + id)
	more, _ := filepath.Glob("/sys/fs/cgroup/berth-test/" + id)
	return append(dirs, more...)
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still alive", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
