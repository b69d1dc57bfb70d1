package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// testNet is a network a test created: a unique name and bridge, and the
// subnet the test chose. Its cleanup removes the network through berth and
// then whatever berth left on the host (bridge, firewall rules), failing
// the test if there was anything.
type testNet struct {
	Name, Bridge, Subnet, Prefix string // Prefix: "10.231.7." for host numbers
}

// newTestNet creates a bridge network on 10.<a>.<b>.0/24; every test
// uses its own (a, b) so parallel tests never share a subnet.
func newTestNet(t *testing.T, e *Env, a, b int, extra ...string) testNet {
	t.Helper()
	rnd := make([]byte, 3)
	_, _ = rand.Read(rnd)
	suffix := hex.EncodeToString(rnd)
	n := testNet{
		Name:   "bt" + suffix,
		Bridge: "bt" + suffix,
		Subnet: ipStr(a, b) + "0/24",
		Prefix: ipStr(a, b),
	}
	args := append([]string{"network", "create", "--subnet", n.Subnet, "--interface-name", n.Bridge}, extra...)
	e.Run(append(args, n.Name)...).Success(t).StdoutIs(t, n.Name)
	t.Cleanup(func() { n.cleanup(t, e) })
	return n
}

func ipStr(a, b int) string {
	return "10." + itoa(a) + "." + itoa(b) + "."
}

func itoa(i int) string { return strconv.Itoa(i) }

func (n testNet) cleanup(t *testing.T, e *Env) {
	r := e.Run("network", "rm", "-f", n.Name)
	if r.ExitCode != 0 && !strings.Contains(r.Stderr, "no such network") && !strings.Contains(r.Stderr, "unable to find network") {
		t.Logf("cleanup: network rm -f %s: %s", n.Name, r.Stderr)
	}
	for _, link := range []string{keeperOf(n.Bridge), n.Bridge} {
		if linkExists(link) {
			t.Errorf("link %s left behind; deleting it", link)
			_ = exec.Command("ip", "link", "del", link).Run()
		}
	}
	for _, table := range []string{"filter", "nat"} {
		for _, rule := range iptablesRules(table, n.Prefix) {
			t.Errorf("firewall rule left behind in %s: %s; deleting it", table, rule)
			args := append([]string{"-t", table, "-D"}, strings.Fields(strings.TrimPrefix(rule, "-A "))...)
			_ = exec.Command("iptables", args...).Run()
		}
	}
}

func linkExists(name string) bool {
	_, err := os.Stat("/sys/class/net/" + name)
	return err == nil
}

// iptablesRules lists the rules of table that mention s.
func iptablesRules(table, s string) []string {
	out, err := exec.Command("iptables", "-t", table, "-S").Output()
	if err != nil {
		return nil
	}
	var rules []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "-A ") && strings.Contains(l, s) {
			rules = append(rules, l)
		}
	}
	return rules
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	port, err := pickFreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// pickFreePort asks the kernel for a free loopback port.
func pickFreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// netnsFiles lists what is left under the Env's netns directory.
func netnsFiles(e *Env) []string {
	m, _ := filepath.Glob(filepath.Join(e.RunRoot, "netns", "*"))
	return m
}

// vethsOn lists the containers' interfaces attached to bridge: its ports
// except the keeper berth attaches to keep the bridge between containers.
func vethsOn(bridge string) []string {
	var out []string
	for _, p := range portsOn(bridge) {
		if p != keeperOf(bridge) {
			out = append(out, p)
		}
	}
	return out
}

// portsOn lists every interface attached to bridge.
func portsOn(bridge string) []string {
	ents, _ := os.ReadDir("/sys/class/net/" + bridge + "/brif")
	var out []string
	for _, d := range ents {
		out = append(out, d.Name())
	}
	return out
}

// keeperOf is the name of bridge's keeper link (internal/network/keeper.go;
// the test bridges' names are short enough for the readable form).
func keeperOf(bridge string) string { return bridge + "-keep" }
