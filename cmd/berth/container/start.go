package container

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newStart(g *cli.Globals) *cobra.Command {
	var attach, interactive bool
	cmd := &cobra.Command{
		Use:   "start [flags] CONTAINER [CONTAINER...]",
		Short: "Start one or more created or stopped containers",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !attach {
				return forEach(ctx, g, args, func(c *engine.Container) error { return c.Start(ctx) })
			}
			if len(args) != 1 {
				return usageErr("you cannot start and attach multiple containers at once")
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			c, err := rt.LookupContainer(ctx, args[0])
			if err != nil {
				return err
			}
			streams := engine.Streams{Stdout: os.Stdout, Stderr: os.Stderr}
			if interactive {
				streams.Stdin = os.Stdin
			}
			att, err := c.StartAttached(ctx, streams)
			if err != nil {
				return err
			}
			defer att.Close()
			code, err := c.WaitAttached(ctx, att)
			if err != nil {
				return err
			}
			if code != 0 {
				return cli.ExitError{Code: code}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&attach, "attach", "a", false, "attach the container's stdout and stderr and exit with its exit code")
	cmd.Flags().BoolVarP(&interactive, "interactive", "i", false, "with --attach, also forward stdin")
	return cmd
}
