package container

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berthproject/berth/cmd/berth/cli"
)

func newExport(g *cli.Globals) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "export [flags] CONTAINER",
		Short: "Write a container's root filesystem as a tar archive",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var w io.Writer = os.Stdout
			if output == "" && term.IsTerminal(int(os.Stdout.Fd())) {
				return usageErr("refusing to write a tar archive to a terminal: use -o FILE or redirect")
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			c, err := rt.LookupContainer(ctx, args[0])
			if err != nil {
				return err
			}
			var tmp string
			if output != "" {
				// Write beside the target and rename, so a failed export
				// never leaves a truncated archive under the wanted name.
				f, err := os.CreateTemp(filepath.Dir(output), ".berth-export-*")
				if err != nil {
					return fmt.Errorf("creating %s: %w", output, err)
				}
				defer f.Close()
				defer os.Remove(f.Name())
				tmp, w = f.Name(), f
			}
			if err := c.Export(ctx, w); err != nil {
				return err
			}
			if tmp != "" {
				return os.Rename(tmp, output)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to FILE instead of stdout")
	return cmd
}
