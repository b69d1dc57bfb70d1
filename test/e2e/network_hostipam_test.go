package e2e

import (
	"os"
	"strings"
	"testing"
)

// The default bridge berth0 is shared by every berth root on the host,
// and its addresses are leased host-wide (docs/networking.md). These tests
// use the real lease file, like the real bridge: that is the behaviour
// under test. Static addresses stay in 10.89.0.245-249, away from other
// tests.

// leasesMention reports whether the host-wide lease file names root.
func leasesMention(root string) bool {
	b, _ := os.ReadFile("/run/lock/berth-default.leases")
	return strings.Contains(string(b), `"`+root+`"`)
}

func addrOf(t *testing.T, e *Env, ctr string) string {
	t.Helper()
	return e.Run("inspect", "--format", "{{.NetworkSettings.IPAddress}}", ctr).Success(t).Out()
}

func TestDefaultNetworkAddressesAcrossRoots(t *testing.T) {
	t.Parallel()
	a := newImageEnv(t)
	b := newImageEnv(t)

	// Two fresh roots, each with its own IPAM, run on the default bridge
	// at the same time: the second leaves out what the first holds.
	a.Run(append([]string{"run", "-d", "--name", "a1", TestImage}, httpdCmd("a1")...)...).Success(t)
	b.Run("run", "-d", "--name", "b1", TestImage, "sleep", "600").Success(t)
	ipA, ipB := addrOf(t, a, "a1"), addrOf(t, b, "b1")
	if ipA == "" || ipA == ipB {
		t.Fatalf("root a got %q, root b got %q on the shared bridge", ipA, ipB)
	}
	// Both work: b1 reaches a1's server across the roots.
	waitFor(t, func() bool { return b.Run("exec", "b1", "sh", "-c", httpGetNC(ipA)).Out() == "hello from a1" })

	// A static address one root holds is refused in the other, and the
	// refused start leaves nothing behind.
	const ip = "10.89.0.247"
	a.Run("run", "-d", "--name", "a2", "--ip", ip, TestImage, "sleep", "600").Success(t)
	before := len(netnsFiles(b))
	b.Run("run", "-d", "--name", "b2", "--ip", ip, TestImage, "sleep", "600").Exit(t, 125).
		StderrContains(t, ip, "already allocated", a.Root)
	b.Run("run", "--rm", "--ip", ip, TestImage, "true").Exit(t, 125)
	if f := netnsFiles(b); len(f) != before {
		t.Fatalf("netns files of root b after refused starts: %v (%d before)", f, before)
	}
	// Once its container is removed, the other root can take it.
	a.Run("rm", "-f", "a2").Success(t)
	b.Run("start", "b2").Success(t)
	b.Run("exec", "b2", "ip", "-4", "-o", "addr", "show", "eth0").Success(t).StdoutContains(t, ip+"/24")

	// A stopped container gives its address back too.
	b.Run("stop", "-t", "0", "b2").Success(t)
	waitFor(t, func() bool { return a.Run("run", "--rm", "--ip", ip, TestImage, "true").ExitCode == 0 })

	// Removing the containers ends the root's leases.
	if !leasesMention(a.Root) {
		t.Fatalf("no lease of root a while a1 runs")
	}
	a.Run("rm", "-f", "a1").Success(t)
	if leasesMention(a.Root) {
		t.Fatalf("root a's leases outlive its containers")
	}
}

// network rm -f removes the pods whose infra container uses the network,
// with their members (podman 4.3).
func TestNetworkRemoveForceRemovesPods(t *testing.T) {
	t.Parallel()
	e := newPodEnv(t)
	n := newTestNet(t, e, 231, 70)

	e.Run("pod", "create", "--network", n.Name, "--name", "p1").Success(t)
	e.Run("run", "-d", "--pod", "p1", "--name", "member", TestImage, "sleep", "600").Success(t)
	e.Run("create", "--name", "plain", "--network", n.Name, TestImage, "true").Success(t)
	e.Run("network", "rm", n.Name).Exit(t, 125).StderrContains(t, "used by")

	e.Run("network", "rm", "-f", n.Name).Success(t).StdoutIs(t, n.Name)
	e.Run("pod", "ps", "-q").Success(t).StdoutIs(t, "")
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
	e.Run("network", "exists", n.Name).Exit(t, 1)
	if linkExists(n.Bridge) {
		t.Fatalf("bridge %s still there (ports %v)", n.Bridge, portsOn(n.Bridge))
	}
	if f := netnsFiles(e); len(f) != 0 {
		t.Fatalf("netns files left: %v", f)
	}
	assertNoLeftovers(t, e)
}
