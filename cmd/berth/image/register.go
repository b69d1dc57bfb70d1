// Package image holds the image commands: load, images, rmi, tag, and the
// `berth image` group.
package image

import (
	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
)

// Register adds the image commands at the top level (podman's and docker's
// short forms) and under `berth image`.
func Register(root *cobra.Command, g *cli.Globals) {
	root.AddCommand(newLoad(g, "load"), newImages(g, "images"), newRmi(g, "rmi"), newTag(g, "tag"))
	group := &cobra.Command{
		Use:   "image",
		Short: "Manage images",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	group.AddCommand(newLoad(g, "load"), newImages(g, "ls"), newRmi(g, "rm"), newTag(g, "tag"), newImageInspect(g))
	root.AddCommand(group)
}
