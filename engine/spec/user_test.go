package spec

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const testPasswd = `# comment
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
+nisuser:x:55:55::/nis:/bin/sh
broken:x:notanumber:1::/b:/bin/sh
app:x:1000:1000:App:/home/app:/bin/sh
nohome:x:1001:1001
`

const testGroup = `root:x:0:
wheel:x:10:root,app
audio:x:29:app
users:x:100:app,other
app:x:1000:
staff:x:50:
`

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func fakeRootfs(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "etc/passwd"), testPasswd)
	writeFile(t, filepath.Join(root, "etc/group"), testGroup)
	return root
}

func TestResolveUser(t *testing.T) {
	root := fakeRootfs(t)
	tests := []struct {
		user    string
		want    User
		wantErr string
	}{
		{user: "", want: User{UID: 0, GID: 0, AdditionalGids: []uint32{10}, Home: "/root"}},
		{user: "root", want: User{UID: 0, GID: 0, AdditionalGids: []uint32{10}, Home: "/root"}},
		{user: "0", want: User{UID: 0, GID: 0, AdditionalGids: []uint32{10}, Home: "/root"}},
		{user: "app", want: User{UID: 1000, GID: 1000, AdditionalGids: []uint32{10, 29, 100}, Home: "/home/app"}},
		{user: "1000", want: User{UID: 1000, GID: 1000, AdditionalGids: []uint32{10, 29, 100}, Home: "/home/app"}},
		// An explicit group disables supplementary groups.
		{user: "app:staff", want: User{UID: 1000, GID: 50, Home: "/home/app"}},
		{user: "app:50", want: User{UID: 1000, GID: 50, Home: "/home/app"}},
		{user: "daemon", want: User{UID: 1, GID: 1, Home: "/usr/sbin"}},
		{user: "nohome", want: User{UID: 1001, GID: 1001, Home: "/"}},
		// Numeric ids outside passwd are fine.
		{user: "4242", want: User{UID: 4242, GID: 0, Home: "/"}},
		{user: "4242:4343", want: User{UID: 4242, GID: 4343, Home: "/"}},
		{user: "4242:staff", want: User{UID: 4242, GID: 50, Home: "/"}},
		{user: "nobody", wantErr: "unable to find user nobody: no matching entries in passwd file"},
		{user: "nisuser", wantErr: "unable to find user nisuser"},
		{user: "broken", wantErr: "unable to find user broken"},
		{user: "app:nogroup", wantErr: "unable to find group nogroup: no matching entries in group file"},
		{user: "app:", wantErr: "invalid user"},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			got, err := ResolveUser(root, tt.user)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("ResolveUser(%q) = %+v, %v; want ErrInvalid with %q", tt.user, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.UID != tt.want.UID || got.GID != tt.want.GID || got.Home != tt.want.Home ||
				!slices.Equal(got.AdditionalGids, tt.want.AdditionalGids) {
				t.Fatalf("ResolveUser(%q) = %+v, want %+v", tt.user, got, tt.want)
			}
		})
	}
}

func TestResolveUserNoFiles(t *testing.T) {
	root := t.TempDir()
	u, err := ResolveUser(root, "")
	if err != nil || u.UID != 0 || u.GID != 0 || u.Home != "/" {
		t.Fatalf("empty rootfs, root user: %+v, %v", u, err)
	}
	if u, err := ResolveUser(root, "123:456"); err != nil || u.UID != 123 || u.GID != 456 {
		t.Fatalf("numeric user: %+v, %v", u, err)
	}
	if _, err := ResolveUser(root, "root"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("named user without passwd: err = %v, want ErrInvalid", err)
	}
	if _, err := ResolveUser(filepath.Join(root, "missing"), ""); err == nil {
		t.Fatal("missing rootfs: want error")
	}
}

// A symlinked /etc/passwd must resolve inside the rootfs, never on the host.
func TestResolveUserSymlinkStaysInRoot(t *testing.T) {
	for _, target := range []string{"/etc/passwd", "../../../../../../../etc/passwd"} {
		t.Run(target, func(t *testing.T) {
			root := t.TempDir()
			if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, filepath.Join(root, "etc/passwd")); err != nil {
				t.Fatal(err)
			}
			// The link points at itself within the root: a loop, not the
			// host's file, so "root" (present in every host passwd) must
			// not resolve.
			u, err := ResolveUser(root, "root")
			if err == nil {
				t.Fatalf("resolved %+v through a symlink to the host's passwd", u)
			}
		})
	}
	t.Run("absolute link to a host file", func(t *testing.T) {
		host := filepath.Join(t.TempDir(), "passwd")
		writeFile(t, host, "hostonly:x:5:5::/:/bin/sh\n")
		root := t.TempDir()
		if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(host, filepath.Join(root, "etc/passwd")); err != nil {
			t.Fatal(err)
		}
		u, err := ResolveUser(root, "hostonly")
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("ResolveUser = %+v, %v; want not found (host file must not be read)", u, err)
		}
	})
	t.Run("relative link inside root", func(t *testing.T) {
		root := t.TempDir()
		writeFile(t, filepath.Join(root, "lib/passwd"), "svc:x:7:8::/srv:/bin/sh\n")
		if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/lib/passwd", filepath.Join(root, "etc/passwd")); err != nil {
			t.Fatal(err)
		}
		u, err := ResolveUser(root, "svc")
		if err != nil || u.UID != 7 || u.GID != 8 || u.Home != "/srv" {
			t.Fatalf("ResolveUser via in-root symlink = %+v, %v", u, err)
		}
	})
}

func TestResolveUserNotRegular(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc/passwd"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := ResolveUser(root, "root"); err == nil {
		t.Fatal("directory /etc/passwd: want error")
	}
}

// The pathrs-lite fallback (used where openat2 is unavailable) must keep the
// same in-root semantics.
func TestOpenInRootFallback(t *testing.T) {
	host := filepath.Join(t.TempDir(), "passwd")
	writeFile(t, host, "hostonly:x:5:5::/:/bin/sh\n")
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "lib/passwd"), "svc:x:7:8::/srv:/bin/sh\n")
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(host, filepath.Join(root, "etc/passwd")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../lib/passwd", filepath.Join(root, "etc/rel")); err != nil {
		t.Fatal(err)
	}
	dir, err := os.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	fd := int(dir.Fd())

	if f, err := openInRootFallback(fd, "/etc/passwd"); err == nil {
		f.Close()
		t.Fatal("fallback opened a symlink target outside the root")
	}
	f, err := openInRootFallback(fd, "/etc/rel")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 3)
	if _, err := f.Read(b); err != nil || string(b) != "svc" {
		t.Fatalf("read %q, %v", b, err)
	}
}
