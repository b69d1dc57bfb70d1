package container

import (
	"github.com/docker/go-units"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berthproject/berth/engine/spec"
)

// resourceFlags are the cgroup limit flags of create, run and update.
type resourceFlags struct {
	memory, memorySwap, memoryReservation string
	cpus                                  float64
	cpuShares                             uint64
	cpusetCPUs, cpusetMems                string
	pidsLimit                             int64
	blkioWeight                           uint16
	oomKillDisable                        bool
}

func (f *resourceFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&f.memory, "memory", "m", "", "memory limit (e.g. 512m, 1g); the container is OOM-killed above it")
	fs.StringVar(&f.memorySwap, "memory-swap", "", "memory plus swap limit (-1 for unlimited swap; default twice --memory)")
	fs.StringVar(&f.memoryReservation, "memory-reservation", "", "memory soft limit, enforced under host memory pressure")
	fs.Float64Var(&f.cpus, "cpus", 0, "number of CPUs the container may use (e.g. 1.5)")
	fs.Uint64VarP(&f.cpuShares, "cpu-shares", "c", 0, "relative CPU weight against other containers (default 1024)")
	fs.StringVar(&f.cpusetCPUs, "cpuset-cpus", "", "CPUs the container may run on (e.g. 0-1,3)")
	fs.StringVar(&f.cpusetMems, "cpuset-mems", "", "memory nodes the container may use (NUMA)")
	fs.Int64Var(&f.pidsLimit, "pids-limit", 0, "maximum number of processes (-1 for unlimited)")
	fs.Uint16Var(&f.blkioWeight, "blkio-weight", 0, "relative block I/O weight, 10 to 1000")
	fs.BoolVar(&f.oomKillDisable, "oom-kill-disable", false, "do not OOM-kill the container when it reaches --memory")
}

// resources returns the limits that were set, or nil when none was.
func (f *resourceFlags) resources(cmd *cobra.Command) (*spec.Resources, error) {
	r := &spec.Resources{
		CPUs: f.cpus, CPUShares: f.cpuShares, CPUSetCPUs: f.cpusetCPUs, CPUSetMems: f.cpusetMems,
		PidsLimit: f.pidsLimit, BlkioWeight: f.blkioWeight, OOMKillDisable: f.oomKillDisable,
	}
	var err error
	for _, sz := range []struct {
		flag, val string
		dst       *int64
	}{
		{"memory", f.memory, &r.Memory},
		{"memory-swap", f.memorySwap, &r.MemorySwap},
		{"memory-reservation", f.memoryReservation, &r.MemoryReservation},
	} {
		if sz.val == "" {
			continue
		}
		if sz.flag == "memory-swap" && sz.val == "-1" {
			*sz.dst = -1
			continue
		}
		if *sz.dst, err = units.RAMInBytes(sz.val); err != nil {
			return nil, usageErr("invalid --%s %q: %v", sz.flag, sz.val, err)
		}
	}
	if *r == (spec.Resources{}) && !cmd.Flags().Changed("pids-limit") {
		return nil, nil
	}
	return r, nil
}
