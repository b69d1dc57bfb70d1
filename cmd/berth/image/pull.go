package image

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newPull(g *cli.Globals, use string) *cobra.Command {
	var rf regFlags
	var quiet, allTags bool
	cmd := &cobra.Command{
		Use:   use + " [flags] IMAGE",
		Short: "Pull an image from a registry (or another transport)",
		Long: `Copy an image into local storage and print its ID.

IMAGE is a registry reference (NAME[:TAG], NAME@sha256:DIGEST, optionally
prefixed with docker://) or another transport's reference: oci:DIR[:REF],
oci-archive:PATH, docker-archive:PATH, dir:DIR. A short name is resolved
through registries.conf (aliases, then unqualified-search-registries);
CONTAINERS_REGISTRIES_CONF names another registries.conf. The signature
policy (policy.json, or CONTAINERS_POLICY_JSON) is enforced.

Progress goes to stderr: bars on a terminal, one line per step otherwise.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ro, err := rf.options(cmd)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			got, err := rt.Pull(ctx, args[0], engine.PullOptions{RegistryOptions: ro, AllTags: allTags, Progress: progress(quiet)})
			for _, p := range got {
				fmt.Println(p.ID)
			}
			return err
		},
	}
	fl := cmd.Flags()
	rf.register(fl, true)
	fl.BoolVarP(&quiet, "quiet", "q", false, "print only the image ID, no progress")
	fl.BoolVarP(&allTags, "all-tags", "a", false, "pull every tag of the repository")
	return cmd
}

func newPush(g *cli.Globals, use string) *cobra.Command {
	var rf regFlags
	var quiet, removeSigs bool
	var format, digestFile string
	cmd := &cobra.Command{
		Use:   use + " [flags] IMAGE [DESTINATION]",
		Short: "Push an image to a registry or another transport",
		Long: `Copy a local image to DESTINATION: a registry reference (docker://NAME or
NAME with a registry host, e.g. 127.0.0.1:5000/team/app:1), or
oci:DIR[:REF], oci-archive:PATH[:REF], docker-archive:PATH[:NAME], dir:DIR.
Without DESTINATION the image goes to the registry its name points at.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ro, err := rf.options(cmd)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			dest := ""
			if len(args) == 2 {
				dest = args[1]
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			d, err := rt.Push(ctx, args[0], dest, engine.PushOptions{RegistryOptions: ro, Progress: progress(quiet),
				Format: format, RemoveSignatures: removeSigs})
			if err != nil {
				return err
			}
			if digestFile != "" {
				return writeDigestFile(digestFile, d.String())
			}
			return nil
		},
	}
	fl := cmd.Flags()
	rf.register(fl, false)
	fl.BoolVarP(&quiet, "quiet", "q", false, "no progress output")
	fl.BoolVar(&removeSigs, "remove-signatures", false, "do not copy signatures")
	fl.StringVarP(&format, "format", "f", "", "manifest type to write: oci or v2s2 (default: the image's)")
	fl.StringVar(&digestFile, "digestfile", "", "write the digest of the pushed manifest to this file")
	return cmd
}

func writeDigestFile(path, d string) error {
	return os.WriteFile(path, []byte(d), 0o644)
}
