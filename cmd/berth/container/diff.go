package container

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newDiff(g *cli.Globals) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "diff [flags] CONTAINER",
		Short: "List the files a container added (A), changed (C) or deleted (D)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if format != "" && format != "json" {
				return usageErr("invalid --format %q: only json is supported", format)
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			c, err := rt.LookupContainer(ctx, args[0])
			if err != nil {
				return err
			}
			changes, err := c.Diff(ctx)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeDiffJSON(changes)
			}
			for _, ch := range changes {
				fmt.Println(ch.Kind, ch.Path)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "json: {\"changed\":[...],\"added\":[...],\"deleted\":[...]} as podman prints it")
	return cmd
}

func writeDiffJSON(changes []engine.Change) error {
	var out struct {
		Changed []string `json:"changed,omitempty"`
		Added   []string `json:"added,omitempty"`
		Deleted []string `json:"deleted,omitempty"`
	}
	for _, ch := range changes {
		switch ch.Kind {
		case "A":
			out.Added = append(out.Added, ch.Path)
		case "C":
			out.Changed = append(out.Changed, ch.Path)
		case "D":
			out.Deleted = append(out.Deleted, ch.Path)
		}
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "     ")
	return enc.Encode(out)
}
