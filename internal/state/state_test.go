package state

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func openTest(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func ctr(id, name string) Container {
	return Container{ID: id, Name: name, Created: time.Now(), Config: []byte(`{}`), State: []byte(`{"status":"configured"}`)}
}

func TestAddAndLookup(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	for _, c := range []Container{ctr("abc111", "one"), ctr("abc222", "two"), ctr("def333", "abc111x")} {
		if err := db.AddContainer(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		ref     string
		wantID  string
		wantErr error
	}{
		{"abc111", "abc111", nil},
		{"one", "abc111", nil},
		{"abc2", "abc222", nil},
		{"def", "def333", nil},
		{"abc111x", "def333", nil}, // an exact name beats nothing else
		{"abc", "", ErrAmbiguous},
		{"nope", "", ErrNotFound},
		{"%", "", ErrNotFound},
		{"", "", ErrNotFound},
	}
	for _, tt := range tests {
		c, err := db.LookupContainer(ctx, tt.ref)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Lookup(%q) = %v, want %v", tt.ref, err, tt.wantErr)
			}
			continue
		}
		if err != nil || c.ID != tt.wantID {
			t.Errorf("Lookup(%q) = %q, %v; want %q", tt.ref, c.ID, err, tt.wantID)
		}
	}
	if err := db.AddContainer(ctx, ctr("fff", "one")); !errors.Is(err, ErrExists) {
		t.Errorf("duplicate name: %v", err)
	}
	if err := db.AddContainer(ctx, ctr("abc111", "other")); !errors.Is(err, ErrExists) {
		t.Errorf("duplicate id: %v", err)
	}
	all, err := db.Containers(ctx)
	if err != nil || len(all) != 3 {
		t.Fatalf("Containers = %d, %v", len(all), err)
	}
}

func TestStateRenameRemoveArtifacts(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	if err := db.AddContainer(ctx, ctr("a1", "a")); err != nil {
		t.Fatal(err)
	}
	if err := db.SetContainerState(ctx, "a1", []byte(`{"status":"running"}`)); err != nil {
		t.Fatal(err)
	}
	c, _ := db.Container(ctx, "a1")
	if string(c.State) != `{"status":"running"}` {
		t.Errorf("state = %s", c.State)
	}
	if err := db.SetContainerState(ctx, "zz", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("state of missing: %v", err)
	}
	if err := db.SetArtifact(ctx, "a1", "note", []byte("hi")); err != nil {
		t.Fatal(err)
	}
	if got, err := db.Artifact(ctx, "a1", "note"); err != nil || string(got) != "hi" {
		t.Errorf("artifact = %q, %v", got, err)
	}
	if err := db.SetArtifact(ctx, "zz", "note", []byte("x")); !errors.Is(err, ErrNotFound) {
		t.Errorf("artifact of missing container: %v", err)
	}
	if err := db.AddContainer(ctx, ctr("b1", "b")); err != nil {
		t.Fatal(err)
	}
	if err := db.SetArtifact(ctx, "b1", "other", []byte("no")); err != nil {
		t.Fatal(err)
	}
	if all, err := db.ArtifactsNamed(ctx, "note"); err != nil || len(all) != 1 || string(all["a1"]) != "hi" {
		t.Errorf("artifacts named note = %q, %v; want only a1's", all, err)
	}
	if err := db.SetContainerName(ctx, "a1", "b"); !errors.Is(err, ErrExists) {
		t.Errorf("rename to taken: %v", err)
	}
	if err := db.RemoveContainer(ctx, "a1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Artifact(ctx, "a1", "note"); !errors.Is(err, ErrNotFound) {
		t.Errorf("artifact survived its container: %v", err)
	}
	if err := db.RemoveContainer(ctx, "a1"); err != nil {
		t.Errorf("second remove: %v", err)
	}
}

// Several processes' worth of connections racing to create the same name:
// exactly one wins.
func TestConcurrentSameName(t *testing.T) {
	_, path := openTest(t)
	ctx := context.Background()
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			db, err := Open(ctx, path)
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			errs[i] = db.AddContainer(ctx, ctr(fmt.Sprintf("id%02d", i), "same"))
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ErrExists):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d inserts of the same name succeeded, want 1", ok)
	}
}

func TestRewriteStatesAndMeta(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	db.AddContainer(ctx, ctr("a1", "a"))
	db.AddContainer(ctx, ctr("b1", "b"))
	err := db.RewriteStates(ctx, func(c Container) ([]byte, bool, error) {
		return []byte(`{"status":"exited"}`), c.ID == "a1", nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := db.Container(ctx, "a1")
	b, _ := db.Container(ctx, "b1")
	if string(a.State) != `{"status":"exited"}` || string(b.State) != `{"status":"configured"}` {
		t.Errorf("states = %s, %s", a.State, b.State)
	}
	if _, ok, _ := db.Meta(ctx, "boot"); ok {
		t.Error("meta present before set")
	}
	db.SetMeta(ctx, "boot", "x")
	db.SetMeta(ctx, "boot", "y")
	if v, ok, err := db.Meta(ctx, "boot"); v != "y" || !ok || err != nil {
		t.Errorf("meta = %q %v %v", v, ok, err)
	}
}
