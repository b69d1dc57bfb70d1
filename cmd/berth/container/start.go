package container

import (
	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newStart(g *cli.Globals) *cobra.Command {
	var attach, interactive, sigProxy bool
	var detachKeys string
	cmd := &cobra.Command{
		Use:   "start [flags] CONTAINER [CONTAINER...]",
		Short: "Start one or more created or stopped containers",
		Long: `Start containers. With --attach berth stays connected to the container's
stdout and stderr (and with --interactive its stdin) and exits with its
exit code; the detach keys (default ctrl-p,ctrl-q) leave it running.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !attach {
				if _, err := engine.ParseDetachKeys(detachKeys); err != nil {
					return err
				}
				return forEach(ctx, g, args, func(c *engine.Container) error { return c.Start(ctx) })
			}
			if len(args) != 1 {
				return usageErr("you cannot start and attach multiple containers at once")
			}
			g.Prefetch = true
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			c, err := rt.LookupContainer(ctx, args[0])
			if err != nil {
				return err
			}
			cfg := c.Config()
			u, err := newUserIO(interactive && (cfg.Spec.Stdin || cfg.Spec.Terminal), cfg.Spec.Terminal, detachKeys)
			if err != nil {
				return err
			}
			defer u.restore()
			u.makeRaw()
			if sigProxy {
				u.proxySignals(ctx, g, c)
			}
			att, err := c.StartAttached(ctx, u.streams)
			if err != nil {
				return err
			}
			defer att.Close()
			u.follow(ctx, att)
			code, err := c.WaitAttached(ctx, att)
			u.restore()
			return exitStatus(code, err)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&attach, "attach", "a", false, "attach the container's stdout and stderr and exit with its exit code")
	fl.BoolVarP(&interactive, "interactive", "i", false, "with --attach, also forward stdin")
	fl.StringVar(&detachKeys, "detach-keys", engine.DefaultDetachKeys, `with --attach, keys that detach from the container ("" disables)`)
	fl.BoolVar(&sigProxy, "sig-proxy", true, "with --attach, send the signals berth receives to the container")
	return cmd
}
