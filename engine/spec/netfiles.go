package spec

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// NetInfo is what the engine learnt from setting up a container's bridge
// networks, for its /etc/hosts and /etc/resolv.conf.
type NetInfo struct {
	IPs         []string // the container's addresses, first network first
	Gateway     string   // the host's address on the first network
	Nameservers []string // aardvark-dns addresses; empty when DNS is off
	Search      []string // aardvark's search domains (dns.podman)
}

// NetworkRunFiles returns the hosts and resolv.conf files of a container on
// bridge networks, replacing the ones RunFiles wrote before the network
// existed:
//
//	hosts        loopback entries, the container's addresses with its
//	             hostname and name, host.containers.internal (and docker's
//	             host.docker.internal) at the gateway, then --add-host.
//	resolv.conf  aardvark-dns's addresses when the network resolves
//	             names (peers by name), else --dns or the host's resolvers
//	             (loopback ones removed); search domains and options from
//	             the host unless --dns-search / --dns-option say otherwise.
func NetworkRunFiles(cs *ContainerSpec, id string, ni NetInfo) (map[string][]byte, error) {
	return networkRunFiles(cs, id, ni, defaultHostFiles())
}

func networkRunFiles(cs *ContainerSpec, id string, ni NetInfo, hf hostFiles) (map[string][]byte, error) {
	hostname := Hostname(cs, id)
	var h bytes.Buffer
	h.WriteString("127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n")
	h.WriteString("::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n")
	names := hostname
	if cs.Name != "" && cs.Name != hostname && validHostname(cs.Name) {
		names += " " + cs.Name
	}
	for _, ip := range ni.IPs {
		fmt.Fprintf(&h, "%s\t%s\n", ip, names)
	}
	if len(ni.IPs) == 0 {
		fmt.Fprintf(&h, "127.0.1.1\t%s\n", names)
	}
	if ni.Gateway != "" {
		fmt.Fprintf(&h, "%s\thost.containers.internal host.docker.internal\n", ni.Gateway)
	}

	host, err := readOptional(hf.resolvConf)
	if err != nil {
		return nil, err
	}
	host = stripLoopbackNameservers(host)
	if !hasNameserver(host) {
		if alt, err := readOptional(hf.resolvedConf); err == nil && alt != nil {
			host = stripLoopbackNameservers(alt)
		}
	}
	var r bytes.Buffer
	if len(ni.Nameservers) > 0 {
		// aardvark forwards other names to --dns servers (or the host's),
		// so the container lists aardvark alone.
		search := slices.Concat(ni.Search, resolvField(host, "search"))
		if len(search) > 0 {
			fmt.Fprintf(&r, "search %s\n", strings.Join(search, " "))
		}
		for _, ns := range ni.Nameservers {
			fmt.Fprintf(&r, "nameserver %s\n", ns)
		}
		if opts := resolvField(host, "options"); len(opts) > 0 {
			fmt.Fprintf(&r, "options %s\n", strings.Join(opts, " "))
		}
	} else {
		r.Write(host)
	}
	return map[string][]byte{
		"hosts":       addHosts(h.Bytes(), cs),
		"resolv.conf": resolvOverrides(r.Bytes(), cs),
	}, nil
}

// addHosts appends the --add-host entries.
func addHosts(hosts []byte, cs *ContainerSpec) []byte {
	if len(cs.AddHosts) == 0 {
		return hosts
	}
	b := bytes.NewBuffer(slices.Clone(hosts))
	for _, e := range cs.AddHosts {
		if name, ip, err := parseAddHost(e); err == nil {
			fmt.Fprintf(b, "%s\t%s\n", ip, name)
		}
	}
	return b.Bytes()
}

// resolvOverrides applies --dns, --dns-search and --dns-option: each
// replaces the corresponding lines of conf when given. With bridge DNS the
// nameservers are aardvark's and --dns servers are its upstreams instead,
// which the caller signals by having put aardvark's lines in conf; then
// --dns does not replace them.
func resolvOverrides(conf []byte, cs *ContainerSpec) []byte {
	if len(cs.DNSServers) == 0 && len(cs.DNSSearch) == 0 && len(cs.DNSOptions) == 0 {
		return conf
	}
	keepNS := len(cs.DNSServers) == 0 || aardvarkConf(conf)
	var b bytes.Buffer
	for line := range strings.Lines(string(conf)) {
		f := strings.Fields(line)
		if len(f) > 0 {
			switch {
			case f[0] == "nameserver" && !keepNS,
				(f[0] == "search" || f[0] == "domain") && len(cs.DNSSearch) > 0,
				f[0] == "options" && len(cs.DNSOptions) > 0:
				continue
			}
		}
		b.WriteString(line)
		if !strings.HasSuffix(line, "\n") {
			b.WriteByte('\n')
		}
	}
	if !keepNS {
		for _, ns := range cs.DNSServers {
			fmt.Fprintf(&b, "nameserver %s\n", ns)
		}
	}
	if len(cs.DNSSearch) > 0 && !slices.Equal(cs.DNSSearch, []string{"."}) {
		fmt.Fprintf(&b, "search %s\n", strings.Join(cs.DNSSearch, " "))
	}
	if len(cs.DNSOptions) > 0 {
		fmt.Fprintf(&b, "options %s\n", strings.Join(cs.DNSOptions, " "))
	}
	return b.Bytes()
}

// aardvarkMarker ends the search line of a resolv.conf that points at
// aardvark-dns.
const aardvarkMarker = "dns.podman"

func aardvarkConf(conf []byte) bool {
	return slices.Contains(resolvField(conf, "search"), aardvarkMarker)
}

// resolvField returns the values of every line starting with key.
func resolvField(conf []byte, key string) []string {
	var out []string
	for line := range strings.Lines(string(conf)) {
		f := strings.Fields(line)
		if len(f) > 1 && f[0] == key {
			out = append(out, f[1:]...)
		}
	}
	return out
}
