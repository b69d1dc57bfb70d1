package engine

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/berthproject/berth/engine/spec"
)

// Update changes the container's resource limits: the fields set in res
// (non-zero) replace the current ones. A running container gets them at
// once through the OCI runtime; every later start uses them too.
func (c *Container) Update(ctx context.Context, res spec.Resources) error {
	return c.Batch(ctx, func(l *Locked) error { return l.Update(ctx, res) })
}

// Update is Container.Update with the lock held.
func (l *Locked) Update(ctx context.Context, res spec.Resources) error {
	c := l.c
	merged := spec.Resources{}
	if c.config.Spec.Resources != nil {
		merged = *c.config.Spec.Resources
	}
	mergeResources(&merged, res)
	if err := merged.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidArg, err)
	}
	if c.state.Status == StatusRunning || c.state.Status == StatusPaused || c.state.Status == StatusCreated {
		rt, err := c.r.ociRuntime(ctx)
		if err != nil {
			return err
		}
		if err := rt.Update(ctx, c.config.ID, c.r.bundleDir(c.config.ID), merged.LinuxResources()); err != nil {
			return fmt.Errorf("%w: %w", ErrRuntime, err)
		}
	}
	c.config.Spec.Resources = &merged
	b, err := json.Marshal(c.config)
	if err != nil {
		return err
	}
	return mapStateErr(c.r.db.SetContainerConfig(ctx, c.config.ID, b))
}

// mergeResources copies the set fields of src over dst.
func mergeResources(dst *spec.Resources, src spec.Resources) {
	if src.Memory != 0 {
		dst.Memory = src.Memory
	}
	if src.MemorySwap != 0 {
		dst.MemorySwap = src.MemorySwap
	}
	if src.MemoryReservation != 0 {
		dst.MemoryReservation = src.MemoryReservation
	}
	if src.CPUs != 0 {
		dst.CPUs = src.CPUs
	}
	if src.CPUShares != 0 {
		dst.CPUShares = src.CPUShares
	}
	if src.CPUSetCPUs != "" {
		dst.CPUSetCPUs = src.CPUSetCPUs
	}
	if src.CPUSetMems != "" {
		dst.CPUSetMems = src.CPUSetMems
	}
	if src.PidsLimit != 0 {
		dst.PidsLimit = src.PidsLimit
	}
	if src.BlkioWeight != 0 {
		dst.BlkioWeight = src.BlkioWeight
	}
	dst.OOMKillDisable = dst.OOMKillDisable || src.OOMKillDisable
}
