package image

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/berthproject/berth/internal/storage"
	"github.com/opencontainers/go-digest"
	cstorage "go.podman.io/storage"
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
		dir, err := os.MkdirTemp("", "berth-image-test")
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

type env struct {
	svc   *Service
	store *storage.Store
	dir   string
}

// newEnv opens a store and a Service in a fresh temporary directory; the
// cleanup force-unmounts containers, closes the store and checks that no
// mount is left.
func newEnv(t *testing.T) *env {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (overlay mounts)")
	}
	if testArchive == "" {
		t.Skip("test image not available (hack/testimage.sh failed)")
	}
	dir := t.TempDir()
	ctx := context.Background()
	st, err := storage.Open(ctx, storage.Options{
		GraphRoot: filepath.Join(dir, "graph"),
		RunRoot:   filepath.Join(dir, "run"),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ids, _ := st.ContainerIDs(ctx)
		for _, id := range ids {
			if err := st.Unmount(ctx, id, true); err != nil {
				t.Errorf("cleanup unmount: %v", err)
			}
		}
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		data, _ := os.ReadFile("/proc/self/mountinfo")
		if strings.Contains(string(data), dir) {
			t.Errorf("mounts left under %s", dir)
		}
	})
	svc, err := New(st.Unwrap(), Options{
		TmpDir:       filepath.Join(dir, "tmp"),
		BlobCacheDir: filepath.Join(dir, "cache"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return &env{svc: svc, store: st, dir: dir}
}

func (e *env) load(t *testing.T, path string) []string {
	t.Helper()
	names, err := e.svc.Load(context.Background(), path)
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	return names
}

// tmpEmpty fails if an operation left anything in the service's TmpDir.
func (e *env) tmpEmpty(t *testing.T) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(e.dir, "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("TmpDir not empty: %v", entries)
	}
}

func TestLoadLookupConfig(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	names := e.load(t, testArchive)
	if !slices.Equal(names, []string{"localhost/busybox:latest"}) {
		t.Fatalf("Load = %v", names)
	}
	e.tmpEmpty(t)

	imgs, err := e.svc.List(ctx)
	if err != nil || len(imgs) != 1 {
		t.Fatalf("List = %v, %v", imgs, err)
	}
	img := imgs[0]
	if !slices.Equal(img.Names, []string{"localhost/busybox:latest"}) || img.Dangling {
		t.Errorf("names %v dangling %v", img.Names, img.Dangling)
	}
	if img.Labels["io.berth.test"] != "true" || img.Labels["org.opencontainers.image.title"] != "busybox" {
		t.Errorf("labels %v", img.Labels)
	}
	if img.Size < 2_000_000 || !strings.HasPrefix(img.Digest, "sha256:") {
		t.Errorf("size %d digest %q", img.Size, img.Digest)
	}
	if want := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC); !img.Created.Equal(want) {
		t.Errorf("created %v", img.Created)
	}

	repo := "localhost/busybox"
	for _, ref := range []string{
		"busybox", "busybox:latest", "localhost/busybox", "localhost/busybox:latest",
		img.ID, img.ID[:5], "sha256:" + img.ID, repo + "@" + img.Digest, "busybox@" + img.Digest,
	} {
		got, err := e.svc.Lookup(ctx, ref)
		if err != nil || got.ID != img.ID {
			t.Errorf("Lookup(%q) = %s, %v", ref, got.ID, err)
		}
	}
	if got, _ := e.svc.Lookup(ctx, "busybox"); got.Size != img.Size || got.Labels["io.berth.test"] != "true" {
		t.Errorf("Lookup and List disagree: %+v vs %+v", got, img)
	}
	for _, ref := range []string{"nope", "docker.io/library/busybox", "busybox:1", "fff"} {
		if _, err := e.svc.Lookup(ctx, ref); !errors.Is(err, ErrNotFound) {
			t.Errorf("Lookup(%q): got %v, want ErrNotFound", ref, err)
		}
	}

	cfg, err := e.svc.Config(ctx, img.ID)
	if err != nil {
		t.Fatalf("Config: %v", err)
	}
	if !slices.Equal(cfg.Config.Cmd, []string{"/bin/sh"}) ||
		!slices.Contains(cfg.Config.Env, "BERTH_TEST=1") ||
		cfg.Config.Labels["io.berth.test"] != "true" || cfg.OS != "linux" || cfg.Architecture == "" {
		t.Errorf("Config = %+v", cfg)
	}
	if _, err := e.svc.Config(ctx, strings.Repeat("0", 64)); !errors.Is(err, ErrNotFound) {
		t.Errorf("Config(unknown): got %v, want ErrNotFound", err)
	}
	// The one-pass lookup for creating containers sees the same image and
	// the same runtime configuration as Lookup + Config.
	quick, quickCfg, err := e.svc.LookupWithConfig(ctx, "busybox")
	if err != nil {
		t.Fatalf("LookupWithConfig: %v", err)
	}
	if quick.ID != img.ID || !slices.Equal(quick.Names, img.Names) || quick.Labels["io.berth.test"] != "true" {
		t.Errorf("LookupWithConfig image %+v, want %+v", quick, img)
	}
	if !reflect.DeepEqual(quickCfg.Config, cfg.Config) {
		t.Errorf("LookupWithConfig config %+v, want %+v", quickCfg.Config, cfg.Config)
	}
	if _, _, err := e.svc.LookupWithConfig(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("LookupWithConfig(nope): got %v, want ErrNotFound", err)
	}

	// Loading again is a no-op that yields the same image.
	e.load(t, testArchive)
	if imgs, _ := e.svc.List(ctx); len(imgs) != 1 || imgs[0].ID != img.ID {
		t.Errorf("after second load: %+v", imgs)
	}
}

