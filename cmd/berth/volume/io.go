package volume

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
		Use:   "export [flags] VOLUME",
		Short: "Write a volume's content as a tar archive",
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
			v, err := rt.LookupVolume(ctx, args[0])
			if err != nil {
				return err
			}
			return cli.WriteOutput(output, func(w io.Writer) error { return v.Export(ctx, w) })
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to FILE instead of stdout")
	return cmd
}

func newImport(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "import VOLUME SOURCE",
		Short: "Extract a tar archive (a file, or - for stdin) into a volume",
		Long: `Extract a tar archive into a volume, keeping owners and modes. Entries
that would land outside the volume (.. paths, hard links out) are refused;
device nodes are skipped.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var r io.Reader = os.Stdin
			if args[1] != "-" {
				f, err := os.Open(args[1])
				if err != nil {
					return usageErr("cannot read archive: %v", err)
				}
				defer f.Close()
				r = f
			} else if term.IsTerminal(int(os.Stdin.Fd())) {
				return usageErr("no archive on stdin")
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			v, err := rt.LookupVolume(ctx, args[0])
			if err != nil {
				return err
			}
			return v.Import(ctx, r)
		},
	}
}
