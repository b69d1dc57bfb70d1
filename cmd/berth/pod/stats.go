package pod

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/cmd/berth/format"
	"github.com/berthproject/berth/engine"
)

const statsDefaultFormat = "table {{.Pod}}\t{{.CID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"

var statsHeaders = map[string]string{"Pod": "POD", "CID": "CID", "CPUPerc": "CPU %", "MemUsage": "MEM USAGE / LIMIT",
	"MemPerc": "MEM %", "NetIO": "NET IO", "BlockIO": "BLOCK IO", "PIDs": "PIDS"}

func newStats(g *cli.Globals) *cobra.Command {
	var all, noStream bool
	var tmpl string
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "stats [flags] [POD...]",
		Short: "Show the resource usage of the containers of pods",
		Long: `Show CPU, memory, network, block I/O and process counts of every running
container of the pods (all pods when none is named), one row per
container. --no-stream prints one sample; otherwise a new table follows
every --interval. --format fields: .Pod .CID .Name .CPUPerc .MemUsage
.MemPerc .NetIO .BlockIO .PIDs, "table ..." or "json".`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			f, err := format.New(tmpl, statsDefaultFormat, statsHeaders)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			if interval <= 0 {
				return usageErr("--interval must be positive")
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			refs, err := targets(ctx, rt, args, all || len(args) == 0)
			if err != nil {
				return err
			}
			var pods []*engine.Pod
			for _, ref := range refs {
				p, err := rt.LookupPod(ctx, ref)
				if err != nil {
					return err
				}
				pods = append(pods, p)
			}
			prev := map[string]*engine.Stats{}
			// A first sample makes CPU % meaningful in the first table.
			if _, err := sample(ctx, pods, prev); err != nil {
				return err
			}
			for {
				wait := interval
				if noStream {
					wait = 200 * time.Millisecond
				}
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(wait):
				}
				rows, err := sample(ctx, pods, prev)
				if err != nil {
					return err
				}
				if err := f.Write(os.Stdout, rows); err != nil {
					return err
				}
				if noStream {
					return nil
				}
			}
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&all, "all", "a", false, "show every pod (the default when none is named)")
	fl.BoolVar(&noStream, "no-stream", false, "print one sample and exit")
	fl.StringVar(&tmpl, "format", "", `format output: a Go template, "table TEMPLATE" or "json"`)
	fl.DurationVarP(&interval, "interval", "i", 5*time.Second, "time between two tables when streaming")
	return cmd
}

// sample takes one sample of every running container of pods, updating
// prev for the next CPU percentages.
func sample(ctx context.Context, pods []*engine.Pod, prev map[string]*engine.Stats) ([]statsRow, error) {
	var rows []statsRow
	for _, p := range pods {
		list, err := p.Stats(ctx, prev)
		if err != nil {
			return nil, err
		}
		for _, s := range list {
			prev[s.ID] = s
			rows = append(rows, statsRow{pod: p.ID(), s: s})
		}
	}
	return rows, nil
}

type statsRow struct {
	pod string
	s   *engine.Stats
}

func (r statsRow) Pod() string     { return short(r.pod, false) }
func (r statsRow) CID() string     { return short(r.s.ID, false) }
func (r statsRow) Name() string    { return r.s.Name }
func (r statsRow) CPUPerc() string { return fmt.Sprintf("%.2f%%", r.s.CPUPercent) }
func (r statsRow) MemPerc() string { return fmt.Sprintf("%.2f%%", r.s.MemPercent) }
func (r statsRow) PIDs() uint64    { return r.s.Pids }
func (r statsRow) MemUsage() string {
	return format.HumanSize(int64(r.s.MemUsage)) + " / " + format.HumanSize(int64(r.s.MemLimit))
}
func (r statsRow) NetIO() string {
	return format.HumanSize(int64(r.s.NetRx)) + " / " + format.HumanSize(int64(r.s.NetTx))
}
func (r statsRow) BlockIO() string {
	return format.HumanSize(int64(r.s.BlockRead)) + " / " + format.HumanSize(int64(r.s.BlockWrite))
}
