package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Two parallel `run --name same` give exactly one container.
func TestParallelSameName(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	const n = 4
	var wg sync.WaitGroup
	codes := make([]int, n)
	stderrs := make([]string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := e.Run("run", "-d", "--name", "same", TestImage, "sleep", "30")
			codes[i], stderrs[i] = r.ExitCode, r.Stderr
		}(i)
	}
	wg.Wait()
	ok := 0
	for i, c := range codes {
		if c == 0 {
			ok++
		} else if !strings.Contains(stderrs[i], "already in use") {
			t.Errorf("run %d failed for another reason than the name: %s", i, stderrs[i])
		}
	}
	if ok != 1 {
		t.Fatalf("%d of %d parallel runs with one name succeeded (codes %v), want 1", ok, n, codes)
	}
	e.Run("ps", "-a", "--format", "{{.Names}}").Success(t).StdoutIs(t, "same")
	e.Run("rm", "-f", "same").Success(t)
	assertNoLeftovers(t, e)
}

// kill -9 of berth at any moment of `run -d` leaves a container that
// `rm -f` removes completely: no conmon, no runtime container, no mount.
func TestKilledRunIsRepairedByRm(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	// Spread the kills over the whole command (it takes ~100-200 ms).
	for i, delay := range []time.Duration{5, 20, 40, 60, 80, 100, 130, 170} {
		name := fmt.Sprintf("k%d", i)
		p := e.Start("run", "-d", "--name", name, TestImage, "sleep", "60")
		time.Sleep(delay * time.Millisecond)
		p.Cmd.Process.Signal(syscall.SIGKILL) // it may have finished already
		p.Wait(t)
		id := e.Run("ps", "-aq", "--no-trunc", "--filter", "name="+name).Out()
		// Whatever state it reached, rm -f finishes the job (or the name
		// was never stored, and rm -f of nothing succeeds).
		e.Run("rm", "-f", "--ignore", name).Success(t)
		// Also the cgroups of a runtime killed in the middle of its create.
		if id != "" {
			if left, _ := filepath.Glob("/sys/fs/cgroup/*/berth/" + id); len(left) != 0 {
				t.Errorf("cgroups left after rm -f of %s: %v", name, left)
			}
		}
	}
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
	assertNoLeftovers(t, e)
}

// kill -9 of berth during `rm -f` leaves a container the next rm -f
// removes completely.
func TestKilledRmIsFinishedByRm(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	for i, delay := range []time.Duration{2, 10, 25, 50} {
		name := fmt.Sprintf("r%d", i)
		e.Run("run", "-d", "--name", name, TestImage, "sleep", "60").Success(t)
		p := e.Start("rm", "-f", name)
		time.Sleep(delay * time.Millisecond)
		p.Cmd.Process.Signal(syscall.SIGKILL) // it may have finished already
		p.Wait(t)
		e.Run("rm", "-f", "--ignore", name).Success(t)
	}
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
	assertNoLeftovers(t, e)
}

// After a reboot the run root is empty while the database says running:
// the next command shows the container exited, and it can start again.
func TestRebootResetsRunningContainers(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	id := e.Run("run", "-d", "--name", "survivor", TestImage, "sleep", "60").Success(t).Out()
	simulateReboot(t, e, id)
	e.Run("ps", "-a", "--format", "{{.Names}} {{.State}}").Success(t).StdoutIs(t, "survivor exited")
	e.Run("start", "survivor").Success(t)
	e.Run("inspect", "--format", "{{.State.Status}}", "survivor").Success(t).StdoutIs(t, "running")
	e.Run("rm", "-f", "survivor").Success(t)
	assertNoLeftovers(t, e)
}

// Several first commands at once on a fresh root all succeed: lazily made
// shared objects (the default network, the store) are created once.
func TestParallelFirstRuns(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	const n = 4
	var wg sync.WaitGroup
	results := make([]*Result, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = e.Run("run", "--rm", TestImage, "true")
		}(i)
	}
	wg.Wait()
	for i, r := range results {
		if r.ExitCode != 0 {
			t.Errorf("run %d: exit %d: %s", i, r.ExitCode, r.Stderr)
		}
	}
}
