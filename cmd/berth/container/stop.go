package container

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newStop(g *cli.Globals) *cobra.Command {
	var all, ignore bool
	var timeout uint
	cmd := &cobra.Command{
		Use:   "stop [flags] CONTAINER [CONTAINER...]",
		Short: "Stop containers: the stop signal, then SIGKILL after the timeout",
		Long: `Stop one or more containers. berth sends the container's stop signal
(--stop-signal, the image's STOPSIGNAL, else SIGTERM), waits up to the
timeout, then kills every process of the container with SIGKILL.
Stopping a container that is already stopped succeeds, as with podman.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			refs, err := targets(ctx, g, args, all, true)
			if err != nil {
				return err
			}
			timeSet := cmd.Flags().Changed("time")
			return forEachIgnoring(ctx, g, refs, ignore, func(c *engine.Container) error {
				var err error
				if timeSet {
					err = c.StopWithTimeout(ctx, timeout)
				} else {
					err = c.Stop(ctx)
				}
				if errors.Is(err, engine.ErrCtrStopped) {
					return nil
				}
				return err
			})
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "stop all running containers")
	cmd.Flags().BoolVarP(&ignore, "ignore", "i", false, "ignore containers that do not exist")
	cmd.Flags().UintVarP(&timeout, "time", "t", 10, "seconds to wait before killing the container (default: the container's --stop-timeout)")
	return cmd
}

func newRestart(g *cli.Globals) *cobra.Command {
	var all bool
	var timeout uint
	cmd := &cobra.Command{
		Use:   "restart [flags] CONTAINER [CONTAINER...]",
		Short: "Stop (if running) and start containers again",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			refs, err := targets(ctx, g, args, all, false)
			if err != nil {
				return err
			}
			var t *uint
			if cmd.Flags().Changed("time") {
				t = &timeout
			}
			return forEach(ctx, g, refs, func(c *engine.Container) error { return c.Restart(ctx, t) })
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "restart all containers")
	cmd.Flags().UintVarP(&timeout, "time", "t", 10, "seconds to wait for the stop before killing (default: the container's --stop-timeout)")
	return cmd
}
