package engine

import (
	"context"
	"path"
	"slices"

	"github.com/berthproject/berth/internal/storage"
)

// Change is one entry of `diff`: Kind is "A" (added), "C" (changed) or
// "D" (deleted), Path the absolute path in the container.
type Change = storage.Change

// mountPointPaths are created in the container's layer by the runtime
// only to mount something on: podman and docker leave them out of diff.
var mountPointPaths = []string{
	"/dev", "/proc", "/sys", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf",
	"/run/.containerenv", "/run", "/run/secrets", "/etc/mtab",
}

// Diff lists the changes of the container's layer against its image,
// sorted by path, without the mount points the engine itself created.
func (c *Container) Diff(ctx context.Context) ([]Change, error) {
	var out []Change
	err := c.Batch(ctx, func(l *Locked) error {
		st, _, err := c.r.storage(ctx)
		if err != nil {
			return err
		}
		chs, err := st.Changes(ctx, c.config.ID)
		if err != nil {
			return err
		}
		skip := map[string]bool{}
		for _, p := range mountPointPaths {
			skip[p] = true
		}
		ms, err := c.r.containerMounts(ctx, c.config, true)
		if err != nil {
			return err
		}
		for _, m := range ms {
			skip[path.Clean(m.Destination)] = true
		}
		out = slices.DeleteFunc(chs, func(ch Change) bool {
			// A mount point shows as added (or changed, when runc touched
			// it); what the container writes under it is not in the layer.
			return ch.Kind != storage.ChangeDelete && skip[ch.Path]
		})
		return nil
	})
	return out, err
}
