package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// httpdCmd serves "hello from NAME" on port 80 of the container.
func httpdCmd(name string) []string {
	return []string{"sh", "-c", "echo hello from " + name + " > /tmp/index.html; exec httpd -f -p 80 -h /tmp"}
}

// httpGetNC fetches / from host:80 with busybox nc (busybox's static
// wget crashes on this host).
func httpGetNC(host string) string {
	return fmt.Sprintf(`printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 %s 80 | tail -n 1`, host)
}

func getURL(t *testing.T, url string) string {
	t.Helper()
	var last error
	for i := 0; i < 50; i++ {
		c := http.Client{Timeout: 2 * time.Second}
		resp, err := c.Get(url)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return strings.TrimSpace(string(b))
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("GET %s: %v", url, last)
	return ""
}

func TestNetworkContainersReachEachOtherByName(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	n := newTestNet(t, e, 231, 1)

	e.Run(append([]string{"run", "-d", "--name", "web1", "--network", n.Name, "--network-alias", "site", TestImage}, httpdCmd("web1")...)...).Success(t)
	for _, name := range []string{"web1", "site", "web1.dns.podman"} {
		e.Run("run", "--rm", "--network", n.Name, TestImage, "sh", "-c", httpGetNC(name)).
			Success(t).StdoutIs(t, "hello from web1")
	}
	// resolv.conf points at aardvark-dns on the gateway; hosts lists the
	// container's own address and the host.
	e.Run("run", "--rm", "--name", "client", "--network", n.Name, TestImage, "cat", "/etc/resolv.conf", "/etc/hosts").
		Success(t).StdoutContains(t, "nameserver "+n.Prefix+"1", "search dns.podman", n.Prefix+"1\thost.containers.internal", "client")
	// Names of other networks' containers do not resolve.
	other := newTestNet(t, e, 231, 2)
	e.Run("run", "--rm", "--network", other.Name, TestImage, "nslookup", "web1", other.Prefix+"1").Failure(t)
	// --disable-dns: no aardvark, the host's resolvers.
	nodns := newTestNet(t, e, 231, 3, "--disable-dns")
	e.Run("run", "--rm", "--network", nodns.Name, "--dns", "192.0.2.53", "--dns-search", "example.test", TestImage, "cat", "/etc/resolv.conf").
		Success(t).StdoutContains(t, "nameserver 192.0.2.53", "search example.test").StdoutLacks(t, "dns.podman")
}

func TestNetworkPublishedPortServesHost(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	n := newTestNet(t, e, 231, 10)
	port := freePort(t)
	spec := fmt.Sprintf("127.0.0.1:%d:80", port)

	e.Run(append([]string{"run", "-d", "--name", "pub", "--network", n.Name, "-p", spec, "-p", "127.0.0.1::80/udp", TestImage}, httpdCmd("pub")...)...).Success(t)
	if got := getURL(t, fmt.Sprintf("http://127.0.0.1:%d/", port)); got != "hello from pub" {
		t.Fatalf("GET = %q", got)
	}
	out := e.Run("port", "pub").Success(t).Out()
	if !strings.Contains(out, fmt.Sprintf("80/tcp -> 127.0.0.1:%d", port)) || !strings.Contains(out, "80/udp -> 127.0.0.1:") {
		t.Fatalf("port output:\n%s", out)
	}
	e.Run("port", "pub", "80").Success(t).StdoutIs(t, fmt.Sprintf("127.0.0.1:%d", port))
	e.Run("inspect", "--format", `{{(index .NetworkSettings.Ports "80/tcp" 0).HostPort}}`, "pub").Success(t).StdoutIs(t, strconv.Itoa(port))

	// The port stays reserved while the container runs: neither another
	// program nor another container can take it, and the failed start
	// leaves nothing behind.
	if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
		l.Close()
		t.Fatalf("port %d is not reserved", port)
	}
	before := len(netnsFiles(e))
	e.Run("run", "--rm", "--network", n.Name, "-p", spec, TestImage, "true").Exit(t, 125).
		StderrContains(t, "port is already in use", strconv.Itoa(port))
	if after := len(netnsFiles(e)); after != before {
		t.Fatalf("netns files: %d before, %d after a failed start", before, after)
	}
	if v := vethsOn(n.Bridge); len(v) != 1 {
		t.Fatalf("veths on %s: %v (want the server's only)", n.Bridge, v)
	}

	// A random host port (-p CPORT) on the default bridge, whose addresses
	// are leased host-wide; a static one high up keeps out of the way of
	// the other roots' dynamic ones all the same.
	e.Run(append([]string{"run", "-d", "--name", "rnd", "-p", "80", "--ip", "10.89.0.251", TestImage}, httpdCmd("rnd")...)...).Success(t)
	hp := e.Run("port", "rnd", "80/tcp").Success(t).Out()
	_, p, _ := strings.Cut(hp, ":")
	if got := getURL(t, "http://127.0.0.1:"+p+"/"); got != "hello from rnd" {
		t.Fatalf("GET random port %s = %q", p, got)
	}
}

