package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/engine"
)

// WriteOutput runs write against path (or stdout when path is ""). A file
// is written beside its final name and renamed at the end, so a failed
// write never leaves a truncated file under the wanted name.
func WriteOutput(path string, write func(io.Writer) error) error {
	if path == "" {
		return write(os.Stdout)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".berth-output-*")
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return os.Rename(f.Name(), path)
}

// NewExistsCommand builds `berth <noun> exists NAME`: exit 0 when exists
// reports true, 1 when false, 125 on an error, as podman does.
func NewExistsCommand(g *Globals, noun string, exists func(context.Context, *engine.Runtime, string) (bool, error)) *cobra.Command {
	return &cobra.Command{
		Use:   "exists " + noun,
		Short: fmt.Sprintf("Exit 0 if the %s exists, 1 if it does not", noun),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rt, err := g.Runtime(cmd.Context())
			if err != nil {
				return err
			}
			ok, err := exists(cmd.Context(), rt, args[0])
			if err != nil {
				return err
			}
			if !ok {
				return ExitError{Code: 1}
			}
			return nil
		},
	}
}

// TopDescriptors collects ps-style descriptors given as separate arguments
// or comma-separated ("pid,args" or "pid" "args").
func TopDescriptors(args []string) []string {
	var out []string
	for _, a := range args {
		for _, d := range strings.Split(a, ",") {
			if d = strings.TrimSpace(d); d != "" {
				out = append(out, d)
			}
		}
	}
	return out
}

// WriteRows prints rows (the first being the header) as aligned columns.
func WriteRows(rows [][]string) error {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 3, ' ', 0)
	for _, row := range rows {
		fmt.Fprintln(w, strings.Join(row, "\t"))
	}
	return w.Flush()
}
