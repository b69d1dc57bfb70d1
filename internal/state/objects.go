package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Object is one stored object of some kind ("volume", "network", "pod",
// "exec", ...): an ID, a name unique within its kind, and a JSON document
// owned by the engine.
type Object struct {
	Kind    string
	ID      string
	Name    string
	Created time.Time
	Data    []byte
}

const objColumns = "kind, id, name, created, data"

func scanObject(row interface{ Scan(...any) error }) (Object, error) {
	var o Object
	var created int64
	if err := row.Scan(&o.Kind, &o.ID, &o.Name, &created, &o.Data); err != nil {
		return Object{}, err
	}
	o.Created = time.Unix(0, created)
	return o, nil
}

// AddObject stores a new object; a taken ID or name (within the kind)
// wraps ErrExists, atomically.
func (s *DB) AddObject(ctx context.Context, o Object) error {
	_, err := s.db.ExecContext(ctx, "INSERT INTO objects("+objColumns+") VALUES(?, ?, ?, ?, ?)",
		o.Kind, o.ID, o.Name, o.Created.UnixNano(), o.Data)
	if isUnique(err) {
		return fmt.Errorf("%s %q: %w", o.Kind, o.Name, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("storing %s %s: %w", o.Kind, o.Name, err)
	}
	return nil
}

// LookupObject finds an object of kind by ID, name, or unique ID prefix.
func (s *DB) LookupObject(ctx context.Context, kind, ref string) (Object, error) {
	o, err := scanObject(s.db.QueryRowContext(ctx,
		"SELECT "+objColumns+" FROM objects WHERE kind = ? AND (id = ? OR name = ?) ORDER BY id = ? DESC LIMIT 1",
		kind, ref, ref, ref))
	if err == nil {
		return o, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return Object{}, fmt.Errorf("looking up %s %s: %w", kind, ref, err)
	}
	if !isHex(ref) {
		return Object{}, fmt.Errorf("%s %s: %w", kind, ref, ErrNotFound)
	}
	rows, err := s.db.QueryContext(ctx,
		"SELECT "+objColumns+" FROM objects WHERE kind = ? AND id LIKE ? || '%' LIMIT 2", kind, ref)
	if err != nil {
		return Object{}, fmt.Errorf("looking up %s %s: %w", kind, ref, err)
	}
	defer rows.Close()
	var found []Object
	for rows.Next() {
		o, err := scanObject(rows)
		if err != nil {
			return Object{}, err
		}
		found = append(found, o)
	}
	switch len(found) {
	case 0:
		return Object{}, fmt.Errorf("%s %s: %w", kind, ref, ErrNotFound)
	case 1:
		return found[0], nil
	}
	return Object{}, fmt.Errorf("%s %s: %w", kind, ref, ErrAmbiguous)
}

// Objects lists every object of kind, oldest first.
func (s *DB) Objects(ctx context.Context, kind string) ([]Object, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+objColumns+" FROM objects WHERE kind = ? ORDER BY created, id", kind)
	if err != nil {
		return nil, fmt.Errorf("listing %s objects: %w", kind, err)
	}
	defer rows.Close()
	var out []Object
	for rows.Next() {
		o, err := scanObject(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// SetObjectData replaces the document of object (kind, id).
func (s *DB) SetObjectData(ctx context.Context, kind, id string, data []byte) error {
	res, err := s.db.ExecContext(ctx, "UPDATE objects SET data = ? WHERE kind = ? AND id = ?", data, kind, id)
	if err != nil {
		return fmt.Errorf("saving %s %s: %w", kind, id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%s %s: %w", kind, id, ErrNotFound)
	}
	return nil
}

// RemoveObject deletes object (kind, id); a missing one is not an error.
func (s *DB) RemoveObject(ctx context.Context, kind, id string) error {
	if _, err := s.db.ExecContext(ctx, "DELETE FROM objects WHERE kind = ? AND id = ?", kind, id); err != nil {
		return fmt.Errorf("removing %s %s: %w", kind, id, err)
	}
	return nil
}