func TestNetworkModes(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	n := newTestNet(t, e, 231, 20)

	// none: loopback only.
	e.Run("run", "--rm", "--network", "none", TestImage, "sh", "-c", "ls /sys/class/net").Success(t).StdoutIs(t, "lo")
	// host: the host's interfaces.
	e.Run("run", "--rm", "--network", "host", TestImage, "ls", "/sys/class/net").Success(t).StdoutContains(t, "lo", "eth0")
	// bridge: lo and eth0 with an address of the network.
	e.Run("run", "-d", "--name", "peer", "--network", n.Name, "--ip", n.Prefix+"77", "--mac-address", "02:42:0a:e7:14:4d", TestImage, "sleep", "60").Success(t)
	peerAddrs := e.Run("run", "--rm", "--network", "container:peer", TestImage, "ip", "-o", "-4", "addr", "show", "eth0").Success(t).Out()
	if !strings.Contains(peerAddrs, n.Prefix+"77/24") {
		t.Fatalf("container:peer does not share peer's eth0: %s", peerAddrs)
	}
	e.Run("run", "--rm", "--network", "container:peer", TestImage, "cat", "/sys/class/net/eth0/address").Success(t).StdoutIs(t, "02:42:0a:e7:14:4d")
	e.Run("inspect", "--format", "{{.NetworkSettings.IPAddress}} {{.HostConfig.NetworkMode}}", "peer").Success(t).StdoutIs(t, n.Prefix+"77 bridge")
	// The same static address twice is refused. The network is set up
	// while the runtime creates the container: the failure removes that
	// container again, with its namespace.
	e.Run("run", "--rm", "--network", n.Name, "--ip", n.Prefix+"77", TestImage, "true").Exit(t, 125).StderrContains(t, "already allocated")
	peerID := e.Run("inspect", "--format", "{{.Id}}", "peer").Success(t).Out()
	if got := e.runc("list", "-q").Out(); got != peerID {
		t.Errorf("runtime containers after the failed run: %q, want only peer's", got)
	}
	if f := netnsFiles(e); len(f) != 2 { // peer's namespace and its record
		t.Errorf("netns files after the failed run: %v", f)
	}
	// --add-host and --no-hosts.
	e.Run("run", "--rm", "--network", n.Name, "--add-host", "db.test:192.0.2.9", TestImage, "cat", "/etc/hosts").Success(t).StdoutContains(t, "192.0.2.9\tdb.test")
}

