package container

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/cmd/berth/format"
	"github.com/berthproject/berth/engine"
)

func newInspect(g *cli.Globals) *cobra.Command {
	var tmpl, kind string
	cmd := &cobra.Command{
		Use:   "inspect [flags] NAME [NAME...]",
		Short: "Show the configuration and state of containers or images as JSON",
		Long: `Show containers (and, for names that are not containers, images) as a
JSON array, or one line per object with --format TEMPLATE, for example
--format '{{.State.Status}}' or --format '{{json .Config.Env}}'.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			if kind != "" && kind != "container" && kind != "image" && kind != "all" {
				return usageErr("invalid --type %q: use container, image or all", kind)
			}
			var objs []any
			var last error
			for _, ref := range args {
				obj, err := inspectOne(cmd, rt, ref, kind)
				if err != nil {
					if last != nil {
						cli.PrintError(os.Stderr, last)
					}
					last = err
					continue
				}
				objs = append(objs, obj)
			}
			if tmpl == "" {
				tmpl = "json"
			}
			f, err := format.New(tmpl, "json", nil)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			if objs == nil {
				objs = []any{}
			}
			if len(objs) > 0 || last == nil {
				if err := f.Write(os.Stdout, objs); err != nil {
					return err
				}
			}
			return last
		},
	}
	cmd.Flags().StringVarP(&tmpl, "format", "f", "", "format the output with a Go template, or json (the default)")
	cmd.Flags().StringVarP(&kind, "type", "t", "", "what to inspect: container, image or all (default: containers, then images)")
	return cmd
}

func inspectOne(cmd *cobra.Command, rt *engine.Runtime, ref, kind string) (any, error) {
	ctx := cmd.Context()
	if kind != "image" {
		c, err := rt.LookupContainer(ctx, ref)
		if err == nil {
			return c.Inspect(ctx)
		}
		if kind == "container" || !errors.Is(err, engine.ErrNoSuchCtr) {
			return nil, err
		}
	}
	img, err := rt.InspectImage(ctx, ref)
	if err != nil && kind == "" && errors.Is(err, engine.ErrNoSuchImage) {
		return nil, errors.New("no such object: \"" + ref + "\"")
	}
	return img, err
}
