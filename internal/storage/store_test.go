package storage

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.podman.io/image/v5/copy"
	ociarchive "go.podman.io/image/v5/oci/archive"
	"go.podman.io/image/v5/signature"
	istorage "go.podman.io/image/v5/storage"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage/pkg/reexec"
)

// testArchive is the oci-archive built by hack/testimage.sh in TestMain.
var testArchive string

func TestMain(m *testing.M) {
	// Layer extraction re-executes the test binary (storage-untar).
	if reexec.Init() {
		return
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Geteuid() == 0 {
		dir, err := os.MkdirTemp("", "berth-storage-test")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(dir)
		testArchive = filepath.Join(dir, "busybox.tar")
		if out, err := exec.Command("../../hack/testimage.sh", testArchive).CombinedOutput(); err != nil {
			os.Stderr.Write(out)
			testArchive = ""
		}
	}
	return m.Run()
}

// openTest opens a store in a fresh temporary directory and registers its
// cleanup: force-unmount every container, close, and check that no mount
// is left under the directory.
func openTest(t *testing.T) *Store {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (overlay mounts)")
	}
	dir := t.TempDir()
	s, err := Open(context.Background(), Options{
		GraphRoot: filepath.Join(dir, "graph"),
		RunRoot:   filepath.Join(dir, "run"),
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		ids, _ := s.ContainerIDs(ctx)
		for _, id := range ids {
			if err := s.Unmount(ctx, id, true); err != nil {
				t.Errorf("cleanup unmount %s: %v", id, err)
			}
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if m := mountsUnder(t, dir); len(m) > 0 {
			t.Errorf("mounts left under %s: %v", dir, m)
		}
	})
	return s
}

func mountsUnder(t *testing.T, dir string) []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], dir) {
			out = append(out, fields[4])
		}
	}
	return out
}

