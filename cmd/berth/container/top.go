package container

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
)

func newTop(g *cli.Globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "top [flags] CONTAINER [DESCRIPTOR...]",
		Short: "Show the processes of a running container",
		Long: `Show the processes of a running container, ps-style. berth reads them from
the host's /proc; the container needs no ps binary. PIDs are those inside
the container.

Descriptors (separate arguments or comma-separated) choose the columns:
pid, ppid, pgid, user, ruser, uid, group, rgroup, gid, args, comm, etime,
time, pcpu, tty, nice, vsz, rss, stat, hpid, hppid (host PIDs).
The default is user,pid,ppid,pcpu,etime,tty,time,args.`,
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
			c, err := rt.LookupContainer(ctx, args[0])
			if err != nil {
				return err
			}
			rows, err := c.Top(ctx, descriptors)
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
	return cmd
}
