package volume

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newCreate(g *cli.Globals) *cobra.Command {
	var driver string
	var labels, opts []string
	var ignore bool
	cmd := &cobra.Command{
		Use:   "create [flags] [NAME]",
		Short: "Create a named volume",
		Long: `Create a volume under <root>/volumes/NAME/_data (a random name when none
is given). The local driver's options mount a file system on it when a
container first uses it:
  -o type=tmpfs [-o o=size=64m,uid=1000]
  -o type=bind -o device=/HOST/DIR [-o o=ro]`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			o := engine.VolumeCreateOptions{Driver: driver, IgnoreExisting: ignore}
			if len(args) == 1 {
				o.Name = args[0]
			}
			var err error
			if o.Labels, err = keyValues("label", labels); err != nil {
				return err
			}
			for _, kv := range opts {
				if !strings.Contains(kv, "=") {
					return usageErr("invalid -o %q: want KEY=VALUE", kv)
				}
			}
			if o.Options, err = keyValues("option", opts); err != nil {
				return err
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			v, err := rt.CreateVolume(ctx, o)
			if err != nil {
				return err
			}
			fmt.Println(v.Name())
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&driver, "driver", "d", "local", "volume driver (only local)")
	fl.StringArrayVarP(&labels, "label", "l", nil, "set metadata label KEY=VALUE")
	fl.StringArrayVarP(&opts, "opt", "o", nil, "driver option KEY=VALUE: type=tmpfs|bind, device=HOST-DIR, o=MOUNT-OPTIONS")
	fl.BoolVar(&ignore, "ignore", false, "do nothing (and print the name) if the volume exists")
	return cmd
}
