package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/berthproject/berth/internal/state"
)

// Artifacts are small named blobs stored with a container and removed with
// it: notes a tool wants to keep beside the container.

// AddArtifact stores data under name, replacing what was there.
func (c *Container) AddArtifact(ctx context.Context, name string, data []byte) error {
	if name == "" {
		return fmt.Errorf("artifact name must not be empty: %w", ErrInvalidArg)
	}
	return mapStateErr(c.r.db.SetArtifact(ctx, c.config.ID, name, data))
}

// GetArtifact returns the data stored under name.
func (c *Container) GetArtifact(ctx context.Context, name string) ([]byte, error) {
	b, err := c.r.db.Artifact(ctx, c.config.ID, name)
	if errors.Is(err, state.ErrNotFound) {
		return nil, fmt.Errorf("%s: %w", name, ErrNoSuchArtifact)
	}
	return b, err
}

// RemoveArtifact deletes the artifact name.
func (c *Container) RemoveArtifact(ctx context.Context, name string) error {
	err := c.r.db.RemoveArtifact(ctx, c.config.ID, name)
	if errors.Is(err, state.ErrNotFound) {
		return fmt.Errorf("%s: %w", name, ErrNoSuchArtifact)
	}
	return err
}
