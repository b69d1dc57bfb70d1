package container

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newRm(g *cli.Globals) *cobra.Command {
	var all, force, volumes, ignore, depend bool
	cmd := &cobra.Command{
		Use:     "rm [flags] CONTAINER [CONTAINER...]",
		Aliases: []string{"remove"},
		Short:   "Remove containers",
		Long: `Remove containers with their writable layer, logs and run files.
A running or paused container needs --force, which kills it first. rm -f
also finishes removals that an earlier, interrupted berth left half-done.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			refs, err := targets(ctx, g, args, all, false)
			if err != nil {
				return err
			}
			if all && len(refs) == 0 {
				return nil
			}
			opts := engine.RemoveOptions{Force: force, Volumes: volumes, Depend: depend}
			worst := 0
			err = forEachIgnoring(ctx, g, refs, ignore, func(c *engine.Container) error {
				err := c.Remove(ctx, opts)
				worst = max(worst, rmExitCode(err))
				return err
			})
			if errors.Is(err, engine.ErrNoSuchCtr) {
				worst = max(worst, 1)
			}
			if err != nil && worst > 0 && worst < cli.ExitEngine {
				return cli.CodedError{Code: worst, Err: err}
			}
			return err
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "remove all containers")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "kill and remove running or paused containers")
	cmd.Flags().BoolVarP(&volumes, "volumes", "v", false, "also remove anonymous volumes of the container (none exist yet)")
	cmd.Flags().BoolVarP(&ignore, "ignore", "i", false, "ignore containers that do not exist")
	cmd.Flags().BoolVar(&depend, "depend", false, "first remove the containers that join this container's namespaces (running ones need --force)")
	return cmd
}

// rmExitCode follows podman-rm(1): 1 when a container does not exist,
// 2 when one is running or paused (and no --force), 125 otherwise.
func rmExitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, engine.ErrNoSuchCtr):
		return 1
	case errors.Is(err, engine.ErrCtrStateInvalid):
		return 2
	}
	return cli.ExitEngine
}
