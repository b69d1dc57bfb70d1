package container

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/cmd/berth/format"
	"github.com/berthproject/berth/engine"
)

const statsDefaultFormat = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"

var statsHeaders = map[string]string{"ID": "CONTAINER ID", "CPUPerc": "CPU %", "MemUsage": "MEM USAGE / LIMIT",
	"MemPerc": "MEM %", "NetIO": "NET I/O", "BlockIO": "BLOCK I/O", "PIDs": "PIDS"}

func newStats(g *cli.Globals) *cobra.Command {
	var all, noStream, noTrunc bool
	var tmpl string
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "stats [flags] [CONTAINER...]",
		Short: "Show CPU, memory, network, block I/O and process counts of running containers",
		Long: `Show live resource usage of running containers (all running ones when
none is named), read from their cgroups. On a terminal the table refreshes
in place; --no-stream prints one sample (CPU % over a short interval) and
exits. --format fields: .ID .Name .CPUPerc .MemUsage .MemPerc .NetIO
.BlockIO .PIDs, "table ..." or "json".`,
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := format.New(tmpl, statsDefaultFormat, statsHeaders)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			if interval <= 0 {
				return usageErr("--interval must be positive")
			}
			return runStats(cmd.Context(), g, args, all, noStream, noTrunc, interval, f)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&all, "all", "a", false, "include containers that are not running (shown with no figures)")
	fl.BoolVar(&noStream, "no-stream", false, "print one sample and exit")
	fl.BoolVar(&noTrunc, "no-trunc", false, "do not shorten IDs")
	fl.StringVar(&tmpl, "format", "", `format output: a Go template, "table TEMPLATE" or "json"`)
	fl.DurationVarP(&interval, "interval", "i", time.Second, "time between refreshes")
	return cmd
}

func runStats(ctx context.Context, g *cli.Globals, args []string, all, noStream, noTrunc bool, interval time.Duration, f *format.Formatter) error {
	rt, err := g.Runtime(ctx)
	if err != nil {
		return err
	}
	refs := args
	if len(refs) == 0 {
		if refs, err = allRefs(ctx, g, !all); err != nil {
			return err
		}
	}
	ctrs := make([]*engine.Container, 0, len(refs))
	for _, ref := range refs {
		c, err := rt.LookupContainer(ctx, ref)
		if err != nil {
			return err
		}
		ctrs = append(ctrs, c)
	}
	prev := map[string]*engine.Stats{}
	sample := func() []statsRow {
		rows := make([]statsRow, 0, len(ctrs))
		for _, c := range ctrs {
			s, err := c.Stats(ctx, prev[c.ID()])
			if err != nil {
				if len(args) > 0 && !errors.Is(err, engine.ErrCtrStateInvalid) {
					cli.PrintError(os.Stderr, err)
				}
				rows = append(rows, statsRow{s: &engine.Stats{ID: c.ID(), Name: c.Name()}, noTrunc: noTrunc, empty: true})
				continue
			}
			prev[c.ID()] = s
			rows = append(rows, statsRow{s: s, noTrunc: noTrunc})
		}
		return rows
	}
	sample() // the baseline for the CPU percentage
	tty := term.IsTerminal(int(os.Stdout.Fd())) && !noStream
	wait := interval
	if noStream {
		wait = 500 * time.Millisecond
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		rows := sample()
		if tty {
			fmt.Print("\033[2J\033[H") // redraw in place
		}
		if f.IsJSON() {
			if err := f.Write(os.Stdout, statsJSON(rows)); err != nil {
				return err
			}
		} else if err := f.Write(os.Stdout, rows); err != nil {
			return err
		}
		if noStream {
			return nil
		}
		wait = interval
	}
}

type statsRow struct {
	s       *engine.Stats
	noTrunc bool
	empty   bool
}

func (r statsRow) ID() string   { return shortID(r.s.ID, r.noTrunc) }
func (r statsRow) Name() string { return r.s.Name }
func (r statsRow) CPUPerc() string {
	if r.empty {
		return "--"
	}
	return fmt.Sprintf("%.2f%%", r.s.CPUPercent)
}
func (r statsRow) MemUsage() string {
	if r.empty {
		return "-- / --"
	}
	return format.HumanSize(int64(r.s.MemUsage)) + " / " + format.HumanSize(int64(r.s.MemLimit))
}
func (r statsRow) MemPerc() string {
	if r.empty {
		return "--"
	}
	return fmt.Sprintf("%.2f%%", r.s.MemPercent)
}
func (r statsRow) NetIO() string {
	if r.empty {
		return "-- / --"
	}
	return format.HumanSize(int64(r.s.NetRx)) + " / " + format.HumanSize(int64(r.s.NetTx))
}
func (r statsRow) BlockIO() string {
	if r.empty {
		return "-- / --"
	}
	return format.HumanSize(int64(r.s.BlockRead)) + " / " + format.HumanSize(int64(r.s.BlockWrite))
}
func (r statsRow) PIDs() string {
	if r.empty {
		return "--"
	}
	return fmt.Sprint(r.s.Pids)
}

func statsJSON(rows []statsRow) []*engine.Stats {
	out := make([]*engine.Stats, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.s)
	}
	return out
}
