package container

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newWait(g *cli.Globals) *cobra.Command {
	var conditions []string
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "wait [flags] CONTAINER [CONTAINER...]",
		Short: "Wait for containers to exit and print their exit codes",
		Long: `Block until each container exits, then print its exit code. The exit is
noticed through conmon's exit file, without polling the OCI runtime.
With --condition, wait until the container reaches one of the given states
instead (created, running, paused, exited, stopping) and print nothing but
the exit code for "exited".`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			want, err := parseConditions(conditions)
			if err != nil {
				return err
			}
			for _, ref := range args {
				c, err := rt.LookupContainer(ctx, ref)
				if err != nil {
					return err
				}
				if want == nil {
					code, err := c.Wait(ctx)
					if err != nil {
						return err
					}
					fmt.Println(code)
					continue
				}
				got, err := c.WaitForStatus(ctx, interval, want...)
				if err != nil {
					return err
				}
				if got == engine.StatusExited {
					fmt.Println(c.State().ExitCode)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&conditions, "condition", nil, "state(s) to wait for instead of the exit: created, running, paused, exited, stopping")
	cmd.Flags().DurationVarP(&interval, "interval", "i", 250*time.Millisecond, "how often to check the state with --condition")
	return cmd
}

func parseConditions(list []string) ([]engine.Status, error) {
	var out []engine.Status
	for _, c := range list {
		switch s := strings.ToLower(c); s {
		case "created", "configured":
			out = append(out, engine.StatusCreated, engine.StatusConfigured)
		case "running", "paused", "exited", "stopping":
			out = append(out, engine.Status(s))
		case "stopped":
			out = append(out, engine.StatusExited)
		default:
			return nil, usageErr("invalid --condition %q: use created, running, paused, exited or stopping", c)
		}
	}
	return out, nil
}
