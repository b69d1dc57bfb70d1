package container

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newCleanup(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "cleanup CONTAINER [CONTAINER...]",
		Short: "Release what exited containers hold (conmon runs this after an exit)",
		Long: `Delete the runtime state and unmount the root filesystem of exited
containers, and remove those created with --rm. conmon runs this as its exit
command with the same --root and --runroot; running it by hand is harmless.
A container that is already gone is not an error.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			var last error
			for _, ref := range args {
				c, err := rt.LookupContainer(ctx, ref)
				if err == nil {
					err = c.Cleanup(ctx)
				}
				if err != nil && !errors.Is(err, engine.ErrNoSuchCtr) {
					last = err
				}
			}
			return last
		},
	}
}
