package storage

import (
	"context"
	"fmt"
	"io"

	cstorage "go.podman.io/storage"
	"go.podman.io/storage/pkg/archive"
)

// Diff returns an uncompressed tar of the container's own changes (its
// writable layer against the image), with AUFS-style whiteouts for
// deletions: the layer a commit adds.
func (s *Store) Diff(ctx context.Context, id string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := s.container(id)
	if err != nil {
		return nil, err
	}
	comp := archive.Uncompressed
	rc, err := s.store.Diff("", c.LayerID, &cstorage.DiffOptions{Compression: &comp})
	if err != nil {
		return nil, fmt.Errorf("reading changes of container %s: %w", id, err)
	}
	return rc, nil
}