// loadTestImage copies the test archive into s and returns the image ID.
func loadTestImage(t *testing.T, s *Store) string {
	t.Helper()
	if testArchive == "" {
		t.Skip("test image not available (hack/testimage.sh failed)")
	}
	ctx := context.Background()
	src, err := ociarchive.NewReference(testArchive, "")
	if err != nil {
		t.Fatal(err)
	}
	dest, err := istorage.Transport.ParseStoreReference(s.Unwrap(), "localhost/busybox:latest")
	if err != nil {
		t.Fatal(err)
	}
	pc, err := signature.NewPolicyContext(&signature.Policy{
		Default: signature.PolicyRequirements{signature.NewPRInsecureAcceptAnything()},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Destroy()
	tmp := t.TempDir()
	sys := &types.SystemContext{BigFilesTemporaryDir: tmp, BlobInfoCacheDir: tmp}
	if _, err := copy.Image(ctx, pc, dest, src, &copy.Options{SourceCtx: sys, DestinationCtx: sys}); err != nil {
		t.Fatalf("copy: %v", err)
	}
	img, err := s.Unwrap().Image("localhost/busybox:latest")
	if err != nil {
		t.Fatal(err)
	}
	return img.ID
}

func TestOpenIsolatesStorageConf(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "storage.conf")
	if err := os.WriteFile(bad, []byte("this is [not toml"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CONTAINERS_STORAGE_CONF", bad)
	t.Setenv("CONTAINERS_STORAGE_CONF_OVERRIDE", bad)
	openTest(t)
	if got := os.Getenv("CONTAINERS_STORAGE_CONF"); got != bad {
		t.Errorf("CONTAINERS_STORAGE_CONF not restored: %q", got)
	}
	if got := os.Getenv("CONTAINERS_STORAGE_CONF_OVERRIDE"); got != bad {
		t.Errorf("CONTAINERS_STORAGE_CONF_OVERRIDE not restored: %q", got)
	}
}

func TestOpenRejectsBadRoots(t *testing.T) {
	dir := t.TempDir()
	for _, o := range []Options{
		{GraphRoot: filepath.Join(dir, "g")},
		{RunRoot: filepath.Join(dir, "r")},
		{GraphRoot: filepath.Join(dir, "a,b"), RunRoot: filepath.Join(dir, "r")},
		{GraphRoot: filepath.Join(dir, "a:b"), RunRoot: filepath.Join(dir, "r")},
	} {
		if s, err := Open(context.Background(), o); err == nil {
			s.Close()
			t.Errorf("Open(%+v) succeeded", o)
		}
	}
}

func TestContainerLifecycle(t *testing.T) {
	s := openTest(t)
	imageID := loadTestImage(t, s)
	ctx := context.Background()
	const id = "c0ffee0000000000000000000000000000000000000000000000000000000001"

	if err := s.CreateContainer(ctx, id, "web", imageID); err != nil {
		t.Fatalf("CreateContainer: %v", err)
	}
	if err := s.CreateContainer(ctx, id, "", imageID); !errors.Is(err, ErrExists) {
		t.Errorf("duplicate id: got %v, want ErrExists", err)
	}
	if err := s.CreateContainer(ctx, "other", "web", imageID); !errors.Is(err, ErrExists) {
		t.Errorf("duplicate name: got %v, want ErrExists", err)
	}
	if err := s.CreateContainer(ctx, "other", "", "localhost/nope:latest"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown image: got %v, want ErrNotFound", err)
	}
	if ids, err := s.ContainerIDs(ctx); err != nil || len(ids) != 1 || ids[0] != id {
		t.Errorf("ContainerIDs = %v, %v", ids, err)
	}

	mp, err := s.Mount(ctx, id)
	if err != nil {
		t.Fatalf("Mount: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(mp, "bin", "busybox")); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("bin/busybox in rootfs: %v", err)
	}
	if target, err := os.Readlink(filepath.Join(mp, "bin", "sh")); err != nil || target != "/bin/busybox" {
		t.Errorf("bin/sh -> %q, %v", target, err)
	}
	mp2, err := s.Mount(ctx, id)
	if err != nil || mp2 != mp {
		t.Fatalf("second Mount = %q, %v; want %q", mp2, err, mp)
	}
	if err := os.WriteFile(filepath.Join(mp, "hello.txt"), bytes.Repeat([]byte("x"), 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.Unmount(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	if m, err := s.Mounted(ctx, id); err != nil || !m {
		t.Errorf("after one of two unmounts: Mounted = %v, %v; want true", m, err)
	}
	if err := s.Unmount(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	if m, err := s.Mounted(ctx, id); err != nil || m {
		t.Errorf("after unmount: Mounted = %v, %v; want false", m, err)
	}
	if err := s.Unmount(ctx, id, false); err != nil {
		t.Errorf("Unmount of unmounted container: %v", err)
	}
	if err := s.Unmount(ctx, "unknown", true); err != nil {
		t.Errorf("Unmount of unknown container: %v", err)
	}

	rw, rootfs, err := s.Size(ctx, id)
	if err != nil {
		t.Fatalf("Size: %v", err)
	}
	if rw < 4096 || rootfs < rw+1_000_000 {
		t.Errorf("Size = rw %d, rootfs %d", rw, rootfs)
	}

	// Export while unmounted: takes and drops its own mount.
	var buf bytes.Buffer
	if err := s.Export(ctx, id, &buf); err != nil {
		t.Fatalf("Export: %v", err)
	}
	names := tarNames(t, &buf)
	for _, want := range []string{"bin/busybox", "bin/sh", "hello.txt", "etc/passwd", "home/berth/"} {
		if !names[want] {
			t.Errorf("export lacks %s", want)
		}
	}
	if m, _ := s.Mounted(ctx, id); m {
		t.Error("Export left the container mounted")
	}

	if _, err := s.Mount(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := s.RemoveContainer(ctx, id); err != nil {
		t.Fatalf("RemoveContainer (mounted): %v", err)
	}
	if err := s.RemoveContainer(ctx, id); err != nil {
		t.Errorf("RemoveContainer again: %v", err)
	}
	if _, err := s.Mount(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("Mount removed container: got %v, want ErrNotFound", err)
	}
	if _, err := s.Mounted(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("Mounted removed container: got %v, want ErrNotFound", err)
	}
	if _, _, err := s.Size(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("Size removed container: got %v, want ErrNotFound", err)
	}
}

// TestExportWhileMounted checks that Export keeps the caller's mount.
func TestExportWhileMounted(t *testing.T) {
	s := openTest(t)
	imageID := loadTestImage(t, s)
	ctx := context.Background()
	if err := s.CreateContainer(ctx, "c1", "", imageID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Mount(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Export(ctx, "c1", io.Discard); err != nil {
		t.Fatal(err)
	}
	if m, err := s.Mounted(ctx, "c1"); err != nil || !m {
		t.Errorf("Mounted after Export = %v, %v; want true", m, err)
	}
	if err := s.Unmount(ctx, "c1", false); err != nil {
		t.Fatal(err)
	}
}

func tarNames(t *testing.T, r io.Reader) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names
		}
		if err != nil {
			t.Fatalf("reading export: %v", err)
		}
		names[strings.TrimPrefix(hdr.Name, "./")] = true
	}
}

// TestCloseWithMountedContainer: a running container keeps its mount past
// the engine process, so Close must not fail on it.
func TestCloseWithMountedContainer(t *testing.T) {
	s := openTest(t)
	imageID := loadTestImage(t, s)
	ctx := context.Background()
	if err := s.CreateContainer(ctx, "c1", "", imageID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Mount(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close with a mounted container: %v", err)
	}
	// The store is usable again after Close (the cleanup unmounts through it).
	if m, err := s.Mounted(ctx, "c1"); err != nil || !m {
		t.Errorf("Mounted after Close = %v, %v", m, err)
	}
}
