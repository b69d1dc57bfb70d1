package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/berthproject/berth/engine/spec"
	"github.com/berthproject/berth/internal/volume"
)

// Volume hooks of the lifecycle; their call sites are in create.go,
// lifecycle.go and cleanup.go.

const (
	mountVolume = spec.MountVolume
	mountTmpfs  = spec.MountTmpfs
	mountImage  = spec.MountImage
)

// ctrMount is one of a container's mounts with its volume named.
type ctrMount struct {
	spec.Mount
	// Anonymous: a volume made for this container (owned by OwnerID).
	Anonymous bool
	OwnerID   string
}

// anonVolumeName names the anonymous volume of container id at dest. It
// is derived, not stored: the container's record never changes after
// creation, and a crash between the record and the volume is repaired by
// creating the same name again.
func anonVolumeName(id, dest string) string {
	sum := sha256.Sum256([]byte(id + "\x00" + path.Clean(dest)))
	return hex.EncodeToString(sum[:])
}

// containerMounts lists everything mounted into the container cfg: its
// own mounts (anonymous volumes named), anonymous volumes for the image's
// VOLUMEs that no mount covers, and the volumes and binds of
// --volumes-from containers. lenient skips --volumes-from containers that
// no longer exist (listing, removal) instead of failing.
func (r *Runtime) containerMounts(ctx context.Context, cfg *ContainerConfig, lenient bool) ([]ctrMount, error) {
	return r.containerMountsDepth(ctx, cfg, lenient, 0)
}

