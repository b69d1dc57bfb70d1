package pod

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/cmd/berth/format"
	"github.com/berthproject/berth/engine"
)

func newInspect(g *cli.Globals) *cobra.Command {
	var tmpl string
	cmd := &cobra.Command{
		Use:   "inspect [flags] POD [POD...]",
		Short: "Show pods as JSON (or with --format TEMPLATE)",
		Long: `Show pods as JSON: ID, name, state, hostname, labels, infra container
and its network settings, shared namespaces, cgroup parent and limits, and
containers.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			objs := []*engine.PodInspect{}
			var errs []error
			for _, ref := range args {
				p, err := rt.LookupPod(ctx, ref)
				if err == nil {
					var in *engine.PodInspect
					if in, err = p.Inspect(ctx); err == nil {
						objs = append(objs, in)
					}
				}
				if err != nil {
					errs = append(errs, err)
				}
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
					return err
				}
			}
			for i, err := range errs {
				if i < len(errs)-1 {
					cli.PrintError(os.Stderr, err)
				}
			}
			return errors.Join(lastOf(errs)...)
		},
	}
	cmd.Flags().StringVarP(&tmpl, "format", "f", "", "format the output with a Go template, or json (the default)")
	return cmd
}

func lastOf(errs []error) []error {
	if len(errs) == 0 {
		return nil
	}
	return errs[len(errs)-1:]
}