func TestTagUntagRemove(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.load(t, testArchive)
	img, err := e.svc.Lookup(ctx, "busybox")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"foo", "foo:1", "quay.io/team/tool:2"} {
		if err := e.svc.Tag(ctx, "busybox", n); err != nil {
			t.Fatalf("Tag(%s): %v", n, err)
		}
	}
	if err := e.svc.Tag(ctx, "busybox", "Bad Name"); err == nil {
		t.Error("Tag with an invalid name succeeded")
	}
	got, _ := e.svc.Lookup(ctx, img.ID)
	want := []string{"localhost/busybox:latest", "localhost/foo:1", "localhost/foo:latest", "quay.io/team/tool:2"}
	slices.Sort(got.Names)
	if !slices.Equal(got.Names, want) {
		t.Fatalf("names %v, want %v", got.Names, want)
	}
	if got, err := e.svc.Lookup(ctx, "tool:2"); err != nil || got.ID != img.ID {
		t.Errorf("Lookup(tool:2) = %v", err)
	}

	// By name with other names left: untag only.
	untagged, deleted, err := e.svc.Remove(ctx, "foo", false)
	if err != nil || deleted != "" || !slices.Equal(untagged, []string{"localhost/foo:latest"}) {
		t.Fatalf("Remove(foo) = %v, %q, %v", untagged, deleted, err)
	}
	if err := e.svc.Untag(ctx, img.ID, "quay.io/team/tool:2"); err != nil {
		t.Fatalf("Untag: %v", err)
	}
	if err := e.svc.Untag(ctx, img.ID, "quay.io/team/tool:2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Untag twice: got %v, want ErrNotFound", err)
	}
	// By ID with two names: needs force.
	if _, _, err := e.svc.Remove(ctx, img.ID[:12], false); !errors.Is(err, ErrMultipleNames) {
		t.Errorf("Remove(ID) with two names: got %v, want ErrMultipleNames", err)
	}
	if err := e.svc.Untag(ctx, "foo:1", "foo:1"); err != nil {
		t.Fatalf("Untag(foo:1): %v", err)
	}

	// In use by a container: refused, naming the container.
	const ctr = "c1c1c1"
	if err := e.store.CreateContainer(ctx, ctr, "", img.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.svc.Remove(ctx, "busybox", true)
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), ctr) {
		t.Errorf("Remove of used image: got %v, want ErrInUse naming %s", err, ctr)
	}
	if err := e.store.RemoveContainer(ctx, ctr); err != nil {
		t.Fatal(err)
	}
	untagged, deleted, err = e.svc.Remove(ctx, "busybox", false)
	if err != nil || deleted != img.ID || !slices.Equal(untagged, []string{"localhost/busybox:latest"}) {
		t.Fatalf("Remove(busybox) = %v, %q, %v", untagged, deleted, err)
	}
	if imgs, _ := e.svc.List(ctx); len(imgs) != 0 {
		t.Errorf("images left: %+v", imgs)
	}
	if _, _, err := e.svc.Remove(ctx, "busybox", false); !errors.Is(err, ErrNotFound) {
		t.Errorf("Remove again: got %v, want ErrNotFound", err)
	}
}

