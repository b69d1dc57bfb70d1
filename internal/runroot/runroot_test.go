package runroot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestPrepare(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting needs root")
	}
	base := t.TempDir()
	fresh := filepath.Join(base, "fresh", "run")
	used := filepath.Join(base, "used")
	if err := os.MkdirAll(used, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(used, "live-state"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		unix.Unmount(fresh, unix.MNT_DETACH)
		unix.Unmount(used, unix.MNT_DETACH)
	})
	if onTmpfs(base) {
		t.Skip("the test directory is on a tmpfs already")
	}

	// A new run root gets a tmpfs, once.
	for range 2 {
		if err := Prepare(fresh); err != nil {
			t.Fatalf("Prepare: %v", err)
		}
	}
	if !onTmpfs(fresh) {
		t.Error("a new run root is not on a tmpfs")
	}
	if n := mountsAt(t, fresh); n != 1 {
		t.Errorf("%d mounts on the run root, want 1", n)
	}
	// One that already holds files is left alone.
	if err := Prepare(used); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	if onTmpfs(used) {
		t.Error("a run root with files got a tmpfs over them")
	}
	if _, err := os.Stat(filepath.Join(used, "live-state")); err != nil {
		t.Errorf("existing file hidden: %v", err)
	}
}

// mountsAt counts the mounts whose mount point (field 5 of mountinfo) is
// dir.
func mountsAt(t *testing.T, dir string) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && f[4] == dir {
			n++
		}
	}
	return n
}
