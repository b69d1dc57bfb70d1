// Package image holds the image commands (pull, push, save, load, import,
// commit, images, rmi, tag, untag, history, login, logout, search,
// manifest) and the `berth image` group.
package image

import (
	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
)

// Register adds the image commands at the top level (podman's and docker's
// short forms) and under `berth image`.
func Register(root *cobra.Command, g *cli.Globals) {
	root.AddCommand(newLoad(g, "load"), newImages(g, "images"), newRmi(g, "rmi"), newTag(g, "tag"),
		newPull(g, "pull"), newPush(g, "push"), newLogin(g), newLogout(g), newSearch(g),
		newSave(g, "save"), newImport(g, "import"), newCommit(g, "commit"), newHistory(g, "history"), newUntag(g, "untag"))
	group := &cobra.Command{
		Use:   "image",
		Short: "Manage images",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	group.AddCommand(newLoad(g, "load"), newImages(g, "ls"), newRmi(g, "rm"), newTag(g, "tag"), newImageInspect(g),
		newPull(g, "pull"), newPush(g, "push"), newSave(g, "save"), newImport(g, "import"), newHistory(g, "history"),
		newUntag(g, "untag"), newTree(g), newPrune(g), newExists(g), newSearch(g))
	root.AddCommand(group, newManifest(g))
}
