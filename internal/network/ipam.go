package network

import (
	"fmt"
	"net/netip"
	"slices"
)

// Allocate gives container id one address in every subnet of n and records
// it in n.Allocations. It is idempotent: a container that already holds
// addresses keeps them (a start after a crash reuses what it had). static
// are addresses the user asked for (--ip); each must fall in one of the
// subnets. held are addresses other berth roots' containers hold on a
// bridge shared between roots (leases.go); nil elsewhere. The caller holds
// the network's lock and saves n afterwards.
func (n *Network) Allocate(id string, static []string, held map[netip.Addr]Holder) ([]string, error) {
	if ips, ok := n.Allocations[id]; ok {
		if !heldElsewhere(ips, held) {
			return slices.Clone(ips), nil
		}
		// Kept from before a reboot (allocations are persistent, leases
		// are not) while another root took the address since: start over.
		delete(n.Allocations, id)
	}
	used := make(map[netip.Addr]bool, len(held))
	for a := range held {
		used[a] = true
	}
	for _, ips := range n.Allocations {
		for _, s := range ips {
			if a, err := netip.ParseAddr(s); err == nil {
				used[a] = true
			}
		}
	}
	want := make([]netip.Addr, 0, len(static))
	for _, s := range static {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, invalidf("invalid IP address %q", s)
		}
		want = append(want, a)
	}
	out := make([]string, len(n.Subnets))
	for i, sub := range n.Subnets {
		p, err := netip.ParsePrefix(sub.Subnet)
		if err != nil {
			return nil, fmt.Errorf("network %s: corrupt subnet %q", n.Name, sub.Subnet)
		}
		gw, _ := netip.ParseAddr(sub.Gateway)
		var got netip.Addr
		for j, a := range want {
			if !p.Contains(a) {
				continue
			}
			if a == gw || a == p.Addr() || a == lastAddr(p) && a.Is4() {
				return nil, invalidf("IP address %s is reserved in network %s", a, n.Name)
			}
			if h, ok := held[a]; ok {
				return nil, fmt.Errorf("%s in network %s, held by container %.12s of root %s: %w", a, n.Name, h.Container, h.Root, ErrIPInUse)
			}
			if used[a] {
				return nil, fmt.Errorf("%s in network %s: %w", a, n.Name, ErrIPInUse)
			}
			got = a
			want = slices.Delete(want, j, j+1)
			break
		}
		if !got.IsValid() {
			if got, err = n.freeAddr(sub, p, gw, used); err != nil {
				return nil, err
			}
		}
		used[got] = true
		out[i] = got.String()
	}
	if len(want) > 0 {
		return nil, invalidf("IP address %s is not in any subnet of network %s", want[0], n.Name)
	}
	if n.Allocations == nil {
		n.Allocations = make(map[string][]string)
	}
	n.Allocations[id] = out
	return slices.Clone(out), nil
}

// freeAddr returns the lowest unused address of the subnet's range. The
// network and broadcast addresses and the gateway are never handed out.
func (n *Network) freeAddr(sub Subnet, p netip.Prefix, gw netip.Addr, used map[netip.Addr]bool) (netip.Addr, error) {
	first, last := p.Addr().Next(), lastAddr(p)
	if p.Addr().Is4() {
		last = last.Prev()
	}
	if sub.RangeStart != "" {
		if a, err := netip.ParseAddr(sub.RangeStart); err == nil && a.Compare(first) > 0 {
			first = a
		}
		if a, err := netip.ParseAddr(sub.RangeEnd); err == nil && a.Compare(last) < 0 {
			last = a
		}
	}
	// At most 65536 probes: a /16 full of containers is beyond this host.
	for a, i := first, 0; a.IsValid() && a.Compare(last) <= 0 && i < 1<<16; a, i = a.Next(), i+1 {
		if a != gw && !used[a] {
			return a, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("network %s, subnet %s: %w", n.Name, p, ErrExhausted)
}

// Release forgets the addresses of container id; it reports whether there
// were any.
func (n *Network) Release(id string) bool {
	if _, ok := n.Allocations[id]; !ok {
		return false
	}
	delete(n.Allocations, id)
	return true
}

func heldElsewhere(ips []string, held map[netip.Addr]Holder) bool {
	for _, s := range ips {
		if a, err := netip.ParseAddr(s); err == nil {
			if _, ok := held[a]; ok {
				return true
			}
		}
	}
	return false
}
