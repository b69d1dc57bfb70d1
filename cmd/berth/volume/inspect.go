package volume

import (
	"context"
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/cmd/berth/format"
	"github.com/berthproject/berth/engine"
)

func newInspect(g *cli.Globals) *cobra.Command {
	var tmpl string
	var all bool
	cmd := &cobra.Command{
		Use:   "inspect [flags] VOLUME [VOLUME...]",
		Short: "Show volumes as JSON (or with --format TEMPLATE)",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if all == (len(args) > 0) {
				return usageErr("give volume names or --all")
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			objs := []engine.VolumeInspect{}
			var errs []error
			if all {
				if objs, err = rt.ListVolumes(ctx, nil); err != nil {
					return err
				}
			}
			for _, name := range args {
				v, err := rt.LookupVolume(ctx, name)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				objs = append(objs, v.Inspect())
			}
			if tmpl == "" {
				tmpl = "json"
			}
			f, err := format.New(tmpl, "json", nil)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			if len(objs) > 0 || len(errs) == 0 {
				if err := f.Write(os.Stdout, objs); err != nil {
					return errors.Join(err, printErrors(errs))
				}
			}
			return printErrors(errs)
		},
	}
	cmd.Flags().StringVarP(&tmpl, "format", "f", "", "format the output with a Go template, or json (the default)")
	cmd.Flags().BoolVarP(&all, "all", "a", false, "inspect every volume")
	return cmd
}

func newExists(g *cli.Globals) *cobra.Command {
	return cli.NewExistsCommand(g, "VOLUME", func(ctx context.Context, rt *engine.Runtime, ref string) (bool, error) {
		_, err := rt.LookupVolume(ctx, ref)
		if errors.Is(err, engine.ErrNoSuchVolume) {
			return false, nil
		}
		return err == nil, err
	})
}
