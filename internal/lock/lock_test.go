package lock

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestLockExcludesAndReleases(t *testing.T) {
	m, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	l, err := m.Lock(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	if _, err := m.Lock(short, "a"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second lock: got %v, want deadline exceeded", err)
	}
	other, err := m.Lock(ctx, "b")
	if err != nil {
		t.Fatalf("an unrelated lock must not block: %v", err)
	}
	other.Unlock()

	done := make(chan error, 1)
	go func() {
		l2, err := m.Lock(ctx, "a")
		if err == nil {
			l2.Unlock()
		}
		done <- err
	}()
	time.Sleep(5 * time.Millisecond)
	l.Unlock()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("waiter never got the lock after unlock")
	}
}

func TestLockNames(t *testing.T) {
	m, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"", ".", "..", "a/b", "x\x00"} {
		if _, err := m.Lock(context.Background(), name); err == nil {
			t.Errorf("Lock(%q) succeeded, want error", name)
		}
	}
}

// A process killed while holding a lock must not leave it held.
func TestLockDiesWithHolder(t *testing.T) {
	dir := t.TempDir()
	m, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("flock", "-o", filepath.Join(dir, "c"), "sleep", "30")
	if _, err := exec.LookPath("flock"); err != nil {
		t.Skip("flock(1) not installed")
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(2 * time.Second)
	for {
		short, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		l, err := m.Lock(short, "c")
		cancel()
		if err != nil {
			break // the child holds it now
		}
		l.Unlock()
		if time.Now().After(deadline) {
			t.Fatal("child never took the lock")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(os.Kill)
	cmd.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	l, err := m.Lock(ctx, "c")
	if err != nil {
		t.Fatalf("lock still held after its holder died: %v", err)
	}
	l.Unlock()
}
