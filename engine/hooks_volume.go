package engine

import (
	"context"

	"github.com/berthproject/berth/engine/spec"
)

// Volume hooks of the lifecycle. Volumes (issue #6) replace these bodies;
// the call sites in create.go, lifecycle.go and cleanup.go stay.

// prepareVolumes runs at creation, after the row is stored: it creates
// the named and anonymous volumes the container's mounts refer to.
func (r *Runtime) prepareVolumes(ctx context.Context, c *Container) error {
	return nil
}

// resolveMounts turns the container's requested mounts into the bind
// mounts the OCI spec gets (a volume becomes a bind of its data dir).
func (l *Locked) resolveMounts(ctx context.Context) ([]spec.Mount, error) {
	return l.c.config.Spec.Mounts, nil
}

// removeVolumes runs when the container is removed; with anonymous it
// also deletes the anonymous volumes it owns (rm -v, --rm).
func (l *Locked) removeVolumes(ctx context.Context, anonymous bool) error {
	return nil
}
