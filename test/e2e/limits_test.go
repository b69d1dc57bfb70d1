package e2e

import (
	"strings"
	"testing"
)

// --memory 32m and a process allocating more: OOM-killed and reported.
func TestMemoryLimitOOMKill(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	// dd allocates its 128 MiB block buffer in one piece and fills it.
	e.Run("run", "--name", "hog", "--memory", "32m", "--memory-swap", "32m", TestImage,
		"dd", "if=/dev/zero", "of=/dev/null", "bs=128M", "count=1").Exit(t, 137)
	e.Run("inspect", "--format", "{{.State.OOMKilled}} {{.State.ExitCode}} {{.HostConfig.Memory}}", "hog").
		Success(t).StdoutIs(t, "true 137 33554432")
	// Within the limit nothing happens.
	e.Run("run", "--rm", "--memory", "64m", TestImage, "dd", "if=/dev/zero", "of=/dev/null", "bs=8M", "count=1").Success(t)
	e.Run("run", "--rm", "--memory", "1k", TestImage, "true").Exit(t, 125).StderrContains(t, "memory")
	e.Run("run", "--rm", "--memory", "lots", TestImage, "true").Exit(t, 125).StderrContains(t, "lots")
}

// --pids-limit 10 stops a fork bomb inside the container: the 11th fork
// fails and the bomb dies, instead of filling the host's process table.
func TestPidsLimitStopsForkBomb(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	r := e.Run("run", "--name", "bomb", "--pids-limit", "10", TestImage, "sh", "-c", "while true; do sleep 30 & done")
	if r.ExitCode == 0 || r.ExitCode == 125 {
		t.Fatalf("fork bomb exit code %d, want the shell's failure", r.ExitCode)
	}
	r.StderrContains(t, "can't fork")
	e.Run("inspect", "--format", "{{.HostConfig.PidsLimit}}", "bomb").Success(t).StdoutIs(t, "10")
}

func TestUpdateCPUsAndUlimits(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "-d", "--name", "u", "--cpus", "0.5", TestImage, "sleep", "60").Success(t)
	id := e.Run("inspect", "--format", "{{.Id}}", "u").Success(t).Out()
	quota := func() string {
		return strings.TrimSpace(readFile(t, "/sys/fs/cgroup/cpu/berth/"+id+"/cpu.cfs_quota_us"))
	}
	if q := quota(); q != "50000" {
		t.Errorf("cpu quota %s, want 50000", q)
	}
	e.Run("update", "--cpus", "1.5", "--memory", "48m", "u").Success(t).StdoutIs(t, "u")
	if q := quota(); q != "150000" {
		t.Errorf("after update: cpu quota %s, want 150000", q)
	}
	e.Run("inspect", "--format", "{{.HostConfig.NanoCpus}} {{.HostConfig.Memory}}", "u").Success(t).StdoutIs(t, "1500000000 50331648")
	e.Run("update", "u").Exit(t, 125)
	e.Run("update", "--blkio-weight", "5", "u").Exit(t, 125)
	e.Run("update", "--cpus", "1", "nosuch").Exit(t, 125)

	e.Run("run", "--rm", "--ulimit", "nofile=100:200", TestImage, "sh", "-c", "ulimit -n; ulimit -Hn").Success(t).StdoutIs(t, "100\n200")
	e.Run("run", "--rm", "--ulimit", "nofile=2:1", TestImage, "true").Exit(t, 125)
	// Without --ulimit the container has berth's own limits, never more.
	e.Run("run", "--rm", TestImage, "sh", "-c", "ulimit -Hn").Success(t)
}
