package container

import (
	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newAttach(g *cli.Globals) *cobra.Command {
	var noStdin, sigProxy bool
	var detachKeys string
	cmd := &cobra.Command{
		Use:   "attach [flags] CONTAINER",
		Short: "Attach to a running container's stdin, stdout and stderr",
		Long: `Connect to the stdio of a running container. Output written while
nobody is attached is not replayed (see 'berth logs').

The detach keys (default ctrl-p,ctrl-q) disconnect and leave the container
running. When the container exits, berth exits with its exit code. Signals
berth receives are sent to the container unless --sig-proxy=false.`,
		Args: cobra.ExactArgs(1),
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
			cfg := c.Config()
			u, err := newUserIO(!noStdin && (cfg.Spec.Stdin || cfg.Spec.Terminal), cfg.Spec.Terminal, detachKeys)
			if err != nil {
				return err
			}
			// Another client's end of input is not the container's: its
			// stdin stays open for the next attach.
			u.streams.CloseStdin = false
			defer u.restore()
			u.makeRaw()
			if sigProxy {
				u.proxySignals(ctx, g, c)
			}
			att, err := c.Attach(ctx, u.streams)
			if err != nil {
				return err
			}
			defer att.Close()
			u.follow(ctx, att)
			if err := att.Wait(); err != nil {
				if ctx.Err() != nil {
					return nil // interrupted without --sig-proxy: detach
				}
				return exitStatus(0, err)
			}
			u.restore()
			return exitStatus(c.Wait(ctx))
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&noStdin, "no-stdin", false, "do not attach stdin")
	fl.BoolVar(&sigProxy, "sig-proxy", true, "send the signals berth receives to the container")
	fl.StringVar(&detachKeys, "detach-keys", engine.DefaultDetachKeys, `keys that detach from the container ("" disables)`)
	return cmd
}
