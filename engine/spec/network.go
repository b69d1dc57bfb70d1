package spec

import (
	"net"
	"net/netip"
	"strings"
)

// Prefixes of the network modes that name something.
const (
	NetworkContainerPrefix = "container:"
	NetworkNSPrefix        = "ns:"
)

// NetworkModeOf returns the effective mode: "" is bridge.
func NetworkModeOf(cs *ContainerSpec) string {
	if cs.NetworkMode == "" {
		return NetworkBridge
	}
	return cs.NetworkMode
}

// ParseNetworkFlags reads --network values (each may be a comma list) as
// run, create and pod create take them: a mode (none, host,
// container:NAME, ns:/PATH) stands alone; anything else names networks,
// joined in order (eth0, eth1, ...), where bridge (or default, private)
// is defaultNet. A lone bridge is the bridge mode on the default network.
func ParseNetworkFlags(values []string, defaultNet string) (mode string, networks []string, err error) {
	var items []string
	for _, v := range values {
		items = append(items, strings.Split(v, ",")...)
	}
	for _, n := range items {
		switch {
		case n == "":
			return "", nil, invalidf("--network must not be empty")
		case n == NetworkNone, n == NetworkHost, strings.HasPrefix(n, NetworkContainerPrefix), strings.HasPrefix(n, NetworkNSPrefix):
			if len(items) > 1 {
				return "", nil, invalidf("--network %s cannot be combined with other networks", n)
			}
			return n, nil, nil
		case n == NetworkBridge || n == "default" || n == "private":
			if len(items) > 1 {
				networks = append(networks, defaultNet)
			}
		default:
			networks = append(networks, n)
		}
	}
	if len(items) == 0 {
		return "", nil, nil
	}
	return NetworkBridge, networks, nil
}

// validateNetwork checks the syntax of the network options; whether named
// networks and containers exist is the engine's business.
func (s *ContainerSpec) validateNetwork() error {
	mode := NetworkModeOf(s)
	switch {
	case mode == NetworkBridge, mode == NetworkNone, mode == NetworkHost:
	case strings.HasPrefix(mode, NetworkContainerPrefix) && len(mode) > len(NetworkContainerPrefix):
	case strings.HasPrefix(mode, NetworkNSPrefix) && strings.HasPrefix(mode[len(NetworkNSPrefix):], "/"):
	default:
		return invalidf("unsupported network mode %q (supported: bridge, NETWORK-NAME, none, host, container:NAME, ns:/PATH)", s.NetworkMode)
	}
	bridge := mode == NetworkBridge
	if !bridge && (len(s.Networks) > 0 || len(s.NetworkAliases) > 0 || len(s.StaticIPs) > 0 || s.StaticMAC != "") {
		return invalidf("--network-alias, --ip and --mac-address need a bridge network, not network mode %s", mode)
	}
	if !bridge && (len(s.Ports) > 0 || s.PublishAll) && mode != NetworkHost {
		return invalidf("ports can only be published on a bridge network, not with network mode %s", mode)
	}
	seen := map[string]bool{}
	for _, n := range s.Networks {
		if n == "" || seen[n] {
			return invalidf("network %q given twice or empty", n)
		}
		seen[n] = true
	}
	for _, ip := range s.StaticIPs {
		if _, err := netip.ParseAddr(ip); err != nil {
			return invalidf("invalid IP address %q", ip)
		}
	}
	if s.StaticMAC != "" {
		if _, err := net.ParseMAC(s.StaticMAC); err != nil {
			return invalidf("invalid MAC address %q", s.StaticMAC)
		}
	}
	for _, d := range s.DNSServers {
		if _, err := netip.ParseAddr(d); err != nil {
			return invalidf("invalid --dns address %q", d)
		}
	}
	for _, h := range s.AddHosts {
		if _, _, err := parseAddHost(h); err != nil {
			return err
		}
	}
	return nil
}

// parseAddHost reads --add-host NAME:IP (NAME=IP is accepted too; IPv6
// addresses may be bracketed). "host-gateway" is not supported.
func parseAddHost(s string) (name, ip string, err error) {
	i := strings.IndexAny(s, ":=")
	if i <= 0 {
		return "", "", invalidf("invalid --add-host %q: want NAME:IP", s)
	}
	name, ip = s[:i], strings.Trim(s[i+1:], "[]")
	if _, err := netip.ParseAddr(ip); err != nil {
		return "", "", invalidf("invalid --add-host %q: %q is not an IP address", s, ip)
	}
	if !validHostname(name) {
		return "", "", invalidf("invalid --add-host %q: bad host name", s)
	}
	return name, ip, nil
}
