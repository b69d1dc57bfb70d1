package e2e

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestCpBothWays(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	host := filepath.Join(e.Dir, "host")
	os.MkdirAll(filepath.Join(host, "dir", "sub"), 0o750)
	os.WriteFile(filepath.Join(host, "dir", "sub", "f"), []byte("file"), 0o640)
	os.Chown(filepath.Join(host, "dir", "sub", "f"), 1000, 1000)
	os.Symlink("sub/f", filepath.Join(host, "dir", "link"))

	e.Run("run", "-d", "--name", "c", TestImage, "sleep", "60").Success(t)
	// Into a running container: a directory lands in DST/NAME, DIR/.
	// copies its content, a missing DST takes the copy's name.
	e.Run("cp", filepath.Join(host, "dir"), "c:/tmp").Success(t)
	e.Run("cp", filepath.Join(host, "dir")+"/.", "c:/tmp/content").Success(t)
	e.Run("cp", filepath.Join(host, "dir", "sub", "f"), "c:/tmp/renamed").Success(t)
	e.Run("cp", "-a", filepath.Join(host, "dir", "sub", "f"), "c:/tmp/owned").Success(t)
	e.Run("cp", filepath.Join(host, "dir", "sub", "f"), "c:/nodir/").Exit(t, 125).StderrContains(t, "does not exist")
	e.Run("cp", filepath.Join(host, "nosuch"), "c:/tmp").Exit(t, 125)
	e.Run("stop", "-t", "0", "c").Success(t)
	// Out of the stopped container.
	e.Run("cp", "c:/tmp/dir", filepath.Join(e.Dir, "out")).Success(t)
	e.Run("cp", "c:/tmp/content/sub/f", filepath.Join(e.Dir, "f2")).Success(t)
	e.Run("cp", "c:/tmp/renamed", filepath.Join(e.Dir, "renamed")).Success(t)
	e.Run("cp", "-a", "c:/tmp/owned", filepath.Join(e.Dir, "owned")).Success(t)

	check := func(p, want string, mode os.FileMode, uid int) {
		t.Helper()
		b, err := os.ReadFile(p)
		if err != nil || string(b) != want {
			t.Fatalf("%s: %v %q", p, err, b)
		}
		st, _ := os.Stat(p)
		if st.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", p, st.Mode().Perm(), mode)
		}
		if got := int(st.Sys().(*syscall.Stat_t).Uid); uid >= 0 && got != uid {
			t.Errorf("%s: uid %d, want %d", p, got, uid)
		}
	}
	check(filepath.Join(e.Dir, "out", "sub", "f"), "file", 0o640, 0)
	check(filepath.Join(e.Dir, "f2"), "file", 0o640, 0)
	check(filepath.Join(e.Dir, "renamed"), "file", 0o640, 0)
	check(filepath.Join(e.Dir, "owned"), "file", 0o640, 1000)
	if l, err := os.Readlink(filepath.Join(e.Dir, "out", "link")); err != nil || l != "sub/f" {
		t.Fatalf("symlink not kept: %q %v", l, err)
	}
	if st, _ := os.Stat(filepath.Join(e.Dir, "out", "sub")); st == nil || st.Mode().Perm() != 0o750 {
		t.Fatalf("dir mode not kept: %v", st)
	}

	// Tar streams: "-" on either side.
	r := e.Run("cp", "c:/tmp/dir", "-").Success(t)
	names := tarEntryNames(t, []byte(r.Stdout))
	if want := []string{"dir/", "dir/link", "dir/sub/", "dir/sub/f"}; !equalStrings(names, want) {
		t.Fatalf("tar entries %q, want %q", names, want)
	}
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	tw.WriteHeader(&tar.Header{Name: "streamed", Mode: 0o600, Size: 2, Typeflag: tar.TypeReg})
	tw.Write([]byte("ok"))
	tw.Close()
	e.RunWith(RunOptions{Stdin: &tb}, "cp", "-", "c:/tmp").Success(t)
	e.Run("start", "c").Success(t)
	e.Run("cp", "c:/tmp/streamed", filepath.Join(e.Dir, "streamed")).Success(t)
	check(filepath.Join(e.Dir, "streamed"), "ok", 0o600, -1)
	e.Run("rm", "-f", "c").Success(t)
}

// cp into a path on a volume of a stopped container writes the volume.
func TestCpVolumeOfStoppedContainer(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	f := filepath.Join(e.Dir, "f")
	os.WriteFile(f, []byte("vol"), 0o644)
	e.Run("create", "--name", "c", "-v", "data:/data", TestImage).Success(t)
	e.Run("cp", f, "c:/data/f").Success(t)
	e.Run("run", "--rm", "-v", "data:/data", TestImage, "cat", "/data/f").Success(t).StdoutIs(t, "vol")
}

func tarEntryNames(t *testing.T, b []byte) []string {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(b))
	var out []string
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		out = append(out, h.Name)
	}
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
