package container

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
)

func newPort(g *cli.Globals) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "port [flags] CONTAINER [PRIVATE_PORT[/PROTO]]",
		Short: "List the published ports of a container",
		Long:  `List a running container's published ports as "80/tcp -> 0.0.0.0:8080", or the host addresses of one container port.`,
		Args:  cobra.RangeArgs(0, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			refs := args
			var want string
			if all {
				if len(args) > 0 {
					return cli.UsageError{Err: fmt.Errorf("--all and a container cannot be used together")}
				}
				if refs, err = allRefs(ctx, g, true); err != nil {
					return err
				}
			} else {
				if len(args) == 0 {
					return cli.UsageError{Err: fmt.Errorf("a container name or ID is required")}
				}
				refs = args[:1]
				if len(args) == 2 {
					want = args[1]
					if !strings.Contains(want, "/") {
						want += "/tcp"
					}
				}
			}
			for _, ref := range refs {
				c, err := rt.LookupContainer(ctx, ref)
				if err != nil {
					return err
				}
				ports, err := c.PublishedPorts(ctx)
				if err != nil {
					return err
				}
				found := false
				for _, line := range portLines(ports) {
					if want == "" {
						fmt.Println(line)
						continue
					}
					if k, hostAddr, _ := strings.Cut(line, " -> "); k == want {
						fmt.Println(hostAddr)
						found = true
					}
				}
				if want != "" && !found {
					return fmt.Errorf("no public port %s published for %s: %w", want, ref, engine.ErrInvalidArg)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "list the ports of every running container")
	return cmd
}

// portLines expands ranges into one "PORT/PROTO -> IP:HOSTPORT" per port.
func portLines(ports []engine.PortMapping) []string {
	var out []string
	for _, p := range ports {
		for i := uint16(0); i < max(p.Range, 1); i++ {
			one := p
			one.ContainerPort, one.HostPort = p.ContainerPort+i, p.HostPort+i
			out = append(out, one.String())
		}
	}
	return out
}