func TestRemoveForceMultipleNames(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.load(t, testArchive)
	if err := e.svc.Tag(ctx, "busybox", "other:2"); err != nil {
		t.Fatal(err)
	}
	img, _ := e.svc.Lookup(ctx, "busybox")
	untagged, deleted, err := e.svc.Remove(ctx, img.ID, true)
	if err != nil || deleted != img.ID || len(untagged) != 2 {
		t.Fatalf("Remove(ID, force) = %v, %q, %v", untagged, deleted, err)
	}
}

// TestSaveLoadRoundTrip saves in both formats and loads into a fresh store,
// where the image must be runnable (mountable with its config intact).
func TestSaveLoadRoundTrip(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.load(t, testArchive)
	orig, _ := e.svc.Lookup(ctx, "busybox")
	if err := e.svc.Tag(ctx, "busybox", "quay.io/x/second:3"); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	// A ':' in the output path is refused by the docker-archive transport
	// itself; Save stages such archives elsewhere.
	colonDir := filepath.Join(out, "with:colon")
	if err := os.Mkdir(colonDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		test   string
		format string
		refs   []string
		want   []string
		file   string
	}{
		{"docker-name", FormatDockerArchive, []string{"busybox"}, []string{"localhost/busybox:latest"}, "a.tar"},
		{"oci-name", FormatOCIArchive, []string{"busybox"}, []string{"localhost/busybox:latest"}, "b.tar"},
		{"docker-two", FormatDockerArchive, []string{"busybox", "second:3"}, []string{"localhost/busybox:latest", "quay.io/x/second:3"}, "c:3.tar"},
		{"oci-two", FormatOCIArchive, []string{"busybox", "second:3"}, []string{"localhost/busybox:latest", "quay.io/x/second:3"}, "d:3.tar"},
		{"docker-id", FormatDockerArchive, []string{orig.ID}, []string{orig.ID}, "with:colon/e.tar"},
		{"oci-id", FormatOCIArchive, []string{orig.ID}, []string{orig.ID}, "with:colon/f.tar"},
	} {
		t.Run(tc.test, func(t *testing.T) {
			path := filepath.Join(out, tc.file)
			if err := e.svc.Save(ctx, tc.refs, tc.format, path); err != nil {
				t.Fatalf("Save: %v", err)
			}
			e.tmpEmpty(t)
			f := newEnv(t)
			names := f.load(t, path)
			slices.Sort(names)
			if !slices.Equal(names, tc.want) {
				t.Errorf("Load = %v, want %v", names, tc.want)
			}
			img, err := f.svc.Lookup(ctx, names[0])
			if err != nil {
				t.Fatal(err)
			}
			if tc.format == FormatDockerArchive && img.ID != orig.ID {
				t.Errorf("ID changed: %s -> %s", orig.ID, img.ID)
			}
			cfg, err := f.svc.Config(ctx, img.ID)
			if err != nil || !slices.Equal(cfg.Config.Cmd, []string{"/bin/sh"}) {
				t.Errorf("Config after round trip: %+v, %v", cfg, err)
			}
			if err := f.store.CreateContainer(ctx, "rt", "", img.ID); err != nil {
				t.Fatal(err)
			}
			mp, err := f.store.Mount(ctx, "rt")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(mp, "bin", "busybox")); err != nil {
				t.Errorf("rootfs after round trip: %v", err)
			}
			if err := f.store.RemoveContainer(ctx, "rt"); err != nil {
				t.Fatal(err)
			}
		})
	}
	if err := e.svc.Save(ctx, []string{"busybox"}, "tarball", filepath.Join(out, "x")); err == nil {
		t.Error("Save with an unknown format succeeded")
	}
	if err := e.svc.Save(ctx, []string{"nope"}, "", filepath.Join(out, "y")); !errors.Is(err, ErrNotFound) {
		t.Errorf("Save of unknown image: got %v, want ErrNotFound", err)
	}
}

