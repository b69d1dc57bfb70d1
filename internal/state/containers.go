package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Container is one stored container: its immutable configuration and its
// mutable state, both JSON documents owned by the engine.
type Container struct {
	ID      string
	Name    string
	Created time.Time
	Config  []byte
	State   []byte
}

const ctrColumns = "id, name, created, config, state"

func scanContainer(row interface{ Scan(...any) error }) (Container, error) {
	var c Container
	var created int64
	if err := row.Scan(&c.ID, &c.Name, &created, &c.Config, &c.State); err != nil {
		return Container{}, err
	}
	c.Created = time.Unix(0, created)
	return c, nil
}

// AddContainer stores a new container. A taken ID or name gives an error
// wrapping ErrExists; the check and the insert are one atomic statement, so
// two processes creating the same name cannot both succeed.
func (s *DB) AddContainer(ctx context.Context, c Container) error {
	_, err := s.db.ExecContext(ctx,
		"INSERT INTO containers("+ctrColumns+") VALUES(?, ?, ?, ?, ?)",
		c.ID, c.Name, c.Created.UnixNano(), c.Config, c.State)
	if isUnique(err) {
		var n int
		_ = s.db.QueryRowContext(ctx, "SELECT count(*) FROM containers WHERE name = ?", c.Name).Scan(&n)
		if n > 0 {
			return fmt.Errorf("the container name %q is already in use: %w", c.Name, ErrExists)
		}
		return fmt.Errorf("container ID %s: %w", c.ID, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("storing container %s: %w", c.Name, err)
	}
	return nil
}

// Container returns the container with exactly this ID.
func (s *DB) Container(ctx context.Context, id string) (Container, error) {
	c, err := scanContainer(s.db.QueryRowContext(ctx,
		"SELECT "+ctrColumns+" FROM containers WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Container{}, fmt.Errorf("container %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Container{}, fmt.Errorf("reading container %s: %w", id, err)
	}
	return c, nil
}

// LookupContainer finds a container by full ID, exact name, or unique ID
// prefix, in that order (docker's and podman's rule).
func (s *DB) LookupContainer(ctx context.Context, ref string) (Container, error) {
	c, err := scanContainer(s.db.QueryRowContext(ctx,
		"SELECT "+ctrColumns+" FROM containers WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1",
		ref, ref, ref))
	if err == nil {
		return c, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Container{}, fmt.Errorf("looking up container %s: %w", ref, err)
	}
	if !isHex(ref) {
		return Container{}, fmt.Errorf("%s: %w", ref, ErrNotFound)
	}
	rows, err := s.db.QueryContext(ctx,
		"SELECT "+ctrColumns+" FROM containers WHERE id LIKE ? || '%' LIMIT 2", ref)
	if err != nil {
		return Container{}, fmt.Errorf("looking up container %s: %w", ref, err)
	}
	defer rows.Close()
	var found []Container
	for rows.Next() {
		c, err := scanContainer(rows)
		if err != nil {
			return Container{}, err
		}
		found = append(found, c)
	}
	if err := rows.Err(); err != nil {
		return Container{}, err
	}
	switch len(found) {
	case 0:
		return Container{}, fmt.Errorf("%s: %w", ref, ErrNotFound)
	case 1:
		return found[0], nil
	}
	return Container{}, fmt.Errorf("%s: %w", ref, ErrAmbiguous)
}

// Containers returns every container, oldest first, in one query.
func (s *DB) Containers(ctx context.Context) ([]Container, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+ctrColumns+" FROM containers ORDER BY created, id")
	if err != nil {
		return nil, fmt.Errorf("listing containers: %w", err)
	}
	defer rows.Close()
	var out []Container
	for rows.Next() {
		c, err := scanContainer(rows)
		if err != nil {
			return nil, fmt.Errorf("listing containers: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetContainerState replaces the state document of container id.
func (s *DB) SetContainerState(ctx context.Context, id string, state []byte) error {
	res, err := s.db.ExecContext(ctx, "UPDATE containers SET state = ? WHERE id = ?", state, id)
	if err != nil {
		return fmt.Errorf("saving state of %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("container %s: %w", id, ErrNotFound)
	}
	return nil
}

// SetContainerName renames container id; a taken name wraps ErrExists.
func (s *DB) SetContainerName(ctx context.Context, id, name string) error {
	res, err := s.db.ExecContext(ctx, "UPDATE containers SET name = ? WHERE id = ?", name, id)
	if isUnique(err) {
		return fmt.Errorf("the container name %q is already in use: %w", name, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("renaming %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("container %s: %w", id, ErrNotFound)
	}
	return nil
}

// RemoveContainer deletes container id and its artifacts. Removing a
// container that is already gone is not an error.
func (s *DB) RemoveContainer(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, "DELETE FROM containers WHERE id = ?", id); err != nil {
		return fmt.Errorf("removing container %s: %w", id, err)
	}
	return nil
}

// RewriteStates calls fn for every container inside one transaction and
// stores the state fn returns when it reports a change. It is used to
// reconcile all containers at once (after a reboot) atomically.
func (s *DB) RewriteStates(ctx context.Context, fn func(c Container) (newState []byte, changed bool, err error)) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT "+ctrColumns+" FROM containers")
		if err != nil {
			return err
		}
		var all []Container
		for rows.Next() {
			c, err := scanContainer(rows)
			if err != nil {
				rows.Close()
				return err
			}
			all = append(all, c)
		}
		rows.Close()
		for _, c := range all {
			st, changed, err := fn(c)
			if err != nil {
				return err
			}
			if !changed {
				continue
			}
			if _, err := tx.ExecContext(ctx, "UPDATE containers SET state = ? WHERE id = ?", st, c.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetContainerConfig replaces the configuration document of container id
// (for the few settings that can change after creation: limits, name).
func (s *DB) SetContainerConfig(ctx context.Context, id string, config []byte) error {
	res, err := s.db.ExecContext(ctx, "UPDATE containers SET config = ? WHERE id = ?", config, id)
	if err != nil {
		return fmt.Errorf("saving config of %s: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("container %s: %w", id, ErrNotFound)
	}
	return nil
}
