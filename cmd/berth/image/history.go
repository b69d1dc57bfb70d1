package image

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/cmd/berth/format"
	"github.com/berthproject/berth/engine"
)

func newHistory(g *cli.Globals, use string) *cobra.Command {
	var noTrunc, quiet, human bool
	var tmpl string
	cmd := &cobra.Command{
		Use:   use + " [flags] IMAGE",
		Short: "Show the history of an image",
		Long: `Show the steps that made an image, newest first. --format fields: .ID
.Created .CreatedAt .CreatedBy .Size .Comment`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			h, err := rt.ImageHistory(ctx, args[0])
			if err != nil {
				return err
			}
			now := time.Now()
			rows := make([]historyRow, 0, len(h))
			for _, e := range h {
				id := "<missing>"
				if e.ID != "" {
					id = imageID(e.ID, noTrunc)
				}
				if quiet {
					fmt.Println(id)
					continue
				}
				by := e.CreatedBy
				if !noTrunc && len(by) > 45 {
					by = by[:42] + "..."
				}
				r := historyRow{ID: id, CreatedBy: by, Comment: e.Comment, Size: format.HumanSize(e.Size),
					Created: format.TimeAgo(e.Created, now), CreatedAt: e.Created.Format(time.RFC3339)}
				if !human {
					r.Size = fmt.Sprint(e.Size)
					r.Created = r.CreatedAt
				}
				rows = append(rows, r)
			}
			if quiet {
				return nil
			}
			f, err := format.New(tmpl, "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}",
				map[string]string{"ID": "IMAGE", "CreatedBy": "CREATED BY"})
			if err != nil {
				return cli.UsageError{Err: err}
			}
			return f.Write(os.Stdout, rows)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&noTrunc, "no-trunc", false, "do not truncate IDs and commands")
	fl.BoolVarP(&quiet, "quiet", "q", false, "print only the IDs")
	fl.BoolVarP(&human, "human", "H", true, "human-readable sizes and times")
	fl.StringVar(&tmpl, "format", "", `format output: a Go template, "table TEMPLATE" or "json"`)
	return cmd
}

type historyRow struct {
	ID, Created, CreatedAt, CreatedBy, Size, Comment string
}

func newTree(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "tree IMAGE",
		Short: "Show an image's layers as a tree",
		Long: `Show the layers of an image, base first, with their sizes and the local
images whose top layer each one is.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			img, layers, err := rt.ImageTree(ctx, args[0])
			if err != nil {
				return err
			}
			var b strings.Builder
			fmt.Fprintf(&b, "Image ID: %s\nTags:     [%s]\nSize:     %s\nImage Layers\n", imageID(img.ID, false),
				strings.Join(img.Names, " "), format.HumanSize(img.Size))
			for i, l := range layers {
				branch := "├── "
				if i == len(layers)-1 {
					branch = "└── "
				}
				fmt.Fprintf(&b, "%sID: %s Size: %7s", branch, imageID(l.ID, false), format.HumanSize(l.Size))
				if len(l.TopOf) > 0 {
					fmt.Fprintf(&b, " Top Layer of: [%s]", strings.Join(l.TopOf, " "))
				}
				b.WriteByte('\n')
			}
			_, err = os.Stdout.WriteString(b.String())
			return err
		},
	}
}

func newPrune(g *cli.Globals) *cobra.Command {
	var all, force bool
	cmd := &cobra.Command{
		Use:   "prune [flags]",
		Short: "Remove unused images",
		Long: `Remove dangling images (those without a name) that no container uses;
with --all, every image no container uses. Prints the removed IDs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			ids, err := rt.PruneImages(ctx, all)
			for _, id := range ids {
				fmt.Println(id)
			}
			return err
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "remove every image no container uses, not only dangling ones")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not ask for confirmation (berth never asks)")
	return cmd
}

func newExists(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "exists IMAGE",
		Short: "Exit 0 if the image is in local storage, 1 if not",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			if _, err := rt.LookupImage(ctx, args[0]); err != nil {
				if errors.Is(err, engine.ErrNoSuchImage) {
					return cli.ExitError{Code: 1}
				}
				return err
			}
			return nil
		},
	}
}

func newUntag(g *cli.Globals, use string) *cobra.Command {
	return &cobra.Command{
		Use:   use + " IMAGE [NAME...]",
		Short: "Remove names from an image (all of them without NAME)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			_, err = rt.UntagImage(ctx, args[0], args[1:])
			return err
		},
	}
}
