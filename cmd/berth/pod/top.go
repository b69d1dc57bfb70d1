package pod

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

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
			var descriptors []string
			for _, a := range args[1:] {
				for _, d := range strings.Split(a, ",") {
					if d = strings.TrimSpace(d); d != "" {
						descriptors = append(descriptors, d)
					}
				}
			}
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
			w := tabwriter.NewWriter(os.Stdout, 0, 0, 3, ' ', 0)
			for _, row := range rows {
				fmt.Fprintln(w, strings.Join(row, "\t"))
			}
			return w.Flush()
		},
	}
}
