package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// newPodEnv is newImageEnv whose pods are removed before the Env's own
// teardown (rm -fa refuses infra containers of existing pods).
func newPodEnv(t *testing.T) *Env {
	t.Helper()
	e := newImageEnv(t)
	removePodsAtCleanup(t, e)
	return e
}

// removePodsAtCleanup removes every pod of e when the test ends (cleanups
// run last-registered first).
func removePodsAtCleanup(t *testing.T, e *Env) {
	t.Cleanup(func() {
		if r := e.Run("pod", "rm", "-fa"); r.ExitCode != 0 {
			t.Logf("cleanup: pod rm -fa: %s", r.Stderr)
		}
	})
}

func TestPodSharesNetworkHostnameAndIPC(t *testing.T) {
	t.Parallel()
	e := newPodEnv(t)

	id := e.Run("pod", "create", "--name", "web", "--hostname", "podhost", "--label", "app=site").Success(t).Out()
	if len(id) != 64 {
		t.Fatalf("pod create printed %q, want a pod ID", id)
	}
	e.Run("pod", "ps", "--format", "{{.Name}} {{.Status}} {{.NumberOfContainers}}").Success(t).StdoutIs(t, "web Created 1")

	// An httpd in the pod serves its /etc; a second container of the pod
	// fetches it on 127.0.0.1 (the shared network namespace's loopback)
	// and sees the same hostname.
	e.Run("run", "-d", "--pod", "web", "--name", "srv", TestImage, "httpd", "-f", "-p", "80", "-h", "/etc").Success(t)
	e.Run("pod", "ps", "--format", "{{.Name}} {{.Status}}").Success(t).StdoutIs(t, "web Running")
	var got string
	waitFor(t, func() bool {
		got = e.Run("run", "--rm", "--pod", "web", TestImage, "wget", "-qO-", "http://127.0.0.1/hostname").Out()
		return got == "podhost"
	})
	e.Run("run", "--rm", "--pod", "web", TestImage, "hostname").Success(t).StdoutIs(t, "podhost")

	// IPC: /dev/shm is the pod's, and so is the IPC namespace.
	e.Run("run", "--rm", "--pod", "web", TestImage, "sh", "-c", "echo shared > /dev/shm/f").Success(t)
	e.Run("run", "--rm", "--pod", "web", TestImage, "cat", "/dev/shm/f").Success(t).StdoutIs(t, "shared")
	ns1 := e.Run("run", "--rm", "--pod", "web", TestImage, "readlink", "/proc/self/ns/ipc").Success(t).Out()
	ns2 := e.Run("run", "--rm", "--pod", "web", TestImage, "readlink", "/proc/self/ns/ipc").Success(t).Out()
	outside := e.Run("run", "--rm", TestImage, "readlink", "/proc/self/ns/ipc").Success(t).Out()
	if ns1 != ns2 || ns1 == outside {
		t.Fatalf("ipc namespaces: pod %q and %q, outside %q", ns1, ns2, outside)
	}
	// PID is not shared by default.
	e.Run("run", "--rm", "--pod", "web", TestImage, "ps").Success(t).StdoutLacks(t, "httpd")

	// ps --pod and pod ps agree on who is in the pod.
	ps := e.Run("ps", "-a", "--pod", "--filter", "pod=web", "--format", "{{.Names}} {{.PodName}} {{.Pod}}").Success(t).Lines()
	if len(ps) != 2 || ps[0] != "srv web "+id || ps[1] != id[:12]+"-infra web "+id {
		t.Fatalf("ps --pod: %q", ps)
	}
	e.Run("pod", "ps", "--ctr-names", "--format", "{{.ContainerNames}}").Success(t).StdoutIs(t, id[:12]+"-infra,srv")
	e.Run("ps", "-a", "--pod").Success(t).StdoutContains(t, "POD ID", "PODNAME", id[:12])
	e.Run("ps", "-a", "--filter", "pod=nosuchpod", "-q").Success(t).StdoutIs(t, "")

	// Stop: every container, the infra container last.
	e.Run("pod", "stop", "-t", "1", "web").Success(t).StdoutIs(t, id)
	e.Run("pod", "ps", "--format", "{{.Status}} {{.ContainerStatuses}}", "--ctr-status").Success(t).StdoutIs(t, "Exited exited,exited")
	srvEnd := finishedAt(t, e, "srv")
	infraEnd := finishedAt(t, e, id[:12]+"-infra")
	if infraEnd.Before(srvEnd) {
		t.Fatalf("infra stopped at %v, before srv at %v", infraEnd, srvEnd)
	}
	e.Run("pod", "rm", "web").Success(t).StdoutIs(t, id)
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
	e.Run("pod", "exists", "web").Exit(t, 1)
	assertNoLeftovers(t, e)
	assertNoPodCgroup(t, id)
}

func finishedAt(t *testing.T, e *Env, name string) time.Time {
	t.Helper()
	s := e.Run("inspect", "--format", "{{.State.FinishedAt}}", name).Success(t).Out()
	ts, err := time.Parse("2006-01-02 15:04:05.999999999 -0700 MST", s)
	if err != nil {
		t.Fatalf("FinishedAt of %s: %v", name, err)
	}
	return ts
}

