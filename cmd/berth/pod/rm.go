package pod

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newRm(g *cli.Globals) *cobra.Command {
	var all, force, ignore bool
	cmd := &cobra.Command{
		Use:     "rm [flags] POD [POD...]",
		Aliases: []string{"remove"},
		Short:   "Remove pods and their containers",
		Long: `Remove pods with all their containers (the infra container last). A pod
with running containers needs --force, which stops them first. rm -f also
finishes a removal an earlier, interrupted berth left half-done.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			err := forEach(cmd, g, args, all, func(p *engine.Pod) error { return p.Remove(ctx, force) })
			if ignore && errors.Is(err, engine.ErrNoSuchPod) {
				return nil
			}
			return err
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&all, "all", "a", false, "remove every pod")
	fl.BoolVarP(&force, "force", "f", false, "stop and remove running containers of the pods too")
	fl.BoolVarP(&ignore, "ignore", "i", false, "ignore pods that do not exist")
	return cmd
}

func newPrune(g *cli.Globals) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "prune [flags]",
		Short: "Remove every pod none of whose containers runs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			removed, err := rt.PrunePods(ctx)
			for _, id := range removed {
				fmt.Println(id)
			}
			return err
		},
	}
	// Accepted for podman compatibility: berth never asks for confirmation.
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not ask for confirmation (berth never asks)")
	return cmd
}

func newExists(g *cli.Globals) *cobra.Command {
	return cli.NewExistsCommand(g, "POD", func(ctx context.Context, rt *engine.Runtime, ref string) (bool, error) {
		return rt.PodExists(ctx, ref)
	})
}
