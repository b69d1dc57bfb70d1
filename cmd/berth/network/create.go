package network

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newCreate(g *cli.Globals) *cobra.Command {
	var o engine.NetworkCreateOptions
	var labels, opts []string
	cmd := &cobra.Command{
		Use:   "create [flags] [NAME]",
		Short: "Create a network",
		Long: `Create a network. Without --subnet a free 10.89.N.0/24 is chosen.
The bridge is made by netavark when the first container joins.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			if len(args) == 1 {
				o.Name = args[0]
			} else {
				if o.Name, err = rt.FreeNetworkName(ctx); err != nil {
					return err
				}
			}
			if o.Labels, err = keyValues("label", labels); err != nil {
				return err
			}
			if o.Options, err = keyValues("opt", opts); err != nil {
				return err
			}
			n, err := rt.CreateNetwork(ctx, o)
			if err != nil {
				return err
			}
			fmt.Println(n.Name)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Driver, "driver", "d", "bridge", "driver: bridge or macvlan (ipvlan is not supported by this netavark)")
	fl.StringVar(&o.Interface, "interface-name", "", "bridge name (default: berthN)")
	fl.StringArrayVar(&o.Subnets, "subnet", nil, "subnet in CIDR form (repeatable, IPv4 and IPv6)")
	fl.StringArrayVar(&o.Gateways, "gateway", nil, "gateway of the matching --subnet (default: its first address)")
	fl.StringArrayVar(&o.IPRanges, "ip-range", nil, "allocate container addresses from this CIDR of the matching --subnet")
	fl.BoolVar(&o.IPv6, "ipv6", false, "enable IPv6 (give an IPv6 --subnet)")
	fl.BoolVar(&o.Internal, "internal", false, "no route to the outside: no default route, no masquerading")
	fl.BoolVar(&o.NoDNS, "disable-dns", false, "do not resolve container names with aardvark-dns on this network")
	fl.StringArrayVar(&labels, "label", nil, "set metadata label KEY=VALUE")
	fl.StringArrayVarP(&opts, "opt", "o", nil, "driver option KEY=VALUE: mtu, isolate, metric (bridge); mtu, mode, parent (macvlan)")
	return cmd
}

func keyValues(what string, list []string) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(list))
	for _, kv := range list {
		k, v, _ := strings.Cut(kv, "=")
		if k == "" {
			return nil, cli.UsageError{Err: fmt.Errorf("invalid %s %q: the key must not be empty", what, kv)}
		}
		out[k] = v
	}
	return out, nil
}
