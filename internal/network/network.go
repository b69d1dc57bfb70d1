// Package network drives netavark and aardvark-dns for berth: network
// definitions and their address allocation (IPAM), network namespaces,
// published ports and their host-side reservation. It knows nothing about
// containers beyond an ID, a name and the options engine passes in.
package network

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"time"
)

// Drivers netavark 1.4.0 can set up. ipvlan came later.
const (
	DriverBridge  = "bridge"
	DriverMacvlan = "macvlan"
)

// Errors callers map to their own classes.
var (
	// ErrInvalid blames the user's input (bad CIDR, bad -p syntax, ...).
	ErrInvalid = errors.New("invalid network configuration")
	// ErrOverlap: a new subnet overlaps one already in use.
	ErrOverlap = errors.New("subnet overlaps an existing network")
	// ErrExhausted: no free address is left in the network.
	ErrExhausted = errors.New("no free IP address in the network")
	// ErrPortInUse: a host port to publish cannot be bound.
	ErrPortInUse = errors.New("host port is already in use")
	// ErrIPInUse: a requested static address belongs to another container.
	ErrIPInUse = errors.New("IP address is already allocated")
)

func invalidf(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, a...)...)
}

// Network is one network definition as berth stores it (a JSON document in
// the state database). Allocations live in the same document so that one
// update under the network's lock keeps definition and IPAM consistent.
type Network struct {
	Name      string            `json:"name"`
	ID        string            `json:"id"`
	Driver    string            `json:"driver"`
	Interface string            `json:"network_interface,omitempty"` // bridge name, or macvlan parent
	Subnets   []Subnet          `json:"subnets,omitempty"`
	IPv6      bool              `json:"ipv6_enabled"`
	Internal  bool              `json:"internal"`
	DNS       bool              `json:"dns_enabled"`
	Labels    map[string]string `json:"labels,omitempty"`
	Options   map[string]string `json:"options,omitempty"`
	Created   time.Time         `json:"created"`
	// Allocations maps a container ID to its addresses, one per subnet in
	// the order of Subnets ("" where a subnet gave it none).
	Allocations map[string][]string `json:"allocations,omitempty"`
}

// Subnet is one address range of a network.
type Subnet struct {
	Subnet  string `json:"subnet"`
	Gateway string `json:"gateway,omitempty"`
	// RangeStart/RangeEnd bound dynamic allocation (--ip-range); empty =
	// the whole subnet.
	RangeStart string `json:"range_start,omitempty"`
	RangeEnd   string `json:"range_end,omitempty"`
}

// CreateOptions are what `network create` asks for.
type CreateOptions struct {
	Name      string
	Driver    string // "" = bridge
	Interface string // bridge name; macvlan: parent interface
	Subnets   []string
	Gateways  []string // the i-th gateway belongs to the i-th subnet
	IPRanges  []string // the i-th range belongs to the i-th subnet
	IPv6      bool
	Internal  bool
	NoDNS     bool
	Labels    map[string]string
	Options   map[string]string
}

var nameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

// ValidName reports whether s is a usable network name.
func ValidName(s string) bool { return len(s) <= 200 && nameRE.MatchString(s) }

// knownOptions are the -o keys netavark 1.4.0 understands.
var knownOptions = map[string][]string{
	DriverBridge:  {"mtu", "isolate", "metric"},
	DriverMacvlan: {"mtu", "mode", "metric", "parent"},
}