func TestNetworkConnectDisconnectRunning(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	a := newTestNet(t, e, 231, 30)
	b := newTestNet(t, e, 231, 31)

	e.Run("run", "-d", "--name", "multi", "--network", a.Name, TestImage, "sleep", "60").Success(t)
	e.Run(append([]string{"run", "-d", "--name", "srv", "--network", b.Name, TestImage}, httpdCmd("srv")...)...).Success(t)
	e.Run("network", "connect", "--alias", "second", b.Name, "multi").Success(t)
	e.Run("inspect", "--format", `{{(index .NetworkSettings.Networks "`+b.Name+`").IPAddress}}`, "multi").Success(t).StdoutContains(t, b.Prefix)
	// From srv's network, multi is now reachable by name.
	e.Run("run", "--rm", "--network", b.Name, "--cap-add", "NET_RAW", TestImage, "ping", "-c", "1", "-W", "3", "second").Success(t)
	if v := vethsOn(b.Bridge); len(v) != 2 {
		t.Fatalf("veths on %s after connect: %v", b.Bridge, v)
	}
	e.Run("network", "disconnect", b.Name, "multi").Success(t)
	if v := vethsOn(b.Bridge); len(v) != 1 {
		t.Fatalf("veths on %s after disconnect: %v", b.Bridge, v)
	}
	e.Run("network", "inspect", "--format", "{{len .Containers}}", b.Name).Success(t).StdoutIs(t, "1")
	e.Run("network", "disconnect", b.Name, "multi").Exit(t, 125).StderrContains(t, "not connected")
}

func TestNetworkCommands(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	n := newTestNet(t, e, 231, 40, "--gateway", "10.231.40.254", "--ip-range", "10.231.40.128/25",
		"--label", "team=net", "-o", "mtu=1400", "--internal")

	e.Run("network", "exists", n.Name).Success(t)
	e.Run("network", "exists", "nonexistent-net").Exit(t, 1)
	e.Run("network", "ls", "--filter", "label=team=net", "--format", "{{.Name}} {{.Driver}} {{.Subnets}}").
		Success(t).StdoutIs(t, n.Name+" bridge "+n.Subnet)
	e.Run("network", "ls", "--filter", "name=^berth$", "--format", "{{.Name}}").Success(t).StdoutIs(t, "berth")
	e.Run("network", "inspect", "--format", "{{.Internal}} {{(index .Subnets 0).Gateway}} {{.Options.mtu}} {{.DNS}}", n.Name).
		Success(t).StdoutIs(t, "true 10.231.40.254 1400 true")
	// --ip-range and --internal: addresses from the range, no default route.
	out := e.Run("run", "--rm", "--network", n.Name, TestImage, "sh", "-c", "ip -o -4 addr show eth0; ip route").Success(t).Out()
	if !strings.Contains(out, "10.231.40.128/24") || strings.Contains(out, "default") {
		t.Fatalf("internal network with ip range:\n%s", out)
	}

	// Bad input: clear errors, exit 125, nothing created.
	e.Run("network", "create", "--subnet", "10.231.40.0/25", "overlap").Exit(t, 125).StderrContains(t, "overlaps")
	e.Run("network", "create", "--subnet", "10.231.400.0/24", "badcidr").Exit(t, 125).StderrContains(t, "invalid subnet")
	e.Run("network", "create", "--driver", "ipvlan", "ipv").Exit(t, 125).StderrContains(t, "not supported")
	e.Run("network", "create", "--subnet", "10.231.41.0/24", n.Name).Exit(t, 125).StderrContains(t, "already")
	e.Run("run", "--rm", "--network", "no-such-net", TestImage, "true").Exit(t, 125).StderrContains(t, "no-such-net")
	for _, bad := range []string{"80:80:80:80", "abc", "70000:80", "8000-8002:80-81", "80/icmp"} {
		e.Run("create", "-p", bad, TestImage).Exit(t, 125).StderrContains(t, "invalid port mapping")
	}
	e.Run("network", "ls", "--format", "{{.Name}}").Success(t).StdoutLacks(t, "overlap", "badcidr", "ipv")
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")

	// rm of a network in use needs -f, which removes the container.
	e.Run("create", "--name", "user", "--network", n.Name, TestImage, "true").Success(t)
	e.Run("network", "rm", n.Name).Exit(t, 125).StderrContains(t, "used by")
	e.Run("network", "rm", "-f", n.Name).Success(t).StdoutIs(t, n.Name)
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")

	// prune removes unused networks but never the default one.
	p := newTestNet(t, e, 231, 42)
	e.Run("network", "prune", "-f").Success(t).StdoutContains(t, p.Name)
	e.Run("network", "ls", "--format", "{{.Name}}").Success(t).StdoutIs(t, "berth")
}

