// Package network holds the `network` commands: each parses its flags into
// options and calls the engine.
package network

import (
	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
)

// Register adds the network command group to root.
func Register(root *cobra.Command, g *cli.Globals) {
	group := &cobra.Command{
		Use:   "network",
		Short: "Manage networks",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	group.AddCommand(newCreate(g), newLs(g), newInspect(g), newRm(g), newPrune(g),
		newConnect(g), newDisconnect(g), newExists(g), newReload(g))
	root.AddCommand(group)
}
