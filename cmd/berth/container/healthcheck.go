package container

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

// newHealthcheck is `berth healthcheck run`, for users and for the timer
// berth arms between checks.
func newHealthcheck(g *cli.Globals) *cobra.Command {
	group := &cobra.Command{
		Use:   "healthcheck",
		Short: "Run container healthchecks",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var scheduled string
	run := &cobra.Command{
		Use:   "run [flags] CONTAINER",
		Short: "Run a container's healthcheck now: exit 0 when healthy, 1 when not",
		Args:  cobra.ExactArgs(1),
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
			status, err := c.RunHealthcheck(ctx, scheduled)
			if err != nil || scheduled != "" {
				return err
			}
			if status == engine.HealthUnhealthy || (status == engine.HealthStarting && lastFailed(c)) {
				fmt.Println("unhealthy")
				return cli.ExitError{Code: 1}
			}
			fmt.Println(status)
			return nil
		},
	}
	run.Flags().StringVar(&scheduled, "scheduled", "", "internal: the timer token of a scheduled check")
	_ = run.Flags().MarkHidden("scheduled")
	group.AddCommand(run)
	return group
}

// lastFailed reports whether the latest check failed (a failure inside
// the start period leaves the status "starting").
func lastFailed(c *engine.Container) bool {
	h := c.State().Health
	return h != nil && len(h.Log) > 0 && h.Log[len(h.Log)-1].ExitCode != 0
}
