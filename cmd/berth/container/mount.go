package container

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/cmd/berth/format"
	"github.com/berthproject/berth/engine"
)

func newMount(g *cli.Globals) *cobra.Command {
	var tmpl string
	cmd := &cobra.Command{
		Use:   "mount [flags] [CONTAINER...]",
		Short: "Mount containers' root filesystems and print where",
		Long: `Mount the root filesystem of each container and print its path. Each
mount is counted: undo it with "berth umount". With no argument, list the
mounted containers.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			if len(args) == 0 {
				return listMounts(cmd, rt, tmpl)
			}
			for _, ref := range args {
				c, err := rt.LookupContainer(ctx, ref)
				if err != nil {
					return err
				}
				mp, err := c.Mount(ctx)
				if err != nil {
					return err
				}
				fmt.Println(mp)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&tmpl, "format", "", "with no arguments: format the list with a Go template or json")
	return cmd
}

type mountRow struct {
	ID         string `json:"id"`
	Names      string `json:"names"`
	Mountpoint string `json:"mountpoint"`
}

func listMounts(cmd *cobra.Command, rt *engine.Runtime, tmpl string) error {
	ctx := cmd.Context()
	all, err := rt.AllContainers(ctx)
	if err != nil {
		return err
	}
	var rows []mountRow
	for _, c := range all {
		ok, mp, err := c.Mounted(ctx)
		if err != nil || !ok {
			continue
		}
		rows = append(rows, mountRow{ID: c.ID(), Names: c.Name(), Mountpoint: mp})
	}
	f, err := format.New(tmpl, "{{.ID}} {{.Mountpoint}}", nil)
	if err != nil {
		return cli.UsageError{Err: err}
	}
	if rows == nil {
		rows = []mountRow{}
	}
	return f.Write(os.Stdout, rows)
}

func newUmount(g *cli.Globals) *cobra.Command {
	var all, force bool
	cmd := &cobra.Command{
		Use:     "umount [flags] CONTAINER [CONTAINER...]",
		Aliases: []string{"unmount"},
		Short:   "Unmount containers' root filesystems",
		Long: `Drop one "berth mount" of each container's root filesystem. The rootfs
of a running container stays mounted for the container. --force drops
every mount of a stopped container at once.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			refs, err := targets(ctx, g, args, all, false)
			if err != nil {
				return err
			}
			return forEach(ctx, g, refs, func(c *engine.Container) error { return c.Unmount(ctx, force) })
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "unmount all containers")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "drop all mounts of the rootfs, not just one")
	return cmd
}
