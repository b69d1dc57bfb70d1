package pod

import (
	"os"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newLogs(g *cli.Globals) *cobra.Command {
	var follow, timestamps, names bool
	var tail, since, until, only string
	cmd := &cobra.Command{
		Use:   "logs [flags] POD",
		Short: "Show the logs of every container of a pod",
		Long: `Print the logs of the pod's containers (the infra container writes none),
merged in time order, each line prefixed with its container's short ID
(--names: its name). --container/-c shows one container only. --since and
--until take an RFC 3339 time, a Unix time or a duration before now.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			opts, err := cli.ParseLogOptions(tail, since, until, follow)
			if err != nil {
				return err
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			p, err := rt.LookupPod(ctx, args[0])
			if err != nil {
				return err
			}
			return p.Logs(ctx, opts, func(c *engine.Container, l engine.LogLine) error {
				if only != "" && c.Name() != only && c.ID() != only && short(c.ID(), false) != only {
					return nil
				}
				prefix := short(c.ID(), false)
				if names {
					prefix = c.Name()
				}
				l.Text = prefix + " " + l.Text
				return engine.WriteLogLine(os.Stdout, os.Stderr, l, timestamps)
			})
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&follow, "follow", "f", false, "keep printing new lines until the containers stop")
	fl.BoolVarP(&timestamps, "timestamps", "t", false, "prefix each line with the time it was written")
	fl.BoolVarP(&names, "names", "n", false, "prefix lines with container names instead of IDs")
	fl.StringVarP(&only, "container", "c", "", "show only this container's lines (name or ID)")
	fl.StringVar(&tail, "tail", "all", "print only the last N lines of each container")
	fl.StringVar(&since, "since", "", "print only lines written at or after this time")
	fl.StringVar(&until, "until", "", "print only lines written at or before this time")
	return cmd
}
