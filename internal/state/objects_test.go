package state

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

func TestObjects(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	add := func(kind, id, name string) error {
		return db.AddObject(ctx, Object{Kind: kind, ID: id, Name: name, Created: time.Now(), Data: []byte(`{}`)})
	}
	if err := add("volume", "aa11", "data"); err != nil {
		t.Fatal(err)
	}
	if err := add("network", "bb22", "data"); err != nil {
		t.Errorf("the same name in another kind must be allowed: %v", err)
	}
	if err := add("volume", "cc33", "data"); !errors.Is(err, ErrExists) {
		t.Errorf("duplicate name in one kind: %v", err)
	}
	for ref, want := range map[string]string{"data": "aa11", "aa": "aa11", "aa11": "aa11"} {
		o, err := db.LookupObject(ctx, "volume", ref)
		if err != nil || o.ID != want {
			t.Errorf("LookupObject(volume, %q) = %q, %v", ref, o.ID, err)
		}
	}
	if _, err := db.LookupObject(ctx, "volume", "bb22"); !errors.Is(err, ErrNotFound) {
		t.Errorf("lookup must not cross kinds: %v", err)
	}
	if err := db.SetObjectData(ctx, "volume", "aa11", []byte(`{"x":1}`)); err != nil {
		t.Fatal(err)
	}
	list, _ := db.Objects(ctx, "volume")
	if len(list) != 1 || string(list[0].Data) != `{"x":1}` {
		t.Errorf("Objects = %+v", list)
	}
	db.RemoveObject(ctx, "volume", "aa11")
	if list, _ := db.Objects(ctx, "volume"); len(list) != 0 {
		t.Errorf("object survived removal")
	}
}

// A database created by schema 1 is migrated in place, keeping its rows.
func TestMigrationFromV1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	v1 := `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE containers (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created INTEGER NOT NULL, config BLOB NOT NULL, state BLOB NOT NULL);
CREATE TABLE artifacts (ctr_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE, name TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY (ctr_id, name));
INSERT INTO containers VALUES ('c1', 'old', 1, '{}', '{}');
PRAGMA user_version = 1;`
	if _, err := raw.Exec(v1); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Container(context.Background(), "c1"); err != nil {
		t.Errorf("row lost in migration: %v", err)
	}
	if err := db.AddObject(context.Background(), Object{Kind: "volume", ID: "v", Name: "v", Data: []byte("{}")}); err != nil {
		t.Errorf("objects table missing after migration: %v", err)
	}
}
