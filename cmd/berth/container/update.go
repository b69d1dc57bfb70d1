package container

import (
	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newUpdate(g *cli.Globals) *cobra.Command {
	var f resourceFlags
	cmd := &cobra.Command{
		Use:   "update [flags] CONTAINER [CONTAINER...]",
		Short: "Change the resource limits of containers, running or not",
		Long: `Change cgroup limits (memory, CPU, processes, block I/O). A running
container gets the new limits at once; later starts keep them. Limits not
given stay as they were.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			res, err := f.resources(cmd)
			if err != nil {
				return err
			}
			if res == nil {
				return usageErr("no limit given: use --memory, --cpus, --pids-limit, ...")
			}
			return forEach(ctx, g, args, func(c *engine.Container) error { return c.Update(ctx, *res) })
		},
	}
	f.register(cmd.Flags())
	return cmd
}
