package network

import (
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/cmd/berth/format"
)

const lsDefaultFormat = "table {{.ID}}\t{{.Name}}\t{{.Driver}}"

var lsHeaders = map[string]string{"ID": "NETWORK ID"}

// lsRow is what --format sees for one network.
type lsRow struct {
	ID, Name, Driver, Subnets, Created string
	Labels                             map[string]string
	Internal, IPv6, DNS                bool
}

// Label is {{.Label "key"}} in templates.
func (r lsRow) Label(k string) string { return r.Labels[k] }

func newLs(g *cli.Globals) *cobra.Command {
	var tmpl string
	var filters []string
	var quiet, noTrunc bool
	cmd := &cobra.Command{
		Use:     "ls [flags]",
		Aliases: []string{"list"},
		Short:   "List networks",
		Long: `List networks.
Filters: name=REGEX, id=PREFIX, driver=NAME, label=KEY[=VALUE], dangling=true|false.
--format fields: .ID .Name .Driver .Subnets .Created .Labels .Internal .IPv6 .DNS,
"table ..." or "json".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			list, err := rt.ListNetworks(ctx, filters)
			if err != nil {
				return err
			}
			if quiet {
				for _, n := range list {
					os.Stdout.WriteString(shortID(n.ID, noTrunc) + "\n")
				}
				return nil
			}
			f, err := format.New(tmpl, lsDefaultFormat, lsHeaders)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			if f.IsJSON() {
				return f.Write(os.Stdout, list)
			}
			rows := make([]lsRow, 0, len(list))
			for _, n := range list {
				var subs []string
				for _, s := range n.Subnets {
					subs = append(subs, s.Subnet)
				}
				rows = append(rows, lsRow{
					ID: shortID(n.ID, noTrunc), Name: n.Name, Driver: n.Driver, Subnets: strings.Join(subs, ","),
					Created: n.Created.Format("2006-01-02 15:04:05 -0700 MST"), Labels: n.Labels,
					Internal: n.Internal, IPv6: n.IPv6, DNS: n.DNS,
				})
			}
			return f.Write(os.Stdout, rows)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&tmpl, "format", "", `format output: a Go template, "table TEMPLATE" or "json"`)
	fl.StringArrayVarP(&filters, "filter", "f", nil, "filter output with KEY=VALUE (name, id, driver, label, dangling)")
	fl.BoolVarP(&quiet, "quiet", "q", false, "print only network IDs")
	fl.BoolVar(&noTrunc, "no-trunc", false, "do not truncate network IDs")
	return cmd
}

func shortID(id string, noTrunc bool) string {
	if noTrunc || len(id) <= 12 {
		return id
	}
	return id[:12]
}
