package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// Pod tests that need a network use their own (10.232.N.0/24), so that
// they neither touch nor depend on the shared default bridge.

// newPodTestNet is newTestNet for pods: the pods go first (LIFO cleanup),
// so that the network's removal finds no user left.
func newPodTestNet(t *testing.T, e *Env, b int) testNet {
	t.Helper()
	n := newTestNet(t, e, 232, b)
	removePodsAtCleanup(t, e)
	return n
}

func TestPodOnUserNetwork(t *testing.T) {
	t.Parallel()
	e := newPodEnv(t)
	n := newPodTestNet(t, e, 1)

	// The pod's name as an argument; the network settings are the infra
	// container's, so the pod has one address, MAC and alias.
	ip, mac := n.Prefix+"7", "02:42:0a:e8:01:07"
	e.Run("pod", "create", "--network", n.Name, "--ip", ip, "--mac-address", mac,
		"--network-alias", "podalias", "--hostname", "podhost", "pnet").Success(t)
	e.Run("pod", "ps", "--format", "{{.Name}} {{.Networks}}").Success(t).StdoutIs(t, "pnet "+n.Name)
	e.Run("pod", "inspect", "--format", "{{.InfraConfig.NetworkMode}} {{.InfraConfig.Networks}} {{.InfraConfig.StaticIPs}} {{.InfraConfig.StaticMAC}}", "pnet").
		Success(t).StdoutIs(t, fmt.Sprintf("bridge [%s] [%s] %s", n.Name, ip, mac))

	// Two containers of the pod share one network namespace: the same
	// namespace, the same eth0 address from the network's subnet, the
	// same hostname.
	e.Run(append([]string{"run", "-d", "--pod", "pnet", "--name", "srv", TestImage}, httpdCmd("pnet")...)...).Success(t)
	show := "readlink /proc/self/ns/net; ip -4 -o addr show eth0 | awk '{print $4}'; cat /sys/class/net/eth0/address; hostname"
	want := strings.Join([]string{"", ip + "/24", mac, "podhost"}, "\n")
	inSrv := e.Run("exec", "srv", "sh", "-c", show).Success(t).Out()
	inRun := e.Run("run", "--rm", "--pod", "pnet", TestImage, "sh", "-c", show).Success(t).Out()
	if inSrv != inRun || !strings.HasSuffix(inSrv, want) {
		t.Fatalf("network of the pod's containers:\nsrv:\n%s\nrun --pod:\n%s\nwant both to end with:%s", inSrv, inRun, want)
	}
	// A container of the pod reaches the other on 127.0.0.1; one outside
	// the pod, on the same network, by the pod's alias.
	waitFor(t, func() bool {
		return e.Run("run", "--rm", "--pod", "pnet", TestImage, "sh", "-c", httpGetNC("127.0.0.1")).Out() == "hello from pnet"
	})
	e.Run("run", "--rm", "--network", n.Name, TestImage, "sh", "-c", httpGetNC("podalias")).Success(t).StdoutIs(t, "hello from pnet")

	e.Run("pod", "rm", "-f", "pnet").Success(t)
	if v := vethsOn(n.Bridge); len(v) != 0 {
		t.Errorf("veths left on %s after pod rm -f: %v", n.Bridge, v)
	}
	assertNoLeftovers(t, e)
}

