package container

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newRun(g *cli.Globals) *cobra.Command {
	var f createFlags
	var detach bool
	cmd := &cobra.Command{
		Use:   "run [flags] IMAGE [COMMAND [ARG...]]",
		Short: "Create and start a container; in the foreground, exit with its exit code",
		Long: `Create and start a container from IMAGE.

In the foreground (the default) berth copies the container's stdout and
stderr to its own, waits for it to exit and exits with the container's exit
code (125 when berth itself fails, 126 when the command cannot be run, 127
when it does not exist). With -d it prints the container ID and returns.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cs, err := f.toSpec(cmd, args)
			if err != nil {
				return err
			}
			if detach && cs.Remove && cs.RestartPolicy != "" && cs.RestartPolicy != "no" {
				return usageErr("the --rm option conflicts with --restart")
			}
			rt, err := g.Runtime(cmd.Context())
			if err != nil {
				return err
			}
			opts := engine.RunOptions{Detach: detach, Streams: engine.Streams{Stdout: os.Stdout, Stderr: os.Stderr}}
			if f.interactive {
				opts.Streams.Stdin = os.Stdin
			}
			c, code, err := rt.Run(cmd.Context(), cs, opts)
			if err != nil {
				return err
			}
			if detach {
				fmt.Println(c.ID())
				return nil
			}
			if code != 0 {
				return cli.ExitError{Code: code}
			}
			return nil
		},
	}
	cmd.Flags().SetInterspersed(false)
	f.register(cmd.Flags())
	cmd.Flags().BoolVarP(&detach, "detach", "d", false, "run in the background and print the container ID")
	return cmd
}
