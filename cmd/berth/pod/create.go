package pod

import (
	"fmt"
	"strings"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
	"github.com/berthproject/berth/engine/spec"
)

func newCreate(g *cli.Globals) *cobra.Command {
	var o engine.PodCreateOptions
	var infra bool
	var labels, publish []string
	var memory string
	var cpus float64
	cmd := &cobra.Command{
		Use:   "create [flags] [NAME]",
		Short: "Create a pod",
		Long: `Create a pod and its infra container (created, not started) and print
the pod's ID. The pod's name is NAME or --name (not both). Containers join
it with run/create --pod NAME and share the namespaces listed by --share
through the infra container: by default the network (they reach each other
on 127.0.0.1), IPC (and /dev/shm) and UTS (the hostname, default the pod's
name). The network flags (--network, -p, --ip, --mac-address,
--network-alias, --dns*, --add-host, --no-hosts) are the infra container's,
as with run: with --network NAME the infra joins that network, and the
pod's containers share its address and published ports. The default infra
container runs the host's catatonit (-P, a pause process) from the image
` + engine.InfraImageName + `, built on first use; --infra-image runs another
image instead.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if len(args) == 1 {
				if cmd.Flags().Changed("name") {
					return usageErr("cannot specify --name and NAME at the same time")
				}
				o.Name = args[0]
			}
			o.NoInfra = !infra
			if cmd.Flags().Changed("share") && o.Share == "" {
				o.Share = "none"
			}
			o.Ports = publish
			var err error
			if o.Labels, err = keyValues(labels); err != nil {
				return err
			}
			if memory != "" || cpus != 0 {
				o.Resources = &spec.Resources{CPUs: cpus}
				if memory != "" {
					if o.Resources.Memory, err = units.RAMInBytes(memory); err != nil {
						return usageErr("invalid --memory %q: %v", memory, err)
					}
				}
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			p, err := rt.CreatePod(ctx, o)
			if err != nil {
				return err
			}
			fmt.Println(p.ID())
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Name, "name", "n", "", "the pod's name (default: a generated adjective_noun)")
	fl.BoolVar(&infra, "infra", true, "create an infra container that holds the shared namespaces (--infra=false: none, nothing shared)")
	fl.StringVar(&o.InfraImage, "infra-image", "", "image the infra container runs (default: "+engine.InfraImageName+", the host's catatonit)")
	fl.StringVar(&o.InfraName, "infra-name", "", "name of the infra container (default: SHORT-POD-ID-infra)")
	fl.StringVar(&o.Share, "share", "", `namespaces the containers share: a comma list of ipc, net, uts, pid, cgroup ("+pid" adds to the default ipc,net,uts; "none" shares nothing)`)
	fl.StringArrayVarP(&publish, "publish", "p", nil, "publish a port of the pod (HOST:CONTAINER as run -p; applied by the pod's network)")
	fl.StringArrayVar(&o.Networks, "network", nil, "the pod's networks, as run --network: bridge (the default network), NAME (repeatable, or a,b), none, host, ns:PATH")
	fl.StringArrayVar(&o.NetworkAliases, "network-alias", nil, "add a DNS alias for the pod on its networks")
	fl.StringArrayVar(&o.StaticIPs, "ip", nil, "static IPv4 address of the pod on its first network")
	fl.StringArrayVar(&o.StaticIPs, "ip6", nil, "static IPv6 address of the pod on its first network")
	fl.StringVar(&o.StaticMAC, "mac-address", "", "static MAC address of the pod on its first network")
	fl.StringVar(&o.Hostname, "hostname", "", "the pod's hostname, shared by its containers (default: the pod's name)")
	fl.StringArrayVar(&o.AddHosts, "add-host", nil, "add NAME:IP to the pod's /etc/hosts")
	fl.BoolVar(&o.NoHosts, "no-hosts", false, "do not write /etc/hosts for the pod: the infra and the pod's containers keep their images' files")
	fl.StringArrayVar(&o.DNSServers, "dns", nil, "DNS server for the pod's /etc/resolv.conf (with name resolution on: aardvark-dns's upstream)")
	fl.StringArrayVar(&o.DNSSearch, "dns-search", nil, `DNS search domain of the pod ("." for none)`)
	fl.StringArrayVar(&o.DNSOptions, "dns-option", nil, "resolv.conf option of the pod, e.g. ndots:2")
	fl.StringArrayVarP(&labels, "label", "l", nil, "set metadata label KEY=VALUE")
	fl.StringVarP(&memory, "memory", "m", "", "memory limit of the whole pod (e.g. 512m): its cgroup's")
	fl.Float64Var(&cpus, "cpus", 0, "number of CPUs the whole pod may use (e.g. 1.5)")
	fl.StringVar(&o.PIDMode, "pid", "", "PID namespace of the infra container: private (default) or host")
	return cmd
}

func keyValues(list []string) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(list))
	for _, kv := range list {
		k, v, _ := strings.Cut(kv, "=")
		if k == "" {
			return nil, usageErr("invalid label %q: the key must not be empty", kv)
		}
		out[k] = v
	}
	return out, nil
}
