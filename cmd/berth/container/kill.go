package container

import (
	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newKill(g *cli.Globals) *cobra.Command {
	var all bool
	var signal string
	cmd := &cobra.Command{
		Use:   "kill [flags] CONTAINER [CONTAINER...]",
		Short: "Send a signal to running containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			sig, err := engine.ParseSignal(signal)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			refs, err := targets(ctx, g, args, all, true)
			if err != nil {
				return err
			}
			return forEach(ctx, g, refs, func(c *engine.Container) error { return c.Kill(ctx, sig) })
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "signal all running containers")
	cmd.Flags().StringVarP(&signal, "signal", "s", "KILL", "signal to send: a name (TERM, SIGHUP) or a number")
	return cmd
}

func newPause(g *cli.Globals) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "pause [flags] CONTAINER [CONTAINER...]",
		Short: "Freeze all processes of running containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			refs, err := targets(ctx, g, args, all, true)
			if err != nil {
				return err
			}
			return forEach(ctx, g, refs, func(c *engine.Container) error { return c.Pause(ctx) })
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "pause all running containers")
	return cmd
}

func newUnpause(g *cli.Globals) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "unpause [flags] CONTAINER [CONTAINER...]",
		Short: "Thaw paused containers",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			refs, err := targets(ctx, g, args, all, true)
			if err != nil {
				return err
			}
			return forEach(ctx, g, refs, func(c *engine.Container) error { return c.Unpause(ctx) })
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "unpause all paused containers")
	return cmd
}
