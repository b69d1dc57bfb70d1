package container

import (
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
			descriptors := cli.TopDescriptors(args[1:])
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
			return cli.WriteRows(rows)
		},
	}
	return cmd
}
