package pod

import (
	"fmt"
	"strings"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
	"github.com/berthproject/berth/engine/spec"
)

func newCreate(g *cli.Globals) *cobra.Command {
	var o engine.PodCreateOptions
	var infra bool
	var labels, publish []string
	var memory string
	var cpus float64
	cmd := &cobra.Command{
		Use:   "create [flags]",
		Short: "Create a pod",
		Long: `Create a pod and its infra container (created, not started) and print
the pod's ID. Containers join it with run/create --pod NAME and share the
namespaces listed by --share through the infra container: by default the
network (they reach each other on 127.0.0.1), IPC (and /dev/shm) and UTS
(the hostname, default the pod's name). Published ports, --network, --dns
and --add-host belong to the pod. The default infra container runs the
host's catatonit (-P, a pause process) from the image ` + engine.InfraImageName + `,
built on first use; --infra-image runs another image instead.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			o.NoInfra = !infra
			if cmd.Flags().Changed("share") && o.Share == "" {
				o.Share = "none"
			}
			o.Ports = publish
			var err error
			if o.Labels, err = keyValues(labels); err != nil {
				return err
			}
			if memory != "" || cpus != 0 {
				o.Resources = &spec.Resources{CPUs: cpus}
				if memory != "" {
					if o.Resources.Memory, err = units.RAMInBytes(memory); err != nil {
						return usageErr("invalid --memory %q: %v", memory, err)
					}
				}
			}
			rt, err := g.Runtime(ctx)
			if err != nil {
				return err
			}
			p, err := rt.CreatePod(ctx, o)
			if err != nil {
				return err
			}
			fmt.Println(p.ID())
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.Name, "name", "n", "", "the pod's name (default: a generated adjective_noun)")
	fl.BoolVar(&infra, "infra", true, "create an infra container that holds the shared namespaces (--infra=false: none, nothing shared)")
	fl.StringVar(&o.InfraImage, "infra-image", "", "image the infra container runs (default: "+engine.InfraImageName+", the host's catatonit)")
	fl.StringVar(&o.InfraName, "infra-name", "", "name of the infra container (default: SHORT-POD-ID-infra)")
	fl.StringVar(&o.Share, "share", "", `namespaces the containers share: a comma list of ipc, net, uts, pid, cgroup ("+pid" adds to the default ipc,net,uts; "none" shares nothing)`)
	fl.StringArrayVarP(&publish, "publish", "p", nil, "publish a port of the pod (HOST:CONTAINER as run -p; applied by the pod's network)")
	fl.StringVar(&o.NetworkMode, "network", "", "the pod's network mode, as run --network")
	fl.StringVar(&o.Hostname, "hostname", "", "the pod's hostname, shared by its containers (default: the pod's name)")
	fl.StringArrayVar(&o.AddHosts, "add-host", nil, "add NAME:IP to the pod's /etc/hosts")
	fl.StringArrayVar(&o.DNSServers, "dns", nil, "DNS server for the pod's /etc/resolv.conf")
	fl.StringArrayVarP(&labels, "label", "l", nil, "set metadata label KEY=VALUE")
	fl.StringVarP(&memory, "memory", "m", "", "memory limit of the whole pod (e.g. 512m): its cgroup's")
	fl.Float64Var(&cpus, "cpus", 0, "number of CPUs the whole pod may use (e.g. 1.5)")
	fl.StringVar(&o.PIDMode, "pid", "", "PID namespace of the infra container: private (default) or host")
	return cmd
}

func keyValues(list []string) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(list))
	for _, kv := range list {
		k, v, _ := strings.Cut(kv, "=")
		if k == "" {
			return nil, usageErr("invalid label %q: the key must not be empty", kv)
		}
		out[k] = v
	}
	return out, nil
}
