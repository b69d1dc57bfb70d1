package container

import (
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newLogs(g *cli.Globals) *cobra.Command {
	var follow, timestamps, names bool
	var tail, since, until string
	cmd := &cobra.Command{
		Use:   "logs [flags] CONTAINER [CONTAINER...]",
		Short: "Show what containers wrote to stdout and stderr",
		Long: `Print the logs of containers: stdout lines to stdout, stderr lines to
stderr. --since and --until take an RFC 3339 time (2026-01-02T15:04:05Z),
a Unix time in seconds, or a duration before now (10m, 1h30m).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			opts := engine.LogOptions{Tail: -1, Follow: follow}
			var err error
			if tail != "" && tail != "all" {
				if opts.Tail, err = strconv.Atoi(tail); err != nil || opts.Tail < 0 {
					return usageErr("invalid --tail %q: want a number of lines or all", tail)
				}
			}
			now := time.Now()
			if opts.Since, err = cli.ParseTime(since, now); err != nil {
				return usageErr("invalid --since: %v", err)
			}
			if opts.Until, err = cli.ParseTime(until, now); err != nil {
				return usageErr("invalid --until: %v", err)
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			for _, ref := range args {
				c, err := rt.LookupContainer(ctx, ref)
				if err != nil {
					return err
				}
				prefix := ""
				if names || len(args) > 1 {
					prefix = c.Name() + " "
				}
				err = c.Logs(ctx, opts, func(l engine.LogLine) error {
					l.Text = prefix + l.Text
					return engine.WriteLogLine(os.Stdout, os.Stderr, l, timestamps)
				})
				if err != nil {
					return err
				}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&follow, "follow", "f", false, "keep printing new lines until the container stops")
	fl.BoolVarP(&timestamps, "timestamps", "t", false, "prefix each line with the time it was written")
	fl.BoolVarP(&names, "names", "n", false, "prefix each line with the container's name")
	fl.StringVar(&tail, "tail", "all", "print only the last N lines")
	fl.StringVar(&since, "since", "", "print only lines written at or after this time")
	fl.StringVar(&until, "until", "", "print only lines written at or before this time")
	return cmd
}