func assertNoPodCgroup(t *testing.T, podID string) {
	t.Helper()
	for _, ctrl := range []string{"memory", "cpu", "pids", "unified"} {
		p := filepath.Join("/sys/fs/cgroup", ctrl, "berth", "pod-"+podID)
		if _, err := os.Stat(p); err == nil {
			t.Errorf("pod cgroup left: %s", p)
		}
	}
}

func TestPodSharedPIDAndLifecycle(t *testing.T) {
	t.Parallel()
	e := newPodEnv(t)

	e.Run("pod", "create", "--name", "p", "--share", "+pid").Success(t)
	e.Run("pod", "inspect", "--format", "{{.SharedNamespaces}} {{.CreateInfra}} {{.InfraConfig.Image}}", "p").
		Success(t).StdoutIs(t, "[ipc net uts pid] true localhost/berth-infra:latest")
	e.Run("run", "-d", "--pod", "p", "--name", "sleeper", TestImage, "sleep", "1000").Success(t)
	// With the PID namespace shared, ps sees the other container's
	// process and the infra's catatonit (PID 1).
	e.Run("run", "--rm", "--pod", "p", TestImage, "ps", "-o", "pid,args").Success(t).
		StdoutContains(t, "sleep 1000", "catatonit -P")

	e.Run("pod", "pause", "p").Success(t)
	e.Run("pod", "ps", "--format", "{{.Status}}").Success(t).StdoutIs(t, "Paused")
	e.Run("pod", "unpause", "p").Success(t)
	e.Run("pod", "ps", "--format", "{{.Status}}").Success(t).StdoutIs(t, "Running")

	// A running pod is removed only with -f; nothing is removed before.
	e.Run("pod", "rm", "p").Exit(t, 125).StderrContains(t, "running containers", "-f")
	e.Run("pod", "exists", "p").Success(t)
	e.Run("ps", "-q").Success(t)
	if n := len(e.Run("ps", "-q").Lines()); n != 2 {
		t.Fatalf("%d containers run after a refused pod rm, want 2", n)
	}
	// The infra container belongs to the pod, and others depend on it.
	infra := e.Run("pod", "inspect", "--format", "{{.InfraContainerID}}", "p").Success(t).Out()
	e.Run("rm", "-f", infra).Exit(t, 125).StderrContains(t, "dependent containers", "sleeper")

	e.Run("pod", "kill", "p").Success(t)
	waitFor(t, func() bool {
		return e.Run("pod", "ps", "--format", "{{.Status}}").Out() == "Exited"
	})
	e.Run("pod", "restart", "-t", "1", "p").Success(t)
	e.Run("pod", "ps", "--format", "{{.Status}}").Success(t).StdoutIs(t, "Running")
	e.Run("pod", "stats", "--no-stream", "--format", "{{.Name}}", "p").Success(t).StdoutContains(t, "sleeper")
	e.Run("pod", "rm", "-f", "p").Success(t)
	e.Run("pod", "ps", "-q").Success(t).StdoutIs(t, "")
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
	assertNoLeftovers(t, e)
}

func TestPodLogsInspectPruneAndNoInfra(t *testing.T) {
	t.Parallel()
	e := newPodEnv(t)

	e.Run("pod", "create", "--name", "logs", "--memory", "64m", "--cpus", "0.5").Success(t)
	e.Run("run", "--pod", "logs", "--name", "one", TestImage, "echo", "from one").Success(t)
	e.Run("run", "--pod", "logs", "--name", "two", TestImage, "echo", "from two").Success(t)
	e.Run("pod", "logs", "--names", "logs").Success(t).StdoutIs(t, "one from one\ntwo from two")
	e.Run("pod", "logs", "-c", "two", "logs").Success(t).StdoutContains(t, "from two").StdoutLacks(t, "from one")
	e.Run("pod", "logs", "--tail", "x", "logs").Exit(t, 125).StderrContains(t, "--tail")
	e.Run("pod", "logs", "--since", "yesterday-ish", "logs").Exit(t, 125).StderrContains(t, "--since")
	e.Run("pod", "inspect", "--format", "{{.MemoryLimit}} {{.CPUQuota}} {{.CPUPeriod}} {{.NumContainers}}", "logs").
		Success(t).StdoutIs(t, "67108864 50000 100000 3")
	// The pod's containers live in the pod's cgroup, under its limit.
	e.Run("run", "--rm", "--pod", "logs", TestImage, "sh", "-c", "cat /proc/self/cgroup").Success(t).StdoutContains(t, "/berth/pod-")
	e.Run("pod", "ps", "--filter", "ctr-names=^two$", "--format", "{{.Name}} {{.Status}}").Success(t).StdoutIs(t, "logs Degraded")

	e.Run("pod", "create", "--name", "bare", "--infra=false", "--label", "k=v").Success(t)
	e.Run("pod", "inspect", "--format", "{{.CreateInfra}} {{.NumContainers}} {{.SharedNamespaces}}", "bare").Success(t).StdoutIs(t, "false 0 []")
	e.Run("run", "--pod", "bare", "--name", "lone", TestImage, "true").Success(t)
	e.Run("pod", "ps", "--filter", "label=k=v", "--format", "{{.Name}} {{.Status}} {{.InfraID}}").Success(t).StdoutIs(t, "bare Exited ")

	e.Run("pod", "stop", "-t", "1", "logs").Success(t)
	e.Run("pod", "prune", "-f").Success(t)
	e.Run("pod", "ps", "-q").Success(t).StdoutIs(t, "")
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
	assertNoLeftovers(t, e)
}

