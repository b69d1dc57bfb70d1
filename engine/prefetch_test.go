package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestPrefetchOpenClose: a runtime opened with Prefetch can be closed at
// once, while its image store may still be opening on another goroutine,
// and one used afterwards finds the store opened and warmed.
func TestPrefetchOpenClose(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: overlay storage and a tmpfs run root")
	}
	dir := t.TempDir()
	opts := Options{
		Root: filepath.Join(dir, "root"), RunRoot: filepath.Join(dir, "run"),
		Prefetch: true, CleanupCommand: []string{"true"},
	}
	t.Cleanup(func() { _ = unix.Unmount(opts.RunRoot, unix.MNT_DETACH) })
	ctx := context.Background()
	for range 3 {
		r, err := Open(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Close(); err != nil {
			t.Fatalf("close right after a prefetching open: %v", err)
		}
	}
	r, err := Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	st, imgs, err := r.storage(ctx)
	if err != nil || st == nil || imgs == nil {
		t.Fatalf("storage after prefetch: %v, %v, %v", st, imgs, err)
	}
	if _, err := r.ListImages(ctx, ImageListOptions{}); err != nil {
		t.Errorf("images after prefetch: %v", err)
	}
}
