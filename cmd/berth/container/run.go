package container

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newRun(g *cli.Globals) *cobra.Command {
	var f createFlags
	var detach, sigProxy bool
	var detachKeys string
	cmd := &cobra.Command{
		Use:   "run [flags] IMAGE [COMMAND [ARG...]]",
		Short: "Create and start a container; in the foreground, exit with its exit code",
		Long: `Create and start a container from IMAGE.

In the foreground (the default) berth copies the container's stdout and
stderr to its own, waits for it to exit and exits with the container's exit
code (125 when berth itself fails, 126 when the command cannot be run, 127
when it does not exist). With -d it prints the container ID and returns.

With -it the container gets a terminal and berth's terminal is put in raw
mode: every key goes to the container, its size follows berth's window.
The detach keys (default ctrl-p,ctrl-q) leave it running in the
background; 'berth attach' reconnects. Without -t, -i forwards stdin until
it ends, then closes the container's stdin. Signals berth receives
(SIGINT, SIGTERM, SIGHUP, ...) are sent to the container unless
--sig-proxy=false.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cs, err := f.toSpec(cmd, args)
			if err != nil {
				return err
			}
			if detach && cs.Remove && cs.RestartPolicy != "" && cs.RestartPolicy != "no" {
				return usageErr("the --rm option conflicts with --restart")
			}
			g.Prefetch = true
			rt, err := g.Runtime(cmd.Context())
			if err != nil {
				return err
			}
			if detach {
				c, _, err := rt.Run(cmd.Context(), cs, engine.RunOptions{Detach: true})
				if err != nil {
					return err
				}
				fmt.Println(c.ID())
				return nil
			}
			u, err := newUserIO(f.interactive, f.tty, detachKeys)
			if err != nil {
				return err
			}
			defer u.restore()
			ctx := cmd.Context()
			u.makeRaw()
			_, code, err := rt.Run(ctx, cs, engine.RunOptions{
				Streams: u.streams,
				OnCreate: func(c *engine.Container) {
					if sigProxy {
						u.proxySignals(ctx, g, c)
					}
				},
				OnAttach: func(_ *engine.Container, att *engine.Attachment) { u.follow(ctx, att) },
			})
			u.restore()
			return exitStatus(code, err)
		},
	}
	cmd.Flags().SetInterspersed(false)
	f.register(cmd.Flags())
	cmd.Flags().BoolVarP(&detach, "detach", "d", false, "run in the background and print the container ID")
	cmd.Flags().StringVar(&detachKeys, "detach-keys", engine.DefaultDetachKeys, `keys that detach from the container and leave it running ("" disables)`)
	cmd.Flags().BoolVar(&sigProxy, "sig-proxy", true, "send the signals berth receives to the container")
	return cmd
}
