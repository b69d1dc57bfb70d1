package network

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newRm(g *cli.Globals) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:     "rm [flags] NETWORK [NETWORK...]",
		Aliases: []string{"remove"},
		Short:   "Remove networks",
		Long: `Remove networks. A network some container uses is kept unless -f, which
removes those containers first; a pod whose infra container uses it is
removed with all its containers. The network's bridge and firewall rules,
which stay on the host between containers, go with it.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			var last error
			for _, ref := range args {
				if err := rt.RemoveNetwork(ctx, ref, engine.NetworkRemoveOptions{Force: force}); err != nil {
					if last != nil {
						cli.PrintError(os.Stderr, last)
					}
					last = err
					continue
				}
				fmt.Println(ref)
			}
			return last
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "remove the containers (and pods) using the network first")
	return cmd
}

func newPrune(g *cli.Globals) *cobra.Command {
	var force bool
	var filters []string
	cmd := &cobra.Command{
		Use:   "prune [flags]",
		Short: "Remove every network no container uses",
		Long:  "Remove every network no container uses (the default network stays). Filters: label=KEY[=VALUE], label!=KEY[=VALUE].",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			removed, err := rt.PruneNetworksFiltered(ctx, filters)
			for _, n := range removed {
				fmt.Println(n)
			}
			return err
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not ask for confirmation (berth never asks)")
	cmd.Flags().StringArrayVar(&filters, "filter", nil, "only prune networks matching KEY=VALUE (label, label!)")
	return cmd
}

func newExists(g *cli.Globals) *cobra.Command {
	return cli.NewExistsCommand(g, "NETWORK", func(ctx context.Context, rt *engine.Runtime, ref string) (bool, error) {
		return rt.NetworkExists(ctx, ref)
	})
}

func newReload(g *cli.Globals) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "reload [flags] CONTAINER [CONTAINER...]",
		Short: "Re-apply the network setup (firewall rules) of running containers",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			if all == (len(args) > 0) {
				return cli.UsageError{Err: fmt.Errorf("give container names or --all")}
			}
			done, err := rt.ReloadNetworks(ctx, args, all)
			for _, id := range done {
				fmt.Println(id)
			}
			return err
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "reload every running container")
	return cmd
}
