package image

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/cmd/berth/format"
)

func newRmi(g *cli.Globals, use string) *cobra.Command {
	var force, all bool
	cmd := &cobra.Command{
		Use:   use + " [flags] IMAGE [IMAGE...]",
		Short: "Remove images (or just one of their names)",
		Long: `Remove images. Removing by a name that is one of several names of the
image only removes that name; removing by ID (or the last name) deletes the
image. An image used by a container cannot be removed unless --force, which
removes those containers first.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			if all {
				imgs, err := rt.Images(ctx)
				if err != nil {
					return err
				}
				for _, img := range imgs {
					args = append(args, img.ID)
				}
			} else if len(args) == 0 {
				return cli.UsageError{Err: fmt.Errorf("at least one image name or ID must be given")}
			}
			var last error
			for _, ref := range args {
				rep, err := rt.RemoveImage(ctx, ref, force)
				if err != nil {
					if last != nil {
						cli.PrintError(os.Stderr, last)
					}
					last = err
					continue
				}
				for _, n := range rep.Untagged {
					fmt.Println("Untagged: " + n)
				}
				if rep.Deleted != "" {
					fmt.Println("Deleted: " + rep.Deleted)
				}
			}
			return last
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "remove the image even when containers use it (removing those containers) or it has several names")
	cmd.Flags().BoolVarP(&all, "all", "a", false, "remove all images")
	return cmd
}

func newTag(g *cli.Globals, use string) *cobra.Command {
	return &cobra.Command{
		Use:   use + " IMAGE TARGET_NAME [TARGET_NAME...]",
		Short: "Add names to a local image",
		Long: `Add one or more names to an image. A name without a registry is put
under localhost/ and one without a tag gets :latest.`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			for _, n := range args[1:] {
				if err := rt.TagImage(ctx, args[0], n); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

func newImageInspect(g *cli.Globals) *cobra.Command {
	var tmpl string
	cmd := &cobra.Command{
		Use:   "inspect [flags] IMAGE [IMAGE...]",
		Short: "Show the configuration of images as JSON",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			var objs []any
			for _, ref := range args {
				d, err := rt.InspectImage(ctx, ref)
				if err != nil {
					return err
				}
				objs = append(objs, d)
			}
			if tmpl == "" {
				tmpl = "json"
			}
			f, err := format.New(tmpl, "json", nil)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			return f.Write(os.Stdout, objs)
		},
	}
	cmd.Flags().StringVarP(&tmpl, "format", "f", "", "format the output with a Go template, or json (the default)")
	return cmd
}
