package engine

import (
	"context"
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/berthproject/berth/internal/cgroups"
)

// Stats is one sample of a container's resource usage, read from its
// cgroup and network namespace (no runtime call).
type Stats struct {
	ID, Name    string
	CPUNanos    uint64  // CPU time used so far
	SystemNanos uint64  // host CPU time at the sample, for percentages
	CPUPercent  float64 // since the previous sample (0 without one)
	MemUsage    uint64
	MemLimit    uint64 // the cgroup limit, or the host's memory
	MemPercent  float64
	NetRx       uint64
	NetTx       uint64
	BlockRead   uint64
	BlockWrite  uint64
	Pids        uint64
}

// Stats samples the container's usage; with prev (an earlier sample of the
// same container) it also computes the CPU percentage in between, as
// docker does: container CPU time over host CPU time, times CPU count.
func (c *Container) Stats(ctx context.Context, prev *Stats) (*Stats, error) {
	if err := c.peek(ctx); err != nil {
		return nil, err
	}
	if c.state.Status != StatusRunning && c.state.Status != StatusPaused {
		return nil, fmt.Errorf("container %s is %s: stats need a running container: %w",
			c.config.Name, c.state.Status.DisplayStatus(), ErrCtrStateInvalid)
	}
	u, err := cgroups.Read(c.cgroupPath())
	if err != nil {
		return nil, fmt.Errorf("reading cgroup of %s: %w", c.config.Name, err)
	}
	s := &Stats{
		ID: c.config.ID, Name: c.config.Name, CPUNanos: u.CPUNanos, SystemNanos: cgroups.SystemCPUNanos(),
		MemUsage: u.MemoryUsage, MemLimit: u.MemoryLimit, Pids: u.Pids,
		BlockRead: u.BlockRead, BlockWrite: u.BlockWrite,
	}
	if s.MemLimit == 0 {
		var si unix.Sysinfo_t
		if unix.Sysinfo(&si) == nil {
			s.MemLimit = uint64(si.Totalram) * uint64(si.Unit)
		}
	}
	if s.MemLimit > 0 {
		s.MemPercent = float64(s.MemUsage) / float64(s.MemLimit) * 100
	}
	s.NetRx, s.NetTx = cgroups.NetIO(c.state.PID)
	if prev != nil && s.SystemNanos > prev.SystemNanos && s.CPUNanos >= prev.CPUNanos {
		s.CPUPercent = float64(s.CPUNanos-prev.CPUNanos) / float64(s.SystemNanos-prev.SystemNanos) *
			float64(runtime.NumCPU()) * 100
	}
	return s, nil
}
