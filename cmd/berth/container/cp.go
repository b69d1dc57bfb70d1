package container

import (
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newCp(g *cli.Globals) *cobra.Command {
	var archive, follow bool
	cmd := &cobra.Command{
		Use:   "cp [flags] SRC DST",
		Short: "Copy files between a container and the host",
		Long: `Copy files or directories between a container (running or not) and the
host: CONTAINER:SRC HOST-DST or HOST-SRC CONTAINER:DST. "-" as HOST-DST
writes a tar archive to stdout; "-" as HOST-SRC extracts one from stdin
into the directory CONTAINER:DST.

As in docker: a directory SRC is copied into DST/SRC-NAME when DST is an
existing directory, and created as DST otherwise; SRC/. copies the
directory's content; DST/ must be an existing directory. Symlinks are
copied as links (-L follows a symlink SRC). Paths in the container are
resolved inside it: its symlinks never lead to the host.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			o := engine.CopyOptions{Stdin: os.Stdin, Stdout: os.Stdout, Archive: archive, FollowLink: follow}
			o.SrcContainer, o.SrcPath = splitCtrPath(args[0])
			o.DstContainer, o.DstPath = splitCtrPath(args[1])
			switch {
			case o.SrcContainer == "" && o.DstContainer == "":
				return usageErr("one of SRC and DST must be CONTAINER:PATH")
			case o.SrcContainer != "" && o.DstContainer != "":
				return usageErr("copying between containers is not supported")
			case o.SrcPath == "" || o.DstPath == "":
				return usageErr("empty path in %q %q", args[0], args[1])
			case o.DstPath == "-" && o.DstContainer == "" && term.IsTerminal(int(os.Stdout.Fd())):
				return usageErr("refusing to write a tar archive to a terminal: redirect stdout")
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			return rt.Copy(ctx, o)
		},
	}
	cmd.Flags().BoolVarP(&archive, "archive", "a", false, "keep the files' uid/gid (default: owned by root in the container, by you on the host)")
	cmd.Flags().BoolVarP(&follow, "follow-link", "L", false, "follow a symlink given as SRC")
	return cmd
}

// splitCtrPath splits CONTAINER:PATH. A path with a "/" before the first
// ":" (or starting with "." or "/") is a host path, as in docker.
func splitCtrPath(arg string) (string, string) {
	if arg == "-" || strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, ".") {
		return "", arg
	}
	ctr, p, ok := strings.Cut(arg, ":")
	if !ok || strings.Contains(ctr, "/") {
		return "", arg
	}
	return ctr, p
}
