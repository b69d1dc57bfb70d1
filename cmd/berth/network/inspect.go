package network

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/cmd/berth/format"
	"github.com/berthproject/berth/engine"
)

func newInspect(g *cli.Globals) *cobra.Command {
	var tmpl string
	cmd := &cobra.Command{
		Use:   "inspect [flags] NETWORK [NETWORK...]",
		Short: "Show the configuration of networks",
		Long: `Show networks as JSON (podman's field names: name, id, driver,
network_interface, subnets, ipv6_enabled, internal, dns_enabled, labels,
options, created) plus "containers": the containers on it and their addresses.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			var out []engine.NetworkInspect
			var last error
			for _, ref := range args {
				d, err := rt.InspectNetwork(ctx, ref)
				if err != nil {
					if last != nil {
						cli.PrintError(os.Stderr, last)
					}
					last = err
					continue
				}
				out = append(out, d)
			}
			if out == nil {
				out = []engine.NetworkInspect{}
			}
			f, err := format.New(tmpl, "json", nil)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			if err := f.Write(os.Stdout, out); err != nil {
				return err
			}
			return last
		},
	}
	cmd.Flags().StringVarP(&tmpl, "format", "f", "", `format output: a Go template or "json"`)
	return cmd
}
