package container

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
)

func newCreate(g *cli.Globals) *cobra.Command {
	var f createFlags
	cmd := &cobra.Command{
		Use:   "create [flags] IMAGE [COMMAND [ARG...]]",
		Short: "Create a container without starting it",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cs, err := f.toSpec(cmd, args)
			if err != nil {
				return err
			}
			g.Prefetch = true
			rt, err := g.Runtime(cmd.Context())
			if err != nil {
				return err
			}
			c, err := rt.NewContainer(cmd.Context(), cs)
			if err != nil {
				return err
			}
			fmt.Println(c.ID())
			return nil
		},
	}
	cmd.Flags().SetInterspersed(false)
	f.register(cmd.Flags())
	return cmd
}
