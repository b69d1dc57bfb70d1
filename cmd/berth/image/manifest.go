package image

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newManifest(g *cli.Globals) *cobra.Command {
	group := &cobra.Command{
		Use:   "manifest",
		Short: "Create and push manifest lists (multi-arch images)",
		Long: `Manifest lists are kept as OCI layouts under <root>/manifests, apart from
the image store: "images" does not show them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	group.AddCommand(newManifestCreate(g), newManifestAdd(g), newManifestInspect(g), newManifestPush(g), newManifestRm(g))
	return group
}

func addPlatformFlags(cmd *cobra.Command, o *engine.ManifestAddOptions) {
	cmd.Flags().StringVar(&o.Arch, "arch", "", "record this architecture for the image (default: its config's)")
	cmd.Flags().StringVar(&o.OS, "os", "", "record this OS for the image (default: its config's)")
	cmd.Flags().StringVar(&o.Variant, "variant", "", "record this architecture variant")
}

func newManifestCreate(g *cli.Globals) *cobra.Command {
	var rf regFlags
	var o engine.ManifestAddOptions
	cmd := &cobra.Command{
		Use:   "create [flags] LIST [IMAGE...]",
		Short: "Create a manifest list, optionally with images",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ro, err := rf.options(cmd)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			o.RegistryOptions = ro
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			n, err := rt.ManifestCreate(ctx, args[0], args[1:], o)
			if err != nil {
				return err
			}
			fmt.Println(n)
			return nil
		},
	}
	rf.register(cmd.Flags(), false)
	return cmd
}

func newManifestAdd(g *cli.Globals) *cobra.Command {
	var rf regFlags
	var o engine.ManifestAddOptions
	cmd := &cobra.Command{
		Use:   "add [flags] LIST IMAGE",
		Short: "Add an image to a manifest list",
		Long: `Add IMAGE (a local image, docker://REGISTRY/NAME, or another transport's
reference) to LIST and print the digest of the added manifest. The
platform recorded is the image's own unless --arch/--os/--variant say.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ro, err := rf.options(cmd)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			o.RegistryOptions = ro
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			d, err := rt.ManifestAdd(ctx, args[0], args[1], o)
			if err != nil {
				return err
			}
			fmt.Println(d)
			return nil
		},
	}
	rf.register(cmd.Flags(), false)
	addPlatformFlags(cmd, &o)
	return cmd
}

func newManifestInspect(g *cli.Globals) *cobra.Command {
	var rf regFlags
	cmd := &cobra.Command{
		Use:   "inspect [flags] LIST|IMAGE",
		Short: "Show a manifest list (local, or from a registry) as JSON",
		Args:  cobra.ExactArgs(1),
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
			b, err := rt.ManifestInspect(ctx, args[0], ro)
			if err != nil {
				return err
			}
			_, err = os.Stdout.Write(b)
			return err
		},
	}
	rf.register(cmd.Flags(), false)
	return cmd
}

func newManifestPush(g *cli.Globals) *cobra.Command {
	var rf regFlags
	var quiet, rm bool
	var digestFile string
	cmd := &cobra.Command{
		Use:   "push [flags] LIST [DESTINATION]",
		Short: "Push a manifest list and all its images",
		Args:  cobra.RangeArgs(1, 2),
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
			d, err := rt.ManifestPush(ctx, args[0], dest, engine.PushOptions{RegistryOptions: ro, Progress: progress(quiet)})
			if err != nil {
				return err
			}
			if rm {
				if err := rt.ManifestRemove(ctx, args[0]); err != nil {
					return err
				}
			}
			if digestFile != "" {
				return writeDigestFile(digestFile, d.String())
			}
			return nil
		},
	}
	rf.register(cmd.Flags(), false)
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "no progress output")
	cmd.Flags().BoolVar(&rm, "rm", false, "delete the local list after a successful push")
	cmd.Flags().StringVar(&digestFile, "digestfile", "", "write the digest of the pushed list to this file")
	return cmd
}

func newManifestRm(g *cli.Globals) *cobra.Command {
	return &cobra.Command{
		Use:   "rm LIST [LIST...]",
		Short: "Delete local manifest lists (not their images)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			for _, n := range args {
				if err := rt.ManifestRemove(ctx, n); err != nil {
					return err
				}
			}
			return nil
		},
	}
}
