package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func tarOf(t *testing.T, entries ...tar.Header) *bytes.Buffer {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, h := range entries {
		h := h
		body := []byte(h.Linkname)
		if h.Typeflag == tar.TypeReg {
			h.Linkname, h.Size = "", int64(len(body))
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write(body)
		}
	}
	tw.Close()
	return &b
}

func TestUntarStaysInRoot(t *testing.T) {
	outside := t.TempDir()
	canary := filepath.Join(outside, "canary")
	os.WriteFile(canary, []byte("keep"), 0o644)
	root := t.TempDir()
	// A symlink planted in the root pointing at the outside directory.
	os.Symlink(outside, filepath.Join(root, "evil"))
	os.Symlink("../../../../../../"+outside, filepath.Join(root, "rel"))
	// The same path inside the root, where the links really lead.
	os.MkdirAll(filepath.Join(root, outside), 0o755)
	r, err := OpenRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	// Writes through the symlinks land inside the root.
	for _, name := range []string{"evil/canary", "rel/canary"} {
		if _, err := r.Untar(ctx, tarOf(t, tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Linkname: "pwned"}), UntarOptions{Dest: "/"}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// Refused: climbing out, hard link to outside.
	for _, h := range []tar.Header{
		{Name: "../x", Typeflag: tar.TypeReg, Linkname: "x"},
		{Name: "a/../../x", Typeflag: tar.TypeReg, Linkname: "x"},
		{Name: "h", Typeflag: tar.TypeLink, Linkname: "../../" + canary},
	} {
		_, err := r.Untar(ctx, tarOf(t, h), UntarOptions{Dest: "/"})
		if !errors.Is(err, ErrUnsafe) {
			t.Errorf("%s: err = %v, want ErrUnsafe", h.Name, err)
		}
	}
	// Absolute names are made relative; devices are skipped.
	res, err := r.Untar(ctx, tarOf(t,
		tar.Header{Name: "/abs", Typeflag: tar.TypeReg, Mode: 0o600, Linkname: "in"},
		tar.Header{Name: "sda", Typeflag: tar.TypeBlock, Mode: 0o600, Devmajor: 8},
		tar.Header{Name: "lnk", Typeflag: tar.TypeLink, Linkname: "/abs"},
	), UntarOptions{Dest: "/"})
	if err != nil || res.SkippedDevices != 1 {
		t.Fatalf("res %+v err %v", res, err)
	}
	if b, _ := os.ReadFile(canary); string(b) != "keep" {
		t.Fatalf("canary changed: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(root, outside, "canary")); string(b) != "pwned" {
		t.Fatalf("write through the link went elsewhere: %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "abs")); string(b) != "in" {
		t.Fatalf("abs = %q", b)
	}
	if _, err := os.Lstat(filepath.Join(root, "sda")); err == nil {
		t.Fatal("device node created")
	}
}

func TestTarRoundTrip(t *testing.T) {
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "d/sub"), 0o750)
	os.WriteFile(filepath.Join(src, "d/sub/f"), []byte("data"), 0o640)
	os.Symlink("/etc/shadow", filepath.Join(src, "d/link"))
	os.Link(filepath.Join(src, "d/sub/f"), filepath.Join(src, "d/hard"))
	r, _ := OpenRoot(src)
	defer r.Close()
	var b bytes.Buffer
	if err := r.Tar(context.Background(), &b, "/d", TarOptions{Name: "copy"}); err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	d, _ := OpenRoot(dst)
	defer d.Close()
	if _, err := d.Untar(context.Background(), &b, UntarOptions{Dest: "/", KeepOwner: true}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dst, "copy/sub/f")); string(got) != "data" {
		t.Fatalf("f = %q", got)
	}
	if l, _ := os.Readlink(filepath.Join(dst, "copy/link")); l != "/etc/shadow" {
		t.Fatalf("link = %q", l)
	}
	st, _ := os.Stat(filepath.Join(dst, "copy/sub"))
	if st.Mode().Perm() != 0o750 {
		t.Fatalf("mode %v", st.Mode())
	}
	a, _ := os.Stat(filepath.Join(dst, "copy/hard"))
	c, _ := os.Stat(filepath.Join(dst, "copy/sub/f"))
	if !os.SameFile(a, c) {
		t.Fatal("hard link not kept")
	}
}
