package network

import (
	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newConnect(g *cli.Globals) *cobra.Command {
	var o engine.ConnectOptions
	var ip, ip6 string
	cmd := &cobra.Command{
		Use:   "connect [flags] NETWORK CONTAINER",
		Short: "Connect a container to a network (a running one at once)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			for _, a := range []string{ip, ip6} {
				if a != "" {
					o.StaticIPs = append(o.StaticIPs, a)
				}
			}
			return rt.ConnectContainer(ctx, args[1], args[0], o)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&o.Aliases, "alias", nil, "DNS alias of the container on this network")
	fl.StringVar(&ip, "ip", "", "static IPv4 address")
	fl.StringVar(&ip6, "ip6", "", "static IPv6 address")
	fl.StringVar(&o.StaticMAC, "mac-address", "", "static MAC address")
	return cmd
}

func newDisconnect(g *cli.Globals) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "disconnect [flags] NETWORK CONTAINER",
		Short: "Disconnect a container from a network",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			return rt.DisconnectContainer(ctx, args[1], args[0])
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "accepted for compatibility")
	return cmd
}