// Build validates o and turns it into a Network. taken lists the subnets of
// existing networks (and host routes) a new one must not overlap; auto
// picks a free subnet when none is given. id and now come from the caller.
func Build(o CreateOptions, id string, now time.Time, taken []netip.Prefix, bridgeName string) (*Network, error) {
	if !ValidName(o.Name) {
		return nil, invalidf("network name %q must match [a-zA-Z0-9][a-zA-Z0-9_.-]*", o.Name)
	}
	n := &Network{
		Name: o.Name, ID: id, Driver: o.Driver, Interface: o.Interface,
		IPv6: o.IPv6, Internal: o.Internal, DNS: !o.NoDNS,
		Labels: o.Labels, Options: o.Options, Created: now,
	}
	switch n.Driver {
	case "":
		n.Driver = DriverBridge
	case DriverBridge, DriverMacvlan:
	case "ipvlan":
		return nil, invalidf("driver ipvlan is not supported by netavark 1.4.0 on this host (supported: bridge, macvlan)")
	default:
		return nil, invalidf("unsupported network driver %q (supported: bridge, macvlan)", n.Driver)
	}
	for k := range n.Options {
		if !slices.Contains(knownOptions[n.Driver], k) {
			return nil, invalidf("unsupported option %q for driver %s (supported: %v)", k, n.Driver, knownOptions[n.Driver])
		}
	}
	if n.Driver == DriverBridge {
		if n.Interface == "" {
			n.Interface = bridgeName
		}
		if len(n.Interface) > 15 {
			return nil, invalidf("interface name %q is longer than 15 characters", n.Interface)
		}
	} else {
		// macvlan containers cannot reach aardvark on the host side.
		n.DNS = false
		if parent := n.Options["parent"]; parent != "" {
			n.Interface = parent
			delete(n.Options, "parent")
		}
		if n.Interface == "" {
			return nil, invalidf("driver macvlan needs a parent interface: -o parent=IFACE")
		}
	}
	if len(o.Gateways) > len(o.Subnets) || len(o.IPRanges) > len(o.Subnets) {
		return nil, invalidf("every --gateway and --ip-range needs a --subnet")
	}
	var prefixes []netip.Prefix
	for i, s := range o.Subnets {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, invalidf("invalid subnet %q: %v", s, err)
		}
		if p.Masked() != p {
			return nil, invalidf("invalid subnet %q: host bits are set (did you mean %s?)", s, p.Masked())
		}
		if p.Addr().Is4() && p.Bits() > 30 || p.Addr().Is6() && p.Bits() > 126 {
			return nil, invalidf("subnet %s is too small", s)
		}
		sub := Subnet{Subnet: p.String()}
		if i < len(o.Gateways) && o.Gateways[i] != "" {
			gw, err := netip.ParseAddr(o.Gateways[i])
			if err != nil || !p.Contains(gw) {
				return nil, invalidf("gateway %q is not an address in subnet %s", o.Gateways[i], p)
			}
			sub.Gateway = gw.String()
		} else if n.Driver == DriverBridge {
			sub.Gateway = p.Addr().Next().String()
		}
		if i < len(o.IPRanges) && o.IPRanges[i] != "" {
			r, err := netip.ParsePrefix(o.IPRanges[i])
			if err != nil || r.Masked() != r || !p.Contains(r.Addr()) || r.Bits() < p.Bits() {
				return nil, invalidf("ip range %q is not a CIDR inside subnet %s", o.IPRanges[i], p)
			}
			sub.RangeStart, sub.RangeEnd = r.Addr().String(), lastAddr(r).String()
		}
		if p.Addr().Is6() {
			n.IPv6 = true
		}
		prefixes = append(prefixes, p)
		n.Subnets = append(n.Subnets, sub)
	}
	for i, p := range prefixes {
		for _, q := range prefixes[:i] {
			if p.Overlaps(q) {
				return nil, fmt.Errorf("subnets %s and %s of the same network: %w", p, q, ErrOverlap)
			}
		}
		for _, q := range taken {
			if p.Overlaps(q) {
				return nil, fmt.Errorf("subnet %s overlaps %s: %w", p, q, ErrOverlap)
			}
		}
	}
	if !hasFamily(prefixes, true) {
		p, err := FreeSubnet(taken)
		if err != nil {
			return nil, err
		}
		sub := Subnet{Subnet: p.String()}
		if n.Driver == DriverBridge {
			sub.Gateway = p.Addr().Next().String()
		}
		n.Subnets = append(n.Subnets, sub)
	}
	return n, nil
}

func hasFamily(ps []netip.Prefix, v4 bool) bool {
	for _, p := range ps {
		if p.Addr().Is4() == v4 {
			return true
		}
	}
	return false
}

// FreeSubnet picks the first 10.89.N.0/24 (N = 1..255) that overlaps
// nothing in taken; 10.89.0.0/24 is the default network's.
func FreeSubnet(taken []netip.Prefix) (netip.Prefix, error) {
	for n := 1; n < 256; n++ {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 89, byte(n), 0}), 24)
		free := true
		for _, q := range taken {
			if p.Overlaps(q) {
				free = false
				break
			}
		}
		if free {
			return p, nil
		}
	}
	return netip.Prefix{}, errors.New("no free subnet left in 10.89.0.0/16: give --subnet")
}

// Prefixes returns the parsed subnets of n.
func (n *Network) Prefixes() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(n.Subnets))
	for _, s := range n.Subnets {
		if p, err := netip.ParsePrefix(s.Subnet); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// lastAddr is the highest address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
