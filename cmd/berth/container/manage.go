package container

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newRename(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "rename CONTAINER NEW_NAME",
		Short: "Give a container a new name",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			c, err := rt.LookupContainer(ctx, args[0])
			if err != nil {
				return err
			}
			return c.Rename(ctx, args[1])
		},
	}
}

func newExists(g *cli.Globals) *cobra.Command {
	return cli.NewExistsCommand(g, "CONTAINER", func(ctx context.Context, rt *engine.Runtime, ref string) (bool, error) {
		return rt.ContainerExists(ctx, ref)
	})
}

func newPrune(g *cli.Globals) *cobra.Command {
	var force bool
	var filters []string
	cmd := &cobra.Command{
		Use:   "prune [flags]",
		Short: "Remove all stopped containers",
		Long: `Remove every container that is not running (created or exited), and
print their IDs. Filters: until=TIME (RFC 3339 or a duration such as 24h),
label=KEY[=VALUE], label!=KEY[=VALUE].`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			rep, err := rt.PruneContainers(ctx, filters)
			for _, id := range rep.Removed {
				fmt.Println(id)
			}
			if err != nil {
				cli.PrintError(os.Stderr, err)
				return cli.ExitError{Code: cli.ExitEngine}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not ask for confirmation (berth never asks)")
	cmd.Flags().StringArrayVar(&filters, "filter", nil, "only containers matching until=, label= or label!=")
	return cmd
}
