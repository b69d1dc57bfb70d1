// Package volume holds the `berth volume` commands: each file parses one
// command's flags and calls the engine.
package volume

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
)

// Register adds the `volume` group to root.
func Register(root *cobra.Command, g *cli.Globals) {
	group := &cobra.Command{
		Use:   "volume",
		Short: "Manage named volumes",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	group.AddCommand(newCreate(g), newLs(g), newInspect(g), newRm(g), newPrune(g),
		newExists(g), newExport(g), newImport(g))
	root.AddCommand(group)
}

func usageErr(format string, a ...any) error {
	return cli.UsageError{Err: fmt.Errorf(format, a...)}
}

// keyValues reads KEY=VALUE flags into a map.
func keyValues(what string, list []string) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(list))
	for _, kv := range list {
		k, v, _ := strings.Cut(kv, "=")
		if k == "" {
			return nil, usageErr("invalid %s %q: the key must not be empty", what, kv)
		}
		out[k] = v
	}
	return out, nil
}

// printErrors prints all but the last error and returns the last, so that
// every argument is tried.
func printErrors(errs []error) error {
	for i, err := range errs {
		if i < len(errs)-1 {
			cli.PrintError(os.Stderr, err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs[len(errs)-1]
}
