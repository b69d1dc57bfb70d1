package storage

import (
	"context"
	"errors"
	"fmt"
	"io"

	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/archive"
)

// notFound reports whether err is one of the library's "no such object"
// errors. Which one comes back depends on the path the lookup took (an ID
// that is not a container is retried as a layer ID, for example).
func notFound(err error) bool {
	return errors.Is(err, cstorage.ErrContainerUnknown) ||
		errors.Is(err, cstorage.ErrNotAContainer) ||
		errors.Is(err, cstorage.ErrLayerUnknown) ||
		errors.Is(err, cstorage.ErrImageUnknown)
}

// container returns the container record, or an ErrNotFound-wrapped error.
func (s *Store) container(id string) (*cstorage.Container, error) {
	c, err := s.store.Container(id)
	if err != nil {
		if notFound(err) {
			return nil, fmt.Errorf("container %s: %w", id, ErrNotFound)
		}
		return nil, fmt.Errorf("container %s: %w", id, err)
	}
	return c, nil
}

// CreateContainer creates the container's read-write layer on top of
// imageID (full ID, unique ID prefix or exact stored name). name may be
// empty. An existing container with the same id or name gives ErrExists.
func (s *Store) CreateContainer(ctx context.Context, id, name, imageID string) error {
	return s.CreateContainerVolatile(ctx, id, name, imageID, false)
}

// CreateContainerVolatile is CreateContainer that, with volatile, keeps the
// container's metadata in the store's unsynced file and mounts its layer
// with overlay's "volatile" option: no fsync on create and delete, no sync
// of the upper directory on unmount. For containers that need not outlive
// a power cut (--rm), this saves tens of milliseconds on a slow disk.
func (s *Store) CreateContainerVolatile(ctx context.Context, id, name, imageID string, volatile bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var names []string
	if name != "" {
		names = []string{name}
	}
	var opts *cstorage.ContainerOptions
	if volatile {
		opts = &cstorage.ContainerOptions{Volatile: true}
	}
	if _, err := s.store.CreateContainer(id, names, imageID, "", "", opts); err != nil {
		switch {
		case errors.Is(err, cstorage.ErrDuplicateID), errors.Is(err, cstorage.ErrDuplicateName):
			return fmt.Errorf("creating container %s: %w: %w", id, ErrExists, err)
		case errors.Is(err, cstorage.ErrImageUnknown), errors.Is(err, cstorage.ErrLayerUnknown):
			return fmt.Errorf("creating container %s: image %s: %w", id, imageID, ErrNotFound)
		}
		return fmt.Errorf("creating container %s: %w", id, err)
	}
	return nil
}

// Mount mounts the container's root file system (or takes one more
// reference on an existing mount) and returns its path. Every Mount must be
// paired with an Unmount; the count is kept by the store across processes.
func (s *Store) Mount(ctx context.Context, id string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	// Checked first: the library would otherwise accept a bare layer ID.
	if _, err := s.container(id); err != nil {
		return "", fmt.Errorf("mounting: %w", err)
	}
	mp, err := s.store.Mount(id, "")
	if err != nil {
		if notFound(err) {
			return "", fmt.Errorf("mounting container %s: %w", id, ErrNotFound)
		}
		return "", fmt.Errorf("mounting container %s: %w", id, err)
	}
	return mp, nil
}

// Unmount drops one mount reference (all of them with force) and unmounts
// the root file system when none is left. A container that is not mounted
// or not known is not an error, so cleanup paths can call it blindly.
func (s *Store) Unmount(ctx context.Context, id string, force bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// The library decrements the count even when it is already zero (it
	// would go negative), so look first.
	mounted, err := s.Mounted(ctx, id)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	}
	if !mounted {
		return nil
	}
	if _, err := s.store.Unmount(id, force); err != nil {
		if notFound(err) || errors.Is(err, cstorage.ErrLayerNotMounted) {
			return nil
		}
		return fmt.Errorf("unmounting container %s: %w", id, err)
	}
	return nil
}