func TestNetworkRemoveLeavesNothing(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	n := newTestNet(t, e, 231, 50)
	port := freePort(t)

	e.Run(append([]string{"run", "-d", "--name", "s1", "--network", n.Name, "-p", fmt.Sprintf("127.0.0.1:%d:80", port), TestImage}, httpdCmd("s1")...)...).Success(t)
	e.Run("run", "-d", "--name", "s2", "--network", n.Name, TestImage, "sleep", "60").Success(t)
	e.Run("run", "--rm", "--network", n.Name, TestImage, "true").Success(t)
	if v := vethsOn(n.Bridge); len(v) != 2 {
		t.Fatalf("veths on %s: %v", n.Bridge, v)
	}
	if len(iptablesRules("nat", n.Prefix)) == 0 {
		t.Fatal("no NAT rules for the network while containers run")
	}
	e.Run("rm", "-f", "s1", "s2").Success(t)
	if f := netnsFiles(e); len(f) != 0 {
		t.Fatalf("netns files left: %v", f)
	}
	// Like docker's networks, the bridge and the network's own rules live
	// as long as the network, kept by its keeper; the containers' veths go.
	if v := vethsOn(n.Bridge); len(v) != 0 {
		t.Fatalf("veths left on %s: %v", n.Bridge, v)
	}
	if !linkExists(keeperOf(n.Bridge)) {
		t.Fatalf("bridge %s has no keeper: %v", n.Bridge, portsOn(n.Bridge))
	}
	e.Run("network", "rm", n.Name).Success(t)
	if linkExists(n.Bridge) || linkExists(keeperOf(n.Bridge)) {
		t.Fatalf("bridge %s still there after network rm (ports %v)", n.Bridge, portsOn(n.Bridge))
	}
	for _, table := range []string{"filter", "nat"} {
		if r := iptablesRules(table, n.Prefix); len(r) != 0 {
			t.Fatalf("rules left in %s: %v", table, r)
		}
	}
	if r := iptablesRules("nat", "--dport "+strconv.Itoa(port)); len(r) != 0 {
		t.Fatalf("port rules left: %v", r)
	}
	// The port is free again.
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatalf("port %d still taken: %v", port, err)
	}
	l.Close()
}

func TestSystemResetRemovesBridges(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	n := newTestNet(t, e, 231, 60)

	e.Run("run", "--rm", "--network", n.Name, TestImage, "true").Success(t)
	if !linkExists(n.Bridge) || !linkExists(keeperOf(n.Bridge)) {
		t.Fatalf("bridge %s not kept after its last container (ports %v)", n.Bridge, portsOn(n.Bridge))
	}
	if len(iptablesRules("nat", n.Prefix)) == 0 {
		t.Fatal("the network's NAT rules went with its last container")
	}
	// Its address is pinned, so that containers coming and going do not
	// change the gateway's MAC under the others.
	if b, err := os.ReadFile("/sys/class/net/" + n.Bridge + "/addr_assign_type"); err != nil || strings.TrimSpace(string(b)) != "3" {
		t.Errorf("bridge address not pinned: addr_assign_type %q %v", b, err)
	}
	// A second container finds the bridge and rules ready.
	e.Run("run", "--rm", "--network", n.Name, TestImage, "ip", "-o", "-4", "addr", "show", "eth0").Success(t).StdoutContains(t, n.Prefix+"2/24")

	e.Run("system", "reset", "--force").Success(t)
	if linkExists(n.Bridge) || linkExists(keeperOf(n.Bridge)) {
		t.Fatalf("bridge %s still there after system reset (ports %v)", n.Bridge, portsOn(n.Bridge))
	}
	for _, table := range []string{"filter", "nat"} {
		if r := iptablesRules(table, n.Prefix); len(r) != 0 {
			t.Fatalf("rules left in %s: %v", table, r)
		}
	}
	e.Run("network", "ls", "--format", "{{.Name}}").Success(t).StdoutIs(t, "berth")
}
