package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.podman.io/storage/pkg/archive"
)

// Change kinds of a container layer, as `diff` prints them.
const (
	ChangeModify = "C"
	ChangeAdd    = "A"
	ChangeDelete = "D"
)

// Change is one path the container's layer adds, changes or deletes
// relative to its image.
type Change struct {
	Kind string // ChangeModify, ChangeAdd or ChangeDelete
	Path string
}

// Changes lists the container's changes against its image, sorted by
// path.
func (s *Store) Changes(ctx context.Context, id string) ([]Change, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := s.container(id)
	if err != nil {
		return nil, err
	}
	chs, err := s.store.Changes("", c.LayerID)
	if err != nil {
		return nil, fmt.Errorf("changes of container %s: %w", id, err)
	}
	out := make([]Change, 0, len(chs))
	for _, ch := range chs {
		k := ChangeModify
		switch ch.Kind {
		case archive.ChangeAdd:
			k = ChangeAdd
		case archive.ChangeDelete:
			k = ChangeDelete
		}
		out = append(out, Change{Kind: k, Path: ch.Path})
	}
	slices.SortFunc(out, func(a, b Change) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// MountImage mounts an image's root file system read-only (one more
// reference when it is mounted already) and returns its path.
func (s *Store) MountImage(ctx context.Context, imageID string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	mp, err := s.store.MountImage(imageID, nil, "")
	if err != nil {
		if notFound(err) {
			return "", fmt.Errorf("mounting image %s: %w", imageID, ErrNotFound)
		}
		return "", fmt.Errorf("mounting image %s: %w", imageID, err)
	}
	return mp, nil
}

// UnmountImage drops one reference on an image mount. An image that is
// gone or not mounted is not an error.
func (s *Store) UnmountImage(ctx context.Context, imageID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	img, err := s.store.Image(imageID)
	if err != nil {
		return nil
	}
	if n, err := s.store.Mounted(img.TopLayer); err != nil || n == 0 {
		return nil
	}
	if _, err := s.store.UnmountImage(imageID, false); err != nil && !notFound(err) {
		return fmt.Errorf("unmounting image %s: %w", imageID, err)
	}
	return nil
}