// Mounted reports whether the container's root file system is mounted (by
// any process).
func (s *Store) Mounted(ctx context.Context, id string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	c, err := s.container(id)
	if err != nil {
		return false, err
	}
	n, err := s.store.Mounted(c.LayerID)
	if err != nil {
		if notFound(err) {
			return false, fmt.Errorf("container %s: layer %s: %w", id, c.LayerID, ErrNotFound)
		}
		return false, fmt.Errorf("container %s: %w", id, err)
	}
	return n > 0, nil
}

// RemoveContainer force-unmounts the container's root file system and
// deletes the container and its layer. An unknown container is not an error.
func (s *Store) RemoveContainer(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	// DeleteContainer unmounts the layer itself (every mount it counted),
	// so no Unmount first: that would take the store's locks and rewrite
	// mountpoints.json once more.
	if err := s.store.DeleteContainer(id); err != nil {
		if notFound(err) {
			return nil
		}
		return fmt.Errorf("removing container %s from storage: %w", id, err)
	}
	return nil
}

// ContainerIDs lists the IDs of all containers in the store, for
// reconciliation with the engine's database.
func (s *Store) ContainerIDs(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cs, err := s.store.Containers()
	if err != nil {
		return nil, fmt.Errorf("listing storage containers: %w", err)
	}
	ids := make([]string, len(cs))
	for i := range cs {
		ids[i] = cs[i].ID
	}
	return ids, nil
}

// Export writes an uncompressed tar of the container's whole root file
// system to w. It takes its own mount reference for the duration, so it
// works whether or not the container is mounted (or running).
func (s *Store) Export(ctx context.Context, id string, w io.Writer) (retErr error) {
	mp, err := s.Mount(ctx, id)
	if err != nil {
		return fmt.Errorf("exporting: %w", err)
	}
	defer func() {
		// Our reference only: a running container keeps its own.
		if _, err := s.store.Unmount(id, false); err != nil {
			retErr = errors.Join(retErr, fmt.Errorf("unmounting container %s after export: %w", id, err))
		}
	}()
	// In-process walk: it only reads, never follows symlinks out of mp,
	// and avoids the re-exec'd chroot child (see the note, section 5).
	rc, err := archive.TarWithOptions(mp, &archive.TarOptions{Compression: archive.Uncompressed})
	if err != nil {
		return fmt.Errorf("exporting container %s: %w", id, err)
	}
	defer rc.Close()
	if _, err := io.Copy(w, readerCtx{ctx, rc}); err != nil {
		return fmt.Errorf("exporting container %s: %w", id, err)
	}
	return nil
}

// readerCtx stops a long copy when ctx is cancelled.
type readerCtx struct {
	ctx context.Context
	r   io.Reader
}

func (r readerCtx) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}

// Size returns the size of the container's own changes (rw: its layer's
// diff) and of its whole root file system (rootfs: rw plus the image's
// layers), as shown by `ps --size`.
func (s *Store) Size(ctx context.Context, id string) (rw, rootfs int64, err error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	c, err := s.container(id)
	if err != nil {
		return 0, 0, err
	}
	rw, err = s.store.DiffSize("", c.LayerID)
	if err != nil {
		return 0, 0, fmt.Errorf("size of container %s: %w", id, err)
	}
	rootfs = rw
	if c.ImageID == "" {
		return rw, rootfs, nil
	}
	img, err := s.store.Image(c.ImageID)
	if err != nil {
		return 0, 0, fmt.Errorf("size of container %s: image %s: %w", id, c.ImageID, err)
	}
	for layerID := img.TopLayer; layerID != ""; {
		l, err := s.store.Layer(layerID)
		if err != nil {
			return 0, 0, fmt.Errorf("size of container %s: layer %s: %w", id, layerID, err)
		}
		n := l.UncompressedSize
		// UncompressedSize is only recorded alongside an uncompressed
		// digest (layers created by a pull); compute it otherwise.
		if l.UncompressedDigest == "" || n < 0 {
			if n, err = s.store.DiffSize("", l.ID); err != nil {
				return 0, 0, fmt.Errorf("size of container %s: layer %s: %w", id, l.ID, err)
			}
		}
		rootfs += n
		layerID = l.Parent
	}
	return rw, rootfs, nil
}
