package e2e

import (
	"strings"
	"testing"
)

func TestJoinContainerNamespaces(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)

	// base records its namespaces in its shareable /dev/shm.
	e.Run("run", "-d", "--name", "base", "--ipc", "shareable", "--cgroupns", "private", "--hostname", "basehost",
		TestImage, "sh", "-c", "for n in ipc net uts pid cgroup; do readlink /proc/self/ns/$n; done > /dev/shm/ns; sleep 1000").Success(t)
	waitFor(t, func() bool {
		return len(e.Run("run", "--rm", "--ipc", "container:base", TestImage, "cat", "/dev/shm/ns").Lines()) == 5
	})
	want := e.Run("run", "--rm", "--ipc", "container:base", TestImage, "cat", "/dev/shm/ns").Success(t).Lines()
	got := e.Run("run", "--rm", "--ipc", "container:base", "--network", "container:base", "--uts", "container:base",
		"--pid", "container:base", "--cgroupns", "container:base", "--userns", "container:base", TestImage,
		"sh", "-c", "for n in ipc net uts pid cgroup; do readlink /proc/self/ns/$n; done").Success(t).Lines()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("joined namespaces %q, base has %q", got, want)
	}
	e.Run("run", "--rm", "--uts", "container:base", TestImage, "hostname").Success(t).StdoutIs(t, "basehost")
	e.Run("run", "--rm", "--pid", "container:base", TestImage, "ps", "-o", "args").Success(t).StdoutContains(t, "sleep 1000")
	// Without joining, nothing is shared.
	own := e.Run("run", "--rm", TestImage, "readlink", "/proc/self/ns/pid").Success(t).Out()
	if own == want[3] {
		t.Fatalf("a plain container shares base's pid namespace %s", own)
	}

	// A container others join cannot be removed while they exist.
	e.Run("create", "--name", "dep", "--pid", "container:base", TestImage, "sleep", "1000").Success(t)
	e.Run("rm", "-f", "base").Exit(t, 125).StderrContains(t, "dependent containers", "dep", "--depend")
	e.Run("ps", "-a", "--format", "{{.Names}}").Success(t).StdoutIs(t, "dep\nbase")

	// Starting a dependent starts what it depends on (podman's rule).
	e.Run("stop", "-t", "0", "base").Success(t)
	e.Run("start", "dep").Success(t)
	e.Run("ps", "--format", "{{.Names}} {{.State}}").Success(t).StdoutIs(t, "dep running\nbase running")

	e.Run("rm", "-f", "--depend", "base").Success(t)
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
	assertNoLeftovers(t, e)
}

func TestJoinNamespaceBadInput(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("create", "--name", "plain", TestImage, "sleep", "1000").Success(t)

	e.Run("run", "--pid", "container:nosuch", TestImage, "true").Exit(t, 125).StderrContains(t, `no container with name or ID "nosuch"`)
	e.Run("run", "--network", "container:nosuch", TestImage, "true").Exit(t, 125).StderrContains(t, "nosuch")
	e.Run("run", "--ipc", "container:plain", TestImage, "true").Exit(t, 125).StderrContains(t, "not shareable", "--ipc shareable")
	e.Run("run", "--ipc", "bogus", TestImage, "true").Exit(t, 125).StderrContains(t, "invalid --ipc")
	e.Run("run", "--pid", "container:", TestImage, "true").Exit(t, 125).StderrContains(t, "invalid --pid")
	e.Run("run", "--userns", "private", TestImage, "true").Exit(t, 125).StderrContains(t, "not supported")
	e.Run("run", "--uts", "container:plain", "--hostname", "x", TestImage, "true").Exit(t, 125).StderrContains(t, "--hostname cannot be set")
	e.Run("ps", "-a", "--format", "{{.Names}}").Success(t).StdoutIs(t, "plain")

	// The joined container is stopped: it is started first.
	e.Run("run", "--rm", "--pid", "container:plain", TestImage, "ps", "-o", "args").Success(t).StdoutContains(t, "sleep 1000")
	e.Run("ps", "--format", "{{.Names}}").Success(t).StdoutIs(t, "plain")
}