func (r *Runtime) containerMountsDepth(ctx context.Context, cfg *ContainerConfig, lenient bool, depth int) ([]ctrMount, error) {
	cs := &cfg.Spec
	out := make([]ctrMount, 0, len(cs.Mounts))
	taken := map[string]bool{}
	for _, m := range cs.Mounts {
		cm := ctrMount{Mount: m}
		if cm.Type == "" {
			cm.Type = spec.MountBind
		}
		if m.Type == mountVolume && m.Source == "" {
			cm.Source, cm.Anonymous, cm.OwnerID = anonVolumeName(cfg.ID, m.Destination), true, cfg.ID
		}
		taken[path.Clean(m.Destination)] = true
		out = append(out, cm)
	}
	if len(cs.VolumesFrom) > 0 {
		if depth > 8 {
			return nil, fmt.Errorf("--volumes-from chain too deep: %w", ErrInvalidArg)
		}
		for _, ref := range cs.VolumesFrom {
			from, mode, _ := strings.Cut(ref, ":")
			src, err := r.LookupContainer(ctx, from)
			if err != nil {
				if lenient {
					continue
				}
				return nil, fmt.Errorf("--volumes-from %s: %w", from, err)
			}
			ms, err := r.containerMountsDepth(ctx, src.config, lenient, depth+1)
			if err != nil {
				return nil, err
			}
			for _, m := range ms {
				dest := path.Clean(m.Destination)
				if taken[dest] || m.Type == mountTmpfs || m.Type == mountImage {
					continue
				}
				taken[dest] = true
				if mode == "ro" || mode == "rw" {
					m.Options = append(slices.DeleteFunc(slices.Clone(m.Options), func(o string) bool { return o == "ro" || o == "rw" }), mode)
				}
				out = append(out, m)
			}
		}
	}
	for _, dest := range slices.Sorted(mapsKeys(cfg.ImageConfig.Volumes)) {
		if taken[path.Clean(dest)] || !path.IsAbs(dest) {
			continue
		}
		taken[path.Clean(dest)] = true
		out = append(out, ctrMount{
			Mount:     spec.Mount{Type: mountVolume, Source: anonVolumeName(cfg.ID, dest), Destination: path.Clean(dest)},
			Anonymous: true, OwnerID: cfg.ID,
		})
	}
	return out, nil
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// needsVolumes tells whether the container has anything for the volume
// hooks to do, without a query: the common `run --rm IMAGE cmd` has not.
func needsVolumes(cfg *ContainerConfig) bool {
	if len(cfg.Spec.VolumesFrom) > 0 || len(cfg.ImageConfig.Volumes) > 0 {
		return true
	}
	return slices.ContainsFunc(cfg.Spec.Mounts, func(m spec.Mount) bool {
		return m.Type == mountVolume || m.Type == mountImage
	})
}

// prepareVolumes runs at creation, after the row is stored: it creates
// the named and anonymous volumes the container's mounts refer to, and
// checks that --volumes-from containers exist.
func (r *Runtime) prepareVolumes(ctx context.Context, c *Container) error {
	// A missing bind source is the user's mistake: say so at create time,
	// not at the first start.
	for _, m := range c.config.Spec.Mounts {
		if m.Type == spec.MountBind || m.Type == "" {
			if _, err := os.Stat(m.Source); err != nil {
				return fmt.Errorf("%w: bind source path does not exist: %s", ErrInvalidArg, m.Source)
			}
		}
	}
	if !needsVolumes(c.config) {
		return nil
	}
	ms, err := r.containerMounts(ctx, c.config, false)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if m.Type != mountVolume {
			continue
		}
		if _, err := r.volumeFor(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// volumeFor returns the volume a mount names, creating it when missing.
func (r *Runtime) volumeFor(ctx context.Context, m ctrMount) (*Volume, error) {
	v, _, err := r.ensureVolume(ctx, VolumeConfig{
		Name: m.Source, Driver: volume.DriverLocal, CreatedAt: nowFunc(),
		Anonymous: m.Anonymous, NeedsCopyUp: !slices.Contains(m.Options, "nocopy"),
	})
	return v, err
}

// resolveMounts turns the container's requested mounts into the mounts
// the OCI spec gets: a volume becomes a bind of its data dir (created,
// mounted and filled from the image first when needed), an image a
// read-only bind of its mounted root file system.
func (l *Locked) resolveMounts(ctx context.Context) ([]spec.Mount, error) {
	c := l.c
	if !needsVolumes(c.config) && !hasOption(c.config.Spec.Mounts, "U") {
		return c.config.Spec.Mounts, nil
	}
	ms, err := c.r.containerMounts(ctx, c.config, false)
	if err != nil {
		return nil, err
	}
	out := make([]spec.Mount, 0, len(ms))
	for _, m := range ms {
		switch m.Type {
		case mountVolume:
			src, err := l.mountVolume(ctx, m)
			if err != nil {
				return nil, err
			}
			m.Mount = spec.Mount{Type: spec.MountBind, Source: src, Destination: m.Destination, Options: m.Options}
		case mountImage:
			src, err := l.mountImage(ctx, m.Source)
			if err != nil {
				return nil, err
			}
			opts := slices.DeleteFunc(slices.Clone(m.Options), func(o string) bool { return o == "rw" || o == "ro" })
			m.Mount = spec.Mount{Type: spec.MountBind, Source: src, Destination: m.Destination, Options: append(opts, "ro")}
		case spec.MountBind:
			if slices.Contains(m.Options, "U") {
				if err := l.chownToUser(m.Source); err != nil {
					return nil, err
				}
			}
		}
		out = append(out, m.Mount)
	}
	return out, nil
}

func hasOption(ms []spec.Mount, opt string) bool {
	return slices.ContainsFunc(ms, func(m spec.Mount) bool { return slices.Contains(m.Options, opt) })
}

// mountVolume prepares one volume for the container and returns its data
// dir: created if a crash lost it, its file system mounted, the image's
// content copied in on first use, chowned with U.
func (l *Locked) mountVolume(ctx context.Context, m ctrMount) (string, error) {
	r := l.c.r
	if _, err := r.volumeFor(ctx, m); err != nil {
		return "", err
	}
	lk, err := r.volumeLock(ctx, m.Source)
	if err != nil {
		return "", err
	}
	defer lk.Unlock()
	v, err := r.lookupVolumeLocked(ctx, m.Source)
	if err != nil {
		return "", err
	}
	if err := volume.Create(r.volumesDir(), v.cfg.Name); err != nil {
		return "", err
	}
	if err := volume.Mount(r.volumesDir(), v.cfg.Name, v.options()); err != nil {
		return "", err
	}
	if v.cfg.NeedsCopyUp {
		if !slices.Contains(m.Options, "nocopy") {
			if err := l.copyUp(ctx, m.Destination, v.Mountpoint()); err != nil {
				return "", err
			}
		}
		v.cfg.NeedsCopyUp = false
		if err := v.save(ctx); err != nil {
			return "", err
		}
	}
	if slices.Contains(m.Options, "U") {
		if err := l.chownToUser(v.Mountpoint()); err != nil {
			return "", err
		}
	}
	return v.Mountpoint(), nil
}

// removeVolumes runs when the container is removed; with anonymous it
// also deletes the anonymous volumes it owns (rm -v, --rm) that no other
// container uses.
func (l *Locked) removeVolumes(ctx context.Context, anonymous bool) error {
	c := l.c
	if !needsVolumes(c.config) {
		return nil
	}
	if err := l.unmountImages(ctx); err != nil {
		return err
	}
	if !anonymous {
		return nil
	}
	ms, err := c.r.containerMounts(ctx, c.config, true)
	if err != nil {
		return err
	}
	for _, m := range ms {
		if !m.Anonymous || m.OwnerID != c.config.ID {
			continue
		}
		users, err := c.r.volumeUsers(ctx, m.Source, c.config.ID)
		if err != nil {
			return err
		}
		if len(users) > 0 {
			continue
		}
		if err := l.removeVolume(ctx, m.Source); err != nil && !errors.Is(err, ErrNoSuchVolume) {
			return err
		}
	}
	return nil
}

// removeVolume removes one volume while a container lock is held (the
// lock order allows taking the volume's lock now).
func (l *Locked) removeVolume(ctx context.Context, name string) error {
	r := l.c.r
	lk, err := r.volumeLock(ctx, name)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	v, err := r.lookupVolumeLocked(ctx, name)
	if err != nil {
		return err
	}
	if err := v.destroy(ctx); err != nil {
		return err
	}
	return r.locks.Remove("volume-" + name)
}
