package network

import (
	"errors"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

func TestParsePublish(t *testing.T) {
	pm := func(ip string, c, h, n uint16, p string) PortMapping {
		return PortMapping{HostIP: ip, ContainerPort: c, HostPort: h, Range: n, Protocol: p}
	}
	ok := map[string][]PortMapping{
		"80":                      {pm("", 80, 0, 1, "tcp")},
		":80":                     {pm("", 80, 0, 1, "tcp")},
		"8080:80":                 {pm("", 80, 8080, 1, "tcp")},
		"127.0.0.1:8080:80":       {pm("127.0.0.1", 80, 8080, 1, "tcp")},
		"127.0.0.1::80/udp":       {pm("127.0.0.1", 80, 0, 1, "udp")},
		"[::1]:8080:80":           {pm("::1", 80, 8080, 1, "tcp")},
		"8000-8005:9000-9005/udp": {pm("", 9000, 8000, 6, "udp")},
		"53/tcp,udp":              {pm("", 53, 0, 1, "tcp"), pm("", 53, 0, 1, "udp")},
	}
	for in, want := range ok {
		got, err := ParsePublish(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParsePublish(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "0", "70000:80", "1:2:3:4", "8000-8002:80-81", "80/icmp", "::1:80:80", "[::1]80", "300.1.1.1:80:80", "90-80"} {
		if _, err := ParsePublish(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParsePublish(%q) error = %v, want ErrInvalid", in, err)
		}
	}
}

func TestBuildAndAllocate(t *testing.T) {
	taken := []netip.Prefix{netip.MustParsePrefix("10.89.0.0/24")}
	n, err := Build(CreateOptions{Name: "n1", Subnets: []string{"10.5.0.0/29"}, IPRanges: []string{"10.5.0.4/30"}}, "id", time.Now(), taken, "br1")
	if err != nil {
		t.Fatal(err)
	}
	if n.Subnets[0].Gateway != "10.5.0.1" || n.Interface != "br1" || !n.DNS {
		t.Fatalf("built %+v", n)
	}
	a, _ := n.Allocate("c1", nil, nil)
	b, _ := n.Allocate("c2", nil, nil)
	again, _ := n.Allocate("c1", nil, nil)
	if a[0] != "10.5.0.4" || b[0] != "10.5.0.5" || again[0] != a[0] {
		t.Fatalf("allocations %v %v %v", a, b, again)
	}
	if c, err := n.Allocate("c3", nil, nil); err != nil || c[0] != "10.5.0.6" {
		t.Fatalf("third allocation: %v %v", c, err)
	}
	if _, err := n.Allocate("c5", nil, nil); !errors.Is(err, ErrExhausted) {
		t.Fatalf("the range's last address is the subnet's broadcast: %v", err)
	}
	if _, err := n.Allocate("c4", []string{"10.5.0.5"}, nil); !errors.Is(err, ErrIPInUse) {
		t.Fatalf("static in use: %v", err)
	}
	n.Release("c2")
	n.Release("c3")
	if got, err := n.Allocate("c4", []string{"10.5.0.5"}, nil); err != nil || got[0] != "10.5.0.5" {
		t.Fatalf("static after release: %v %v", got, err)
	}

	for _, o := range []CreateOptions{
		{Name: "x", Subnets: []string{"10.89.0.128/25"}},
		{Name: "x", Subnets: []string{"10.5.0.1/24"}},
		{Name: "x", Subnets: []string{"nope"}},
		{Name: "x", Driver: "ipvlan"},
		{Name: "bad name"},
		{Name: "x", Subnets: []string{"10.6.0.0/24"}, Gateways: []string{"10.7.0.1"}},
	} {
		if _, err := Build(o, "id", time.Now(), taken, "br"); err == nil {
			t.Errorf("Build(%+v) succeeded", o)
		}
	}
	auto, err := Build(CreateOptions{Name: "auto"}, "id", time.Now(), taken, "br")
	if err != nil || auto.Subnets[0].Subnet != "10.89.1.0/24" {
		t.Fatalf("auto subnet: %+v %v", auto, err)
	}
}
