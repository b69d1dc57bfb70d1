package image

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/cmd/berth/format"
	"github.com/berthproject/berth/engine"
)

const imagesDefaultFormat = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}"

var imagesHeaders = map[string]string{"ID": "IMAGE ID", "Repository": "REPOSITORY", "Created": "CREATED"}

func newImages(g *cli.Globals, use string) *cobra.Command {
	var all, quiet, noTrunc, digests bool
	var tmpl string
	var filters []string
	cmd := &cobra.Command{
		Use:     use + " [flags] [REFERENCE]",
		Aliases: imagesAliases(use),
		Short:   "List local images",
		Long: `List local images, one line per name (untagged images show <none>).
Filters: dangling=true|false, label=KEY[=VALUE], reference=PATTERN,
before=IMAGE, since=IMAGE.
--format fields: .Repository .Tag .ID .Digest .Created .CreatedAt .Size
.Labels, "table ..." or "json".`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			if len(args) == 1 {
				filters = append(filters, "reference="+args[0])
			}
			list, err := rt.ListImages(ctx, engine.ImageListOptions{Labels: needsLabels(tmpl, filters)})
			if err != nil {
				return err
			}
			if list, err = engine.FilterImages(list, filters); err != nil {
				return cli.UsageError{Err: err}
			}
			if quiet {
				seen := map[string]bool{}
				for _, img := range list {
					if !seen[img.ID] {
						seen[img.ID] = true
						fmt.Println(imageID(img.ID, noTrunc))
					}
				}
				return nil
			}
			def := imagesDefaultFormat
			if digests {
				def = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.Created}}\t{{.Size}}"
			}
			f, err := format.New(tmpl, def, imagesHeaders)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			if f.IsJSON() {
				return f.Write(os.Stdout, imagesJSON(list))
			}
			return f.Write(os.Stdout, imageRows(list, noTrunc || tmpl != ""))
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&all, "all", "a", false, "show all images (intermediate images included; berth keeps none)")
	fl.BoolVarP(&quiet, "quiet", "q", false, "print only image IDs")
	fl.BoolVar(&noTrunc, "no-trunc", false, "do not truncate image IDs")
	fl.BoolVar(&digests, "digests", false, "show manifest digests")
	fl.StringVar(&tmpl, "format", "", `format output: a Go template, "table TEMPLATE" or "json"`)
	fl.StringArrayVarP(&filters, "filter", "f", nil, "filter output with KEY=VALUE (dangling, label, reference, before, since)")
	return cmd
}

// needsLabels reports whether the listing shows or filters on labels:
// only then does it read every image's config.
func needsLabels(tmpl string, filters []string) bool {
	if format.Shows(tmpl, "Labels") {
		return true
	}
	for _, f := range filters {
		if strings.HasPrefix(f, "label") {
			return true
		}
	}
	return false
}

func imagesAliases(use string) []string {
	if use == "ls" {
		return []string{"list"}
	}
	return nil
}

func imageID(id string, noTrunc bool) string {
	if noTrunc {
		return "sha256:" + id
	}
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

type imageRow struct {
	Repository, Tag, ID, Digest, Created, CreatedAt, Size string
	Labels                                                map[string]string
}

// imageRows gives one row per name, like podman and docker.
func imageRows(list []engine.Image, noTrunc bool) []imageRow {
	now := time.Now()
	rows := []imageRow{}
	for _, img := range list {
		base := imageRow{
			ID: imageID(img.ID, noTrunc), Digest: img.Digest, Created: format.TimeAgo(img.Created, now),
			CreatedAt: img.Created.Format("2006-01-02 15:04:05 -0700 MST"), Size: format.HumanSize(img.Size),
			Labels: img.Labels,
		}
		if len(img.Names) == 0 {
			base.Repository, base.Tag = "<none>", "<none>"
			rows = append(rows, base)
			continue
		}
		for _, n := range img.Names {
			r := base
			r.Repository, r.Tag = splitName(n)
			rows = append(rows, r)
		}
	}
	return rows
}

// splitName splits "host/repo:tag" (or @digest) into repository and tag.
func splitName(n string) (string, string) {
	if i := strings.Index(n, "@"); i >= 0 {
		return n[:i], "<none>"
	}
	if i := strings.LastIndex(n, ":"); i > strings.LastIndex(n, "/") {
		return n[:i], n[i+1:]
	}
	return n, "latest"
}

type imageJSON struct {
	ID       string            `json:"Id"`
	Names    []string          `json:"Names"`
	Digest   string            `json:"Digest"`
	Created  int64             `json:"Created"`
	Size     int64             `json:"Size"`
	Labels   map[string]string `json:"Labels"`
	Dangling bool              `json:"Dangling"`
}

func imagesJSON(list []engine.Image) []imageJSON {
	out := []imageJSON{}
	for _, img := range list {
		out = append(out, imageJSON{ID: img.ID, Names: img.Names, Digest: img.Digest, Created: img.Created.Unix(),
			Size: img.Size, Labels: img.Labels, Dangling: img.Dangling})
	}
	return out
}
