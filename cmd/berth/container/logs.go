package container

import (
	"context"
	"os"
	"sync"

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
a Unix time in seconds, or a duration before now (10m, 1h30m).

With several containers each line starts with the container's name (as
with --names); with --follow they are followed at the same time, and berth
returns when all of them stopped. A restart does not end --follow.`,
		Args: cobra.MinimumNArgs(1),
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
			// Look every container up first: a typo fails before any output.
			ctrs := make([]*engine.Container, 0, len(args))
			for _, ref := range args {
				c, err := rt.LookupContainer(ctx, ref)
				if err != nil {
					return err
				}
				ctrs = append(ctrs, c)
			}
			var mu sync.Mutex // one line at a time when following several
			show := func(c *engine.Container) error {
				prefix := ""
				if names || len(ctrs) > 1 {
					prefix = c.Name() + " "
				}
				return c.Logs(ctx, opts, func(l engine.LogLine) error {
					l.Text = prefix + l.Text
					mu.Lock()
					defer mu.Unlock()
					return engine.WriteLogLine(os.Stdout, os.Stderr, l, timestamps)
				})
			}
			if !follow || len(ctrs) == 1 {
				for _, c := range ctrs {
					if err := show(c); err != nil {
						return err
					}
				}
				return nil
			}
			return followAll(ctx, ctrs, show)
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

// followAll follows the logs of several containers at once and returns the
// first error once all are done.
func followAll(ctx context.Context, ctrs []*engine.Container, show func(*engine.Container) error) error {
	errs := make(chan error, len(ctrs))
	for _, c := range ctrs {
		go func() { errs <- show(c) }()
	}
	var first error
	for range ctrs {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}