func TestPodNewAndBadInput(t *testing.T) {
	t.Parallel()
	e := newPodEnv(t)

	// --pod new:NAME creates the pod with the container.
	e.Run("run", "--rm", "--pod", "new:fresh", TestImage, "hostname").Success(t).StdoutIs(t, "fresh")
	e.Run("pod", "exists", "fresh").Success(t)
	// ... and nothing when the container cannot be created.
	e.Run("run", "--rm", "--pod", "new:broken", "localhost/nosuchimage", "true").Exit(t, 125)
	e.Run("pod", "exists", "broken").Exit(t, 1)

	before := e.Run("ps", "-aq").Success(t).Out()
	e.Run("pod", "create", "--name", "fresh").Exit(t, 125).StderrContains(t, "pod name fresh is in use")
	e.Run("run", "--pod", "new:fresh", TestImage, "true").Exit(t, 125).StderrContains(t, "in use")
	e.Run("pod", "create", "--share", "ipc,bogus").Exit(t, 125).StderrContains(t, `"bogus" is not a namespace`)
	e.Run("pod", "create", "--infra=false", "--share", "net").Exit(t, 125).StderrContains(t, "infra container")
	e.Run("pod", "create", "--name", "bad/name").Exit(t, 125).StderrContains(t, "invalid pod name")
	e.Run("run", "--pod", "nosuchpod", TestImage, "true").Exit(t, 125).StderrContains(t, "no pod with name or ID nosuchpod")
	e.Run("run", "--pod", "fresh", "--hostname", "mine", TestImage, "true").Exit(t, 125).StderrContains(t, "--hostname cannot be set")
	e.Run("run", "--pod", "fresh", "--ipc", "host", TestImage, "true").Exit(t, 125).StderrContains(t, "shares its ipc namespace")
	e.Run("pod", "ps", "--format", "{{.Name}}").Success(t).StdoutIs(t, "fresh")
	if after := e.Run("ps", "-aq").Success(t).Out(); after != before {
		t.Fatalf("containers changed by refused commands: %q -> %q", before, after)
	}
	e.Run("pod", "inspect", "nosuchpod").Exit(t, 125).StderrContains(t, "no pod")
	e.Run("pod", "start", "nosuchpod").Exit(t, 125)
}

// Published ports belong to the pod. The pods live on their own network,
// so no other test root's container on the shared default bridge can be
// handed the pod's address.
func TestPodPorts(t *testing.T) {
	t.Parallel()
	e := newPodEnv(t)
	n := newPodTestNet(t, e, 4)
	e.Run("pod", "create", "--network", n.Name, "--name", "pp").Success(t)
	e.Run("run", "--pod", "pp", "-p", "8080:80", TestImage, "true").Exit(t, 125).StderrContains(t, "publish")
	if n := len(e.Run("ps", "-a", "--filter", "pod=pp", "-q").Success(t).Lines()); n != 1 {
		t.Fatalf("%d containers in pod pp after a refused run, want only the infra", n)
	}
	// Ports published on the pod reach a member's server from the host.
	port := freePort(t)
	e.Run("pod", "create", "--network", n.Name, "--name", "pw", "-p", fmt.Sprintf("127.0.0.1:%d:80", port)).Success(t)
	e.Run("run", "-d", "--pod", "pw", TestImage, "httpd", "-f", "-p", "80", "-h", "/etc").Success(t)
	if got := strings.TrimSpace(getURL(t, fmt.Sprintf("http://127.0.0.1:%d/hostname", port))); got != "pw" {
		t.Errorf("GET through the pod's port = %q, want the pod's hostname pw", got)
	}
	e.Run("port", e.Run("pod", "inspect", "--format", "{{.InfraContainerID}}", "pw").Success(t).Out()).
		Success(t).StdoutIs(t, fmt.Sprintf("80/tcp -> 127.0.0.1:%d", port))
}

func TestPodTop(t *testing.T) {
	t.Parallel()
	e := newPodEnv(t)
	e.Run("pod", "create", "--name", "tp").Success(t)
	e.Run("run", "-d", "--pod", "tp", "--name", "sleeper", TestImage, "sleep", "60").Success(t)
	r := e.Run("pod", "top", "tp", "pid,args").Success(t)
	lines := r.Lines()
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "NAME") {
		t.Fatalf("pod top:\n%s", r.Stdout)
	}
	r.StdoutContains(t, "sleeper", "sleep 60", "catatonit")
	e.Run("pod", "top", "nosuch").Exit(t, 125)
	e.Run("pod", "top", "tp", "bogus").Exit(t, 125)
}