func TestLoadBrokenArchives(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	dir := t.TempDir()
	data, err := os.ReadFile(testArchive)
	if err != nil {
		t.Fatal(err)
	}
	docker := filepath.Join(dir, "docker.tar")
	{
		f := newEnv(t)
		f.load(t, testArchive)
		if err := f.svc.Save(ctx, []string{"busybox"}, FormatDockerArchive, docker); err != nil {
			t.Fatal(err)
		}
	}
	dockerData, err := os.ReadFile(docker)
	if err != nil {
		t.Fatal(err)
	}
	corrupt := slices.Clone(data)
	corrupt[len(corrupt)/4] ^= 0xff // inside the layer blob
	cases := map[string][]byte{
		"oci-corrupt":      corrupt,
		"oci-truncated":    data[:len(data)/2],
		"docker-truncated": dockerData[:len(dockerData)/2],
		"empty":            nil,
		"garbage":          []byte(strings.Repeat("not a tar\n", 200)),
	}
	for name, content := range cases {
		p := filepath.Join(dir, name+".tar")
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := e.svc.Load(ctx, p)
		if err == nil {
			t.Errorf("Load(%s) = %v, want an error", name, got)
		}
		t.Logf("%s: %v", name, err)
		if imgs, err := e.svc.List(ctx); err != nil || len(imgs) != 0 {
			t.Errorf("after Load(%s): images %+v, %v", name, imgs, err)
		}
		if layers, err := e.store.Unwrap().Layers(); err != nil || len(layers) != 0 {
			t.Errorf("after Load(%s): %d layers left, %v", name, len(layers), err)
		}
		e.tmpEmpty(t)
	}
	if _, err := e.svc.Load(ctx, filepath.Join(dir, "missing.tar")); err == nil {
		t.Error("Load of a missing file succeeded")
	}
}

func TestLoadLayoutDirUnnamed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	dir := t.TempDir()
	// An OCI layout whose ref.name is only a tag loads unnamed.
	out, err := exec.Command("../../hack/testimage.sh", filepath.Join(dir, "a.tar"), "latest").CombinedOutput()
	if err != nil {
		t.Fatalf("testimage.sh: %v\n%s", err, out)
	}
	layoutDir := filepath.Join(dir, "lay:out") // a colon, refused by the oci transport itself
	if err := os.Mkdir(layoutDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("tar", "-xf", filepath.Join(dir, "a.tar"), "-C", layoutDir).CombinedOutput(); err != nil {
		t.Fatalf("tar: %v\n%s", err, out)
	}
	names := e.load(t, layoutDir)
	if len(names) != 1 || len(names[0]) != 64 {
		t.Fatalf("Load = %v, want one ID", names)
	}
	img, err := e.svc.Lookup(ctx, names[0])
	if err != nil || !img.Dangling || len(img.Names) != 0 {
		t.Errorf("Lookup = %+v, %v", img, err)
	}
}

