package container

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

const psDefaultFormat = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.Created}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"

var psHeaders = map[string]string{
	"ID": "CONTAINER ID", "Created": "CREATED", "RunningFor": "CREATED", "CreatedAt": "CREATED AT",
	"Names": "NAMES", "Size": "SIZE", "Pod": "POD ID", "PodName": "PODNAME",
}

type psOptions struct {
	all, quiet, noTrunc, size, latest bool
	pod                               bool
	last                              int
	filters                           []string
	format                            string
}

func newPs(g *cli.Globals, use string) *cobra.Command {
	var o psOptions
	cmd := &cobra.Command{
		Use:     use + " [flags]",
		Aliases: psAliases(use),
		Short:   "List containers",
		Long: `List containers (running ones unless --all).

Filters (--filter KEY=VALUE, repeatable; the same key ORs, different keys
AND): id, name (regular expression), label (KEY or KEY=VALUE), status
(created, running, paused, exited, stopping), exited (exit code),
ancestor (image), before and since (a container), pod (name or ID).

--format takes a Go template over the fields .ID .Image .ImageID .Command
.Created .CreatedAt .RunningFor .Status .State .ExitCode .Names .Labels
.Label "key" .Ports .Networks .Mounts .Size .Pid .Restarts .AutoRemove .Pod
.PodName,
"table ..." for a table with headers, or "json".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPs(cmd, g, &o)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&o.all, "all", "a", false, "show all containers, not only running ones")
	fl.BoolVarP(&o.quiet, "quiet", "q", false, "print only container IDs")
	fl.BoolVar(&o.noTrunc, "no-trunc", false, "do not truncate IDs and commands")
	fl.BoolVarP(&o.size, "size", "s", false, "show the size of the writable layer (and of the whole rootfs, in parentheses)")
	fl.BoolVarP(&o.latest, "latest", "l", false, "show only the most recently created container")
	fl.IntVarP(&o.last, "last", "n", -1, "show the n most recently created containers (all states)")
	fl.StringArrayVarP(&o.filters, "filter", "f", nil, "filter output with KEY=VALUE (see above)")
	fl.StringVar(&o.format, "format", "", `format output: a Go template, "table TEMPLATE" or "json"`)
	fl.BoolVarP(&o.pod, "pod", "p", false, "show the pod ID and name of each container")
	return cmd
}

func psAliases(use string) []string {
	if use == "ls" {
		return []string{"list", "ps"}
	}
	return nil
}

func runPs(cmd *cobra.Command, g *cli.Globals, o *psOptions) error {
	ctx := cmd.Context()
	rt, err := g.Runtime(ctx)
	if err != nil {
		return err
	}
	lo := engine.ListOptions{All: o.all, Filters: o.filters, Size: o.size, Networks: format.Shows(o.format, "Networks")}
	if o.last > 0 {
		lo.Last, lo.All = o.last, true
	}
	if o.latest {
		lo.Last, lo.All = 1, true
	}
	list, err := rt.ListContainers(ctx, lo)
	if err != nil {
		return err
	}
	if o.quiet {
		for _, e := range list {
			fmt.Println(shortID(e.ID, o.noTrunc))
		}
		return nil
	}
	def := psDefaultFormat
	if o.size {
		def += "\t{{.Size}}"
	}
	if o.pod {
		def += "\t{{.Pod}}\t{{.PodName}}"
	}
	f, err := format.New(o.format, def, psHeaders)
	if err != nil {
		return cli.UsageError{Err: err}
	}
	now := time.Now()
	if f.IsJSON() {
		rows := make([]psJSON, 0, len(list))
		for _, e := range list {
			rows = append(rows, newPsJSON(e))
		}
		return f.Write(os.Stdout, rows)
	}
	rows := make([]psRow, 0, len(list))
	for _, e := range list {
		rows = append(rows, psRow{e: e, now: now, noTrunc: o.noTrunc || o.format != ""})
	}
	return f.Write(os.Stdout, rows)
}

func shortID(id string, noTrunc bool) string {
	if noTrunc || len(id) <= 12 {
		return id
	}
	return id[:12]
}

// psRow is what --format templates see: methods, so fields print as
// podman and docker print them.
type psRow struct {
	e       engine.ListEntry
	now     time.Time
	noTrunc bool
}

func (r psRow) ID() string       { return shortID(r.e.ID, r.noTrunc) }
func (r psRow) Image() string    { return r.e.Image }
func (r psRow) ImageID() string  { return r.e.ImageID }
func (r psRow) Names() string    { return r.e.Name }
func (r psRow) Pid() int         { return r.e.PID }
func (r psRow) Restarts() int    { return r.e.Restarts }
func (r psRow) ExitCode() int    { return r.e.ExitCode }
func (r psRow) AutoRemove() bool { return r.e.AutoRemove }
func (r psRow) Mounts() string   { return strings.Join(r.e.Mounts, ",") }
func (r psRow) Pod() string      { return shortID(r.e.Pod, r.noTrunc) }
func (r psRow) PodName() string  { return r.e.PodName }
func (r psRow) State() string    { return r.e.Status.DisplayStatus() }
func (r psRow) CreatedAt() string {
	return r.e.Created.Format("2006-01-02 15:04:05.999999999 -0700 MST")
}
func (r psRow) Created() string    { return format.TimeAgo(r.e.Created, r.now) }
func (r psRow) RunningFor() string { return format.TimeAgo(r.e.Created, r.now) }
func (r psRow) Label(k string) string {
	return r.e.Labels[k]
}

// Ports prints the bound ports as podman does:
// "0.0.0.0:8080->80/tcp, 0.0.0.0:9000-9001->9000-9001/udp".
func (r psRow) Ports() string { return formatPorts(r.e.Ports) }

// Networks prints the networks in attachment order, comma-separated.
func (r psRow) Networks() string { return strings.Join(r.e.Networks, ",") }

func formatPorts(ports []engine.PortMapping) string {
	parts := make([]string, len(ports))
	for i, p := range ports {
		parts[i] = p.Published()
	}
	return strings.Join(parts, ", ")
}

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

// Command is quoted and, in the default table, shortened like docker's.
func (r psRow) Command() string {
	cmd := strings.Join(r.e.Command, " ")
	if !r.noTrunc && len(cmd) > 20 {
		cmd = cmd[:19] + "…"
	}
	return `"` + cmd + `"`
}

func (r psRow) Status() string {
	switch r.e.Status {
	case engine.StatusRunning, engine.StatusStopping:
		up := "Up " + format.HumanDuration(r.now.Sub(r.e.StartedAt))
		if r.e.Health != "" {
			up += " (" + r.e.Health + ")"
		}
		return up
	case engine.StatusPaused:
		return "Up " + format.HumanDuration(r.now.Sub(r.e.StartedAt)) + " (Paused)"
	case engine.StatusExited:
		return fmt.Sprintf("Exited (%d) %s", r.e.ExitCode, format.TimeAgo(r.e.FinishedAt, r.now))
	case engine.StatusRemoving:
		return "Removal In Progress"
	}
	return "Created"
}

func (r psRow) Size() string {
	return fmt.Sprintf("%s (virtual %s)", format.HumanSize(r.e.SizeRw), format.HumanSize(r.e.SizeRootFs))
}

// psJSON is podman's `ps --format json` shape.
type psJSON struct {
	AutoRemove bool              `json:"AutoRemove"`
	Command    []string          `json:"Command"`
	CreatedAt  string            `json:"CreatedAt"`
	Created    int64             `json:"Created"`
	Exited     bool              `json:"Exited"`
	ExitedAt   int64             `json:"ExitedAt"`
	ExitCode   int               `json:"ExitCode"`
	ID         string            `json:"Id"`
	Image      string            `json:"Image"`
	ImageID    string            `json:"ImageID"`
	Labels     map[string]string `json:"Labels"`
	Mounts     []string          `json:"Mounts"`
	Names      []string          `json:"Names"`
	Pid        int               `json:"Pid"`
	Restarts   int               `json:"Restarts"`
	StartedAt  int64             `json:"StartedAt"`
	State      string            `json:"State"`
	Status     string            `json:"Status"`
	Size       *psSize           `json:"Size,omitempty"`
	Pod        string            `json:"Pod"`
	PodName    string            `json:"PodName"`
	Networks   []string          `json:"Networks"`
	// Ports in podman's shape: host_ip, container_port, host_port,
	// range, protocol.
	Ports []engine.PortMapping `json:"Ports"`
}

type psSize struct {
	RootFsSize int64 `json:"rootFsSize"`
	RwSize     int64 `json:"rwSize"`
}

func newPsJSON(e engine.ListEntry) psJSON {
	j := psJSON{
		AutoRemove: e.AutoRemove, Command: e.Command, Created: e.Created.Unix(),
		CreatedAt: format.TimeAgo(e.Created, time.Now()), Exited: e.Status == engine.StatusExited,
		ExitCode: e.ExitCode, ID: e.ID, Image: e.Image, ImageID: e.ImageID, Labels: e.Labels,
		Mounts: e.Mounts, Names: []string{e.Name}, Pid: e.PID, Restarts: e.Restarts, State: e.Status.DisplayStatus(),
		Status: psRow{e: e, now: time.Now()}.Status(),
		Pod:    e.Pod, PodName: e.PodName, Networks: e.Networks, Ports: e.Ports,
	}
	if j.Networks == nil {
		j.Networks = []string{}
	}
	if j.Ports == nil {
		j.Ports = []engine.PortMapping{}
	}
	if !e.FinishedAt.IsZero() {
		j.ExitedAt = e.FinishedAt.Unix()
	}
	if !e.StartedAt.IsZero() {
		j.StartedAt = e.StartedAt.Unix()
	}
	if j.Mounts == nil {
		j.Mounts = []string{}
	}
	if e.SizeRootFs > 0 || e.SizeRw > 0 {
		j.Size = &psSize{RootFsSize: e.SizeRootFs, RwSize: e.SizeRw}
	}
	return j
}
