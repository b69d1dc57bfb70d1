package pod

import (
	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
)

func newTop(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "top [flags] POD [DESCRIPTOR...]",
		Short: "Show the processes of all running containers of a pod",
		Long: `Show the processes of every running container of the pod, ps-style, with
the container's name first. Descriptors are those of "berth top" (pid,
user, args, etime, ...).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			descriptors := cli.TopDescriptors(args[1:])
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			p, err := rt.LookupPod(ctx, args[0])
			if err != nil {
				return err
			}
			rows, err := p.Top(ctx, descriptors)
			if err != nil {
				return err
			}
			return cli.WriteRows(rows)
		},
	}
}
