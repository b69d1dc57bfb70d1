package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// waitFor polls cond for up to 10 s; state changes made by another process
// (conmon's cleanup) are only observable this way.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runc runs the OCI runtime against this Env's runtime state root, to
// check what the runtime itself knows.
func (e *Env) runc(args ...string) *Result {
	e.T.Helper()
	cmd := exec.Command("runc", append([]string{"--root", filepath.Join(e.RunRoot, "runtime")}, args...)...)
	out, err := cmd.Output()
	r := &Result{Args: append([]string{"runc"}, args...), Stdout: string(out)}
	r.setError(err, nil)
	return r
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func removeFile(path string) error { return os.Remove(path) }