func TestPodNetworkModes(t *testing.T) {
	t.Parallel()
	e := newPodEnv(t)
	a := newPodTestNet(t, e, 2)
	b := newPodTestNet(t, e, 3)

	// Several networks, repeated or as a list: eth0, eth1 in order.
	e.Run("pod", "create", "--network", a.Name, "--network", b.Name, "two").Success(t)
	e.Run("pod", "create", "--network", b.Name+","+a.Name, "--name", "list").Success(t)
	e.Run("pod", "ps", "--filter", "name=^two$", "--format", "{{.Networks}}").Success(t).StdoutIs(t, a.Name+","+b.Name)
	e.Run("pod", "inspect", "--format", "{{.InfraConfig.Networks}}", "list").Success(t).StdoutIs(t, "["+b.Name+" "+a.Name+"]")
	addrs := e.Run("run", "--rm", "--pod", "two", TestImage, "sh", "-c", "ip -4 -o addr | awk '{print $2, $4}'").Success(t).Out()
	if want := "lo 127.0.0.1/8\neth0 " + a.Prefix + "2/24\neth1 " + b.Prefix + "2/24"; addrs != want {
		t.Errorf("addresses in pod two:\n%s\nwant:\n%s", addrs, want)
	}
	// bridge is the default network (created, not started here: the
	// shared default bridge is not touched).
	e.Run("pod", "create", "--network", "bridge", "onbridge").Success(t)
	e.Run("pod", "inspect", "--format", "{{.InfraConfig.NetworkMode}} {{.InfraConfig.Networks}}", "onbridge").Success(t).StdoutIs(t, "bridge [berth]")

	// none: the pod has only lo; host: the host's interfaces.
	e.Run("pod", "create", "--network", "none", "nonet").Success(t)
	e.Run("run", "--rm", "--pod", "nonet", TestImage, "ls", "/sys/class/net").Success(t).StdoutIs(t, "lo")
	e.Run("pod", "inspect", "--format", "{{.InfraConfig.NetworkMode}} {{.InfraConfig.Networks}}", "nonet").Success(t).StdoutIs(t, "none []")
	e.Run("pod", "create", "--network", "host", "hostnet").Success(t)
	e.Run("run", "--rm", "--pod", "hostnet", TestImage, "ls", "/sys/class/net").Success(t).StdoutContains(t, a.Bridge)

	// --no-hosts: the members keep the image's (empty) /etc/hosts too.
	e.Run("pod", "create", "--network", "none", "--no-hosts", "nohosts").Success(t)
	e.Run("run", "--rm", "--pod", "nohosts", TestImage, "cat", "/etc/hosts").Success(t).StdoutIs(t, "")

	// The pod's resolv.conf options reach its containers.
	e.Run("pod", "create", "--network", a.Name, "--dns-search", "example.test", "--dns-option", "ndots:3", "dnsopts").Success(t)
	e.Run("run", "--rm", "--pod", "dnsopts", TestImage, "cat", "/etc/resolv.conf").Success(t).
		StdoutContains(t, "search example.test").StdoutContains(t, "options ndots:3")
	// An --ip6 the network has no subnet for fails the first start with a
	// clear error, and the refused member is not left behind.
	e.Run("pod", "create", "--network", a.Name, "--ip6", "fd00::5", "noip6").Success(t)
	e.Run("run", "--rm", "--pod", "noip6", "--name", "v6member", TestImage, "true").Exit(t, 125).
		StderrContains(t, "fd00::5 is not in any subnet")
	e.Run("container", "exists", "v6member").Exit(t, 1)

	// Refused before anything is created.
	before := e.Run("pod", "ps", "-q").Success(t).Out()
	e.Run("pod", "create", "--network", "none", "-p", "8080:80", "bad").Exit(t, 125).StderrContains(t, "ports can only be published on a bridge network")
	e.Run("pod", "create", "--network", "none", "--ip", "10.232.2.9", "bad").Exit(t, 125).StderrContains(t, "need a bridge network")
	e.Run("pod", "create", "--network", "none,"+a.Name, "bad").Exit(t, 125).StderrContains(t, "cannot be combined")
	e.Run("pod", "create", "--network", "container:nonet", "bad").Exit(t, 125).StderrContains(t, "a pod cannot use --network container:")
	e.Run("pod", "create", "--network", "nosuchnet", "bad").Exit(t, 125).StderrContains(t, "nosuchnet")
	e.Run("pod", "create", "--infra=false", "--network", a.Name, "bad").Exit(t, 125).StderrContains(t, "infra container")
	if after := e.Run("pod", "ps", "-q").Success(t).Out(); after != before {
		t.Fatalf("pods changed by refused creates: %q -> %q", before, after)
	}
}

func TestPodCreatePositionalName(t *testing.T) {
	t.Parallel()
	e := newPodEnv(t)
	id := e.Run("pod", "create", "--network", "none", "byarg").Success(t).Out()
	e.Run("pod", "inspect", "--format", "{{.ID}} {{.Hostname}}", "byarg").Success(t).StdoutIs(t, id+" byarg")
	e.Run("pod", "create", "--network", "none", "--name", "flag", "arg").Exit(t, 125).
		StderrContains(t, "cannot specify --name and NAME at the same time")
	e.Run("pod", "create", "--network", "none", "one", "two").Exit(t, 125).StderrContains(t, "accepts at most 1 arg")
	e.Run("pod", "ps", "--format", "{{.Name}}").Success(t).StdoutIs(t, "byarg")
}
