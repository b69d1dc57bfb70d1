package container

import (
	"github.com/spf13/pflag"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
	"github.com/berthproject/berth/engine/spec"
)

// netFlags are the network flags of create and run.
type netFlags struct {
	networks, aliases, ips, dns, dnsSearch, dnsOpts []string
	addHosts, publish                               []string
	mac                                             string
	publishAll, noHosts                             bool
}

func (f *netFlags) register(fs *pflag.FlagSet) {
	fs.StringArrayVar(&f.networks, "network", nil, "connect to networks: bridge (the default network), NAME (repeatable: --network a --network b), none, host, container:NAME, ns:PATH")
	fs.StringArrayVar(&f.networks, "net", nil, "alias for --network")
	_ = fs.MarkHidden("net")
	fs.StringArrayVar(&f.aliases, "network-alias", nil, "add a DNS alias for the container on its networks")
	fs.StringArrayVar(&f.ips, "ip", nil, "static IPv4 address on the first network")
	fs.StringArrayVar(&f.ips, "ip6", nil, "static IPv6 address on the first network")
	fs.StringVar(&f.mac, "mac-address", "", "static MAC address on the first network")
	fs.StringArrayVar(&f.dns, "dns", nil, "DNS server for the container (with name resolution on: aardvark-dns's upstream)")
	fs.StringArrayVar(&f.dnsSearch, "dns-search", nil, `DNS search domain ("." for none)`)
	fs.StringArrayVar(&f.dnsOpts, "dns-option", nil, "resolv.conf option, e.g. ndots:2")
	fs.StringArrayVar(&f.addHosts, "add-host", nil, "add HOST:IP to /etc/hosts")
	fs.BoolVar(&f.noHosts, "no-hosts", false, "do not write /etc/hosts: keep the image's")
	fs.StringArrayVarP(&f.publish, "publish", "p", nil, "publish ports: [[IP:][HOSTPORT]:]CONTAINERPORT[/PROTO], ranges like 8000-8005:8000-8005, IPv6 as [ADDR]:HOSTPORT:PORT")
	fs.BoolVarP(&f.publishAll, "publish-all", "P", false, "publish every port the image EXPOSEs on a random host port")
}

// apply fills the network fields of cs. A network mode (none, host,
// container:, ns:) stands alone; anything else names networks, in order
// (spec.ParseNetworkFlags, shared with pod create).
func (f *netFlags) apply(cs *engine.ContainerSpec) error {
	mode, networks, err := spec.ParseNetworkFlags(f.networks, engine.DefaultNetwork)
	if err != nil {
		return cli.UsageError{Err: err}
	}
	cs.NetworkMode, cs.Networks = mode, networks
	cs.NetworkAliases, cs.StaticIPs, cs.StaticMAC = f.aliases, f.ips, f.mac
	cs.DNSServers, cs.DNSSearch, cs.DNSOptions = f.dns, f.dnsSearch, f.dnsOpts
	cs.AddHosts, cs.NoHosts = f.addHosts, f.noHosts
	cs.Ports, cs.PublishAll = f.publish, f.publishAll
	return nil
}
