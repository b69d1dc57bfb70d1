package network

import (
	"encoding/json"
	"net/netip"
	"testing"
)

func TestKeeperName(t *testing.T) {
	for _, tc := range []struct{ bridge, want string }{
		{"berth0", "berth0-keep"},
		{"bt1a2b3c", "bt1a2b3c-keep"},
		{"abcdefghij", "abcdefghij-keep"},
	} {
		if got := KeeperName(tc.bridge); got != tc.want {
			t.Errorf("KeeperName(%q) = %q, want %q", tc.bridge, got, tc.want)
		}
	}
	// Too long for "-keep": a hash, still a valid interface name, and
	// different for different bridges.
	a, b := KeeperName("abcdefghijk"), KeeperName("abcdefghijl")
	if len(a) > 15 || len(b) > 15 || a == b || a[:3] != "bk-" {
		t.Errorf("long names: %q %q", a, b)
	}
}

func TestLastHost(t *testing.T) {
	for _, tc := range []struct{ prefix, want string }{
		{"10.89.0.0/24", "10.89.0.254"},
		{"10.231.7.0/24", "10.231.7.254"},
		{"172.20.0.0/16", "172.20.255.254"},
		{"10.1.2.0/30", "10.1.2.2"},
		{"fd00:1::/64", "fd00:1::ffff:ffff:ffff:fffe"},
	} {
		if got := lastHost(netip.MustParsePrefix(tc.prefix)); got.String() != tc.want {
			t.Errorf("lastHost(%s) = %s, want %s", tc.prefix, got, tc.want)
		}
	}
}

func TestScratchInputAvoidsGateway(t *testing.T) {
	info := NetavarkInfo{Name: "n", Driver: DriverBridge, NetworkInterface: "bn",
		Subnets: []NetavarkSubnet{{Subnet: "10.5.0.0/24", Gateway: "10.5.0.254"}}}
	b, err := scratchInput(info)
	if err != nil {
		t.Fatal(err)
	}
	var in SetupInput
	if err := json.Unmarshal(b, &in); err != nil {
		t.Fatal(err)
	}
	if got := in.Networks["n"].StaticIPs; len(got) != 1 || got[0] != "10.5.0.253" {
		t.Errorf("static ips %v, want [10.5.0.253]", got)
	}
	if len(in.ContainerID) != 64 {
		t.Errorf("container id %q is not 64 characters", in.ContainerID)
	}
}
