package state

import (
	"context"
	"os"
	"testing"
)

// The write-ahead log and its index outlive a closed database, emptied
// by the checkpoint at close, and the data is there on the next open.
func TestWALFilesKeptAndEmptied(t *testing.T) {
	db, path := openTest(t)
	ctx := context.Background()
	if err := db.AddContainer(ctx, ctr("abc111", "one")); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path + "-wal", path + "-shm"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s after close: %v", f, err)
		}
	}
	if st, err := os.Stat(path + "-wal"); err == nil && st.Size() != 0 {
		t.Errorf("WAL holds %d bytes after the closing checkpoint, want 0", st.Size())
	}
	db2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if c, err := db2.LookupContainer(ctx, "one"); err != nil || c.ID != "abc111" {
		t.Errorf("after reopen: %+v, %v", c, err)
	}
}
