package volume

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/cmd/berth/format"
)

const lsDefaultFormat = "table {{.Driver}}\t{{.Name}}"

func newLs(g *cli.Globals) *cobra.Command {
	var quiet bool
	var tmpl string
	var filters []string
	cmd := &cobra.Command{
		Use:     "ls [flags]",
		Aliases: []string{"list"},
		Short:   "List volumes",
		Long: `List volumes. Filters: name=SUBSTRING, label=KEY[=VALUE], driver=local,
dangling=true|false (not used by any container), anonymous=true|false,
opt=KEY[=VALUE], until=TIME. --format fields: .Name .Driver .Mountpoint
.CreatedAt .Labels .Options .Scope, "table ..." or "json".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			list, err := rt.ListVolumes(ctx, filters)
			if err != nil {
				return err
			}
			if quiet {
				for _, v := range list {
					fmt.Println(v.Name)
				}
				return nil
			}
			f, err := format.New(tmpl, lsDefaultFormat, map[string]string{"Name": "VOLUME NAME"})
			if err != nil {
				return cli.UsageError{Err: err}
			}
			return f.Write(os.Stdout, list)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&quiet, "quiet", "q", false, "print only volume names")
	fl.StringVar(&tmpl, "format", "", `format output: a Go template, "table TEMPLATE" or "json"`)
	fl.StringArrayVarP(&filters, "filter", "f", nil, "filter output with KEY=VALUE (name, label, driver, dangling, anonymous, opt, until)")
	return cmd
}
