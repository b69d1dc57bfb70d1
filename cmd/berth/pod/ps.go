package pod

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/cmd/berth/format"
	"github.com/berthproject/berth/engine"
)

const psDefaultFormat = "table {{.ID}}\t{{.Name}}\t{{.Status}}\t{{.Created}}\t{{.InfraID}}\t{{.NumberOfContainers}}"

var psHeaders = map[string]string{
	"ID": "POD ID", "InfraID": "INFRA ID", "NumberOfContainers": "# OF CONTAINERS",
	"ContainerNames": "NAMES", "ContainerIds": "IDS", "ContainerStatuses": "STATUS",
}

func newPs(g *cli.Globals) *cobra.Command {
	var quiet, noTrunc, names, ids, statuses bool
	var tmpl string
	var filters []string
	cmd := &cobra.Command{
		Use:     "ps [flags]",
		Aliases: []string{"ls", "list"},
		Short:   "List pods",
		Long: `List pods, newest first, with their state derived from their containers
(Created, Running, Degraded, Paused, Exited).

Filters (--filter KEY=VALUE; the same key ORs, different keys AND): id,
name (regular expression), label (KEY or KEY=VALUE), status, ctr-names
(regular expression), ctr-ids, ctr-status, ctr-number.

--format fields: .ID .Name .Status .Created .CreatedAt .InfraID
.NumberOfContainers .Labels .Label "key" .ContainerNames .ContainerIds
.ContainerStatuses .Networks .Cgroup, "table ..." or "json".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			list, err := rt.ListPods(ctx, filters)
			if err != nil {
				return err
			}
			if quiet {
				for _, p := range list {
					fmt.Println(short(p.ID, noTrunc))
				}
				return nil
			}
			def := psDefaultFormat
			if ids {
				def += "\t{{.ContainerIds}}"
			}
			if names {
				def += "\t{{.ContainerNames}}"
			}
			if statuses {
				def += "\t{{.ContainerStatuses}}"
			}
			f, err := format.New(tmpl, def, psHeaders)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			now := time.Now()
			rows := make([]psRow, 0, len(list))
			for _, p := range list {
				rows = append(rows, psRow{e: p, now: now, noTrunc: noTrunc || tmpl != ""})
			}
			if f.IsJSON() {
				js := make([]psJSON, 0, len(rows))
				for _, r := range rows {
					js = append(js, r.json())
				}
				return f.Write(os.Stdout, js)
			}
			return f.Write(os.Stdout, rows)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&quiet, "quiet", "q", false, "print only pod IDs")
	fl.BoolVar(&noTrunc, "no-trunc", false, "do not truncate IDs")
	fl.BoolVar(&names, "ctr-names", false, "show the names of the pod's containers")
	fl.BoolVar(&ids, "ctr-ids", false, "show the IDs of the pod's containers")
	fl.BoolVar(&statuses, "ctr-status", false, "show the states of the pod's containers")
	fl.StringVar(&tmpl, "format", "", `format output: a Go template, "table TEMPLATE" or "json"`)
	fl.StringArrayVarP(&filters, "filter", "f", nil, "filter output with KEY=VALUE (see above)")
	return cmd
}

func short(id string, noTrunc bool) string {
	if noTrunc || len(id) <= 12 {
		return id
	}
	return id[:12]
}

// psRow is what --format templates see.
type psRow struct {
	e       engine.PodListEntry
	now     time.Time
	noTrunc bool
}

func (r psRow) ID() string      { return short(r.e.ID, r.noTrunc) }
func (r psRow) Name() string    { return r.e.Name }
func (r psRow) Status() string  { return string(r.e.Status) }
func (r psRow) Created() string { return format.TimeAgo(r.e.Created, r.now) }
func (r psRow) CreatedAt() string {
	return r.e.Created.Format("2006-01-02 15:04:05.999999999 -0700 MST")
}
func (r psRow) InfraID() string         { return short(r.e.InfraID, r.noTrunc) }
func (r psRow) NumberOfContainers() int { return len(r.e.Containers) }
func (r psRow) Networks() string        { return strings.Join(r.e.Networks, ",") }
func (r psRow) Cgroup() string          { return r.e.Cgroup }
func (r psRow) Label(k string) string   { return r.e.Labels[k] }

func (r psRow) Labels() string {
	keys := make([]string, 0, len(r.e.Labels))
	for k := range r.e.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+r.e.Labels[k])
	}
	return strings.Join(parts, ",")
}

func (r psRow) each(f func(engine.PodContainer) string) string {
	out := make([]string, 0, len(r.e.Containers))
	for _, c := range r.e.Containers {
		out = append(out, f(c))
	}
	return strings.Join(out, ",")
}

func (r psRow) ContainerNames() string {
	return r.each(func(c engine.PodContainer) string { return c.Name })
}

func (r psRow) ContainerIds() string {
	return r.each(func(c engine.PodContainer) string { return short(c.ID, r.noTrunc) })
}

func (r psRow) ContainerStatuses() string {
	return r.each(func(c engine.PodContainer) string { return c.Status })
}

// psJSON is podman's `pod ps --format json` shape.
type psJSON struct {
	ID         string                `json:"Id"`
	Name       string                `json:"Name"`
	Status     string                `json:"Status"`
	Created    time.Time             `json:"Created"`
	InfraID    string                `json:"InfraId"`
	Labels     map[string]string     `json:"Labels"`
	Networks   []string              `json:"Networks"`
	Cgroup     string                `json:"Cgroup"`
	Containers []engine.PodContainer `json:"Containers"`
}

func (r psRow) json() psJSON {
	j := psJSON{ID: r.e.ID, Name: r.e.Name, Status: string(r.e.Status), Created: r.e.Created,
		InfraID: r.e.InfraID, Labels: r.e.Labels, Networks: r.e.Networks, Cgroup: r.e.Cgroup, Containers: r.e.Containers}
	if j.Networks == nil {
		j.Networks = []string{}
	}
	if j.Labels == nil {
		j.Labels = map[string]string{}
	}
	if j.Containers == nil {
		j.Containers = []engine.PodContainer{}
	}
	return j
}
