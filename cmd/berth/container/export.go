package container

import (
	"io"
	"os"

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
			return cli.WriteOutput(output, func(w io.Writer) error { return c.Export(ctx, w) })
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to FILE instead of stdout")
	return cmd
}
