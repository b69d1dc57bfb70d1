package image

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berthproject/berth/cmd/berth/cli"
)

func newLoad(g *cli.Globals, use string) *cobra.Command {
	var input string
	var quiet bool
	cmd := &cobra.Command{
		Use:   use + " [flags]",
		Short: "Load images from an oci-archive, docker-archive or OCI layout",
		Long: `Load the images of an archive into local storage: an oci-archive, a
docker-archive (as written by "docker save"; every image in it), or an OCI
image layout directory. Read from --input, else from stdin.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			path := input
			if path == "" {
				if term.IsTerminal(int(os.Stdin.Fd())) {
					return cli.UsageError{Err: fmt.Errorf("no archive given: use -i FILE or pipe one to stdin")}
				}
				tmp, err := spoolStdin()
				if err != nil {
					return err
				}
				defer os.Remove(tmp)
				path = tmp
			}
			if _, err := os.Stat(path); err != nil {
				return cli.UsageError{Err: fmt.Errorf("cannot read archive: %w", err)}
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			names, err := rt.LoadImage(ctx, path)
			if err != nil {
				return err
			}
			for _, n := range names {
				if quiet {
					fmt.Println(n)
				} else {
					fmt.Println("Loaded image: " + n)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&input, "input", "i", "", "read the archive from FILE instead of stdin")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the loaded image names")
	return cmd
}

// spoolStdin copies stdin to a temporary file: archive readers need to
// seek.
func spoolStdin() (string, error) {
	f, err := os.CreateTemp("", "berth-load-*.tar")
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.Copy(f, os.Stdin); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("reading archive from stdin: %w", err)
	}
	return f.Name(), nil
}