func TestNewWipesStaleTempDirs(t *testing.T) {
	e := newEnv(t)
	tmp := filepath.Join(e.dir, "tmp")
	live, err := newOpDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	defer live.release()
	stale := filepath.Join(tmp, opPrefix+"dead")
	if err := os.MkdirAll(filepath.Join(stale, "container_images_oci123"), 0o700); err != nil {
		t.Fatal(err)
	}
	freshNew := filepath.Join(tmp, newPrefix+"racing")
	if err := os.Mkdir(freshNew, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := New(e.store.Unwrap(), Options{TmpDir: tmp, BlobCacheDir: filepath.Join(e.dir, "cache")}); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{live.path: true, stale: false, freshNew: true} {
		_, err := os.Stat(p)
		if exists := err == nil; exists != want {
			t.Errorf("%s exists = %v, want %v", p, exists, want)
		}
	}
}

// TestListManyImagesFast checks the listing budget: 200 images in one pass,
// well under 50 ms. The images share the test image's layer and differ in
// their config (and so in their ID), which is all List reads.
func TestListManyImagesFast(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.load(t, testArchive)
	base, _ := e.svc.Lookup(ctx, "busybox")
	st := e.store.Unwrap()
	top, err := st.Image(base.ID)
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	for i := range n {
		cfg := []byte(fmt.Sprintf(`{"architecture":"amd64","os":"linux","config":{"Labels":{"n":"%d"}}}`, i))
		d := digest.FromBytes(cfg)
		_, err := st.CreateImage(d.Encoded(), []string{fmt.Sprintf("localhost/many%d:latest", i)}, top.TopLayer, "", &cstorage.ImageOptions{
			BigData: []cstorage.ImageBigDataOption{{Key: d.String(), Data: cfg, Digest: d}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var best time.Duration
	for range 3 {
		start := time.Now()
		imgs, err := e.svc.List(ctx)
		el := time.Since(start)
		if err != nil || len(imgs) != n+1 {
			t.Fatalf("List: %d images, %v", len(imgs), err)
		}
		if best == 0 || el < best {
			best = el
		}
		// Labels are read by several goroutines: each must land on its
		// own image.
		for _, img := range imgs {
			if img.ID == base.ID {
				if img.Labels["io.berth.test"] != "true" {
					t.Errorf("base image labels %v", img.Labels)
				}
				continue
			}
			var i int
			if len(img.Names) == 1 {
				if _, err := fmt.Sscanf(img.Names[0], "localhost/many%d:latest", &i); err == nil && img.Labels["n"] == fmt.Sprint(i) {
					continue
				}
			}
			t.Fatalf("listed %v with labels %v", img.Names, img.Labels)
		}
	}
	t.Logf("List of %d images: %v", n+1, best)
	if best > 50*time.Millisecond {
		t.Errorf("List of %d images took %v, budget 50ms", n+1, best)
	}
	img, err := e.svc.Lookup(ctx, "many7")
	if err != nil || img.Labels["n"] != "7" || img.Size < 2_000_000 {
		t.Errorf("Lookup(many7) = %+v, %v", img, err)
	}
}

func TestLoadGzippedArchive(t *testing.T) {
	e := newEnv(t)
	gz := filepath.Join(t.TempDir(), "busybox.tar.gz")
	if out, err := exec.Command("sh", "-c", `gzip -c "$1" > "$2"`, "sh", testArchive, gz).CombinedOutput(); err != nil {
		t.Fatalf("gzip: %v\n%s", err, out)
	}
	if names := e.load(t, gz); !slices.Equal(names, []string{"localhost/busybox:latest"}) {
		t.Errorf("Load = %v", names)
	}
}
