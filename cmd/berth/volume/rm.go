package volume

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newRm(g *cli.Globals) *cobra.Command {
	var force, all, ignore bool
	cmd := &cobra.Command{
		Use:     "rm [flags] VOLUME [VOLUME...]",
		Aliases: []string{"remove"},
		Short:   "Remove volumes and their data",
		Long: `Remove volumes. A volume a container uses is refused, unless --force,
which removes those containers first (as podman does).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if all == (len(args) > 0) {
				return usageErr("give volume names or --all")
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			if all {
				list, err := rt.ListVolumes(ctx, nil)
				if err != nil {
					return err
				}
				for _, v := range list {
					args = append(args, v.Name)
				}
			}
			var errs []error
			for _, name := range args {
				err := rt.RemoveVolume(ctx, name, force)
				if ignore && errors.Is(err, engine.ErrNoSuchVolume) {
					continue
				}
				if err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Println(name)
			}
			return printErrors(errs)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&force, "force", "f", false, "remove the containers that use the volume too")
	fl.BoolVarP(&all, "all", "a", false, "remove every volume")
	fl.BoolVarP(&ignore, "ignore", "i", false, "ignore volumes that do not exist")
	return cmd
}

func newPrune(g *cli.Globals) *cobra.Command {
	var force bool
	var filters []string
	cmd := &cobra.Command{
		Use:   "prune [flags]",
		Short: "Remove every volume no container uses",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if !force {
				fmt.Fprint(os.Stderr, "WARNING! This will remove all volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ")
				line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
				if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
					return nil
				}
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			removed, err := rt.PruneVolumes(ctx, filters)
			for _, n := range removed {
				fmt.Println(n)
			}
			return err
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not ask for confirmation")
	cmd.Flags().StringArrayVar(&filters, "filter", nil, "only prune volumes matching KEY=VALUE (label, name, until, ...)")
	return cmd
}
