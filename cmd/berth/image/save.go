package image

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newSave(g *cli.Globals, use string) *cobra.Command {
	var output, fmtName string
	var quiet bool
	cmd := &cobra.Command{
		Use:   use + " [flags] IMAGE [IMAGE...]",
		Short: "Save images to an archive",
		Long: `Write images to a docker-archive (default; several images in one
archive), an oci-archive, or an OCI layout directory (--format oci-dir, -o
must not exist). Without -o the archive goes to stdout, which must not be
a terminal. An image given by name keeps that name in the archive.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			switch fmtName {
			case engine.SaveDockerArchive, engine.SaveOCIArchive, engine.SaveOCIDir:
			default:
				return cli.UsageError{Err: fmt.Errorf("unknown --format %q: use docker-archive, oci-archive or oci-dir", fmtName)}
			}
			path := output
			if path == "" {
				if fmtName == engine.SaveOCIDir {
					return cli.UsageError{Err: errors.New("--format oci-dir needs -o DIR")}
				}
				if term.IsTerminal(int(os.Stdout.Fd())) {
					return cli.UsageError{Err: errors.New("refusing to write an archive to a terminal: use -o FILE or redirect stdout")}
				}
				path = "/dev/stdout"
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			return rt.SaveImages(ctx, args, fmtName, path)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&output, "output", "o", "", "write to FILE (or DIR for oci-dir) instead of stdout")
	fl.StringVar(&fmtName, "format", engine.SaveDockerArchive, "docker-archive, oci-archive or oci-dir")
	fl.BoolVarP(&quiet, "quiet", "q", false, "no progress output (berth prints none)")
	return cmd
}

func newImport(g *cli.Globals, use string) *cobra.Command {
	var changes []string
	var message, arch, osName, variant, platform string
	var quiet bool
	cmd := &cobra.Command{
		Use:   use + " [flags] TARBALL|- [NAME[:TAG]]",
		Short: "Make an image from a root file system tarball",
		Long: `Create a one-layer image from a tarball of a root file system (plain,
gzip, bzip2, xz or zstd; "-" reads stdin), such as the output of "berth
export", and print its ID. The image has an empty configuration unless
--change sets CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME
or WORKDIR. Archives with members outside the root ("../") or device nodes
are refused.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			path := args[0]
			if path == "-" {
				if term.IsTerminal(int(os.Stdin.Fd())) {
					return cli.UsageError{Err: errors.New("no tarball on stdin")}
				}
				tmp, err := spoolStdin()
				if err != nil {
					return err
				}
				defer os.Remove(tmp)
				path = tmp
			} else if _, err := os.Stat(path); err != nil {
				return cli.UsageError{Err: fmt.Errorf("cannot read tarball: %w", err)}
			}
			o := engine.ImportOptions{Changes: changes, Message: message, OS: osName, Arch: arch, Variant: variant}
			if platform != "" {
				var rf regFlags
				rf.platform = platform
				ro, err := rf.options(cmd)
				if err != nil {
					return cli.UsageError{Err: err}
				}
				o.OS, o.Arch, o.Variant = ro.OS, ro.Arch, ro.Variant
			}
			if len(args) == 2 {
				o.Name = args[1]
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			id, err := rt.ImportImage(ctx, path, o)
			if err != nil {
				return err
			}
			fmt.Println(id)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&changes, "change", "c", nil, `apply a Dockerfile instruction, e.g. 'CMD ["/bin/sh"]' or "ENV A=1"`)
	fl.StringVarP(&message, "message", "m", "", "history comment for the image")
	fl.StringVar(&arch, "arch", "", "architecture to record (default: this host's)")
	fl.StringVar(&osName, "os", "", "OS to record (default: linux)")
	fl.StringVar(&variant, "variant", "", "architecture variant to record")
	fl.StringVar(&platform, "platform", "", "OS/ARCH[/VARIANT] to record")
	fl.BoolVarP(&quiet, "quiet", "q", false, "print only the ID (berth prints nothing else)")
	return cmd
}

func newCommit(g *cli.Globals, use string) *cobra.Command {
	var o engine.CommitOptions
	var quiet bool
	cmd := &cobra.Command{
		Use:   use + " [flags] CONTAINER [IMAGE]",
		Short: "Make an image from a container's changes",
		Long: `Create an image from a container: its image plus the container's file
system changes as one new layer, with the container's environment,
command, entrypoint, working directory, user and labels, then --change
instructions. Prints the new image ID.`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if len(args) == 2 {
				o.Name = args[1]
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			id, err := rt.Commit(ctx, args[0], o)
			if err != nil {
				return err
			}
			fmt.Println(id)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&o.Changes, "change", "c", nil, `apply a Dockerfile instruction, e.g. 'CMD ["/bin/sh"]' or "ENV A=1"`)
	fl.StringVarP(&o.Message, "message", "m", "", "commit message (history comment)")
	fl.StringVarP(&o.Author, "author", "a", "", "author of the image")
	fl.BoolVarP(&o.Pause, "pause", "p", false, "pause a running container while committing")
	fl.BoolVarP(&quiet, "quiet", "q", false, "print only the ID (berth prints nothing else)")
	return cmd
}
