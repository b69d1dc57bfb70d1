package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Artifacts are small named blobs attached to a container (checkpoint
// metadata, user data); they go away with the container.

// SetArtifact stores data under name for container ctrID.
func (s *DB) SetArtifact(ctx context.Context, ctrID, name string, data []byte) error {
	_, err := s.db.ExecContext(ctx,
		"INSERT INTO artifacts(ctr_id, name, data) VALUES(?, ?, ?) ON CONFLICT(ctr_id, name) DO UPDATE SET data = excluded.data",
		ctrID, name, data)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) || isForeignKey(err) {
			return fmt.Errorf("container %s: %w", ctrID, ErrNotFound)
		}
		return fmt.Errorf("storing artifact %s: %w", name, err)
	}
	return nil
}

// Artifact returns the data stored under name for container ctrID.
func (s *DB) Artifact(ctx context.Context, ctrID, name string) ([]byte, error) {
	var data []byte
	err := s.db.QueryRowContext(ctx, "SELECT data FROM artifacts WHERE ctr_id = ? AND name = ?", ctrID, name).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("artifact %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading artifact %s: %w", name, err)
	}
	return data, nil
}

// RemoveArtifact deletes one artifact; a missing one wraps ErrNotFound.
func (s *DB) RemoveArtifact(ctx context.Context, ctrID, name string) error {
	res, err := s.db.ExecContext(ctx, "DELETE FROM artifacts WHERE ctr_id = ? AND name = ?", ctrID, name)
	if err != nil {
		return fmt.Errorf("removing artifact %s: %w", name, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("artifact %s: %w", name, ErrNotFound)
	}
	return nil
}

// ArtifactsNamed returns the artifact called name of every container that
// has one, keyed by container ID: one query for a whole listing.
func (s *DB) ArtifactsNamed(ctx context.Context, name string) (map[string][]byte, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT ctr_id, data FROM artifacts WHERE name = ?", name)
	if err != nil {
		return nil, fmt.Errorf("reading artifacts %s: %w", name, err)
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var id string
		var data []byte
		if err := rows.Scan(&id, &data); err != nil {
			return nil, fmt.Errorf("reading artifacts %s: %w", name, err)
		}
		out[id] = data
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading artifacts %s: %w", name, err)
	}
	return out, nil
}
