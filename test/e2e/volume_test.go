package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestVolumeLifecycle(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)

	e.Run("volume", "create", "--label", "team=db", "data").Success(t).StdoutIs(t, "data")
	e.Run("volume", "create", "data").Exit(t, 125).StderrContains(t, "already exists")
	e.Run("volume", "create", "other").Success(t)
	e.Run("volume", "ls", "-q").Success(t).StdoutIs(t, "data\nother")
	e.Run("volume", "ls").Success(t).StdoutContains(t, "DRIVER", "VOLUME NAME", "local", "data")
	e.Run("volume", "ls", "--filter", "label=team=db", "--format", "{{.Name}} {{.Driver}}").Success(t).StdoutIs(t, "data local")
	e.Run("volume", "inspect", "--format", "{{.Name}} {{.Labels.team}} {{.Scope}}", "data").Success(t).StdoutIs(t, "data db local")
	mp := e.Run("volume", "inspect", "--format", "{{.Mountpoint}}", "data").Success(t).Out()
	if mp != filepath.Join(e.Root, "volumes", "data", "_data") {
		t.Fatalf("mountpoint %s", mp)
	}
	e.Run("volume", "exists", "data").Success(t)
	e.Run("volume", "exists", "nope").Exit(t, 1)
	e.Run("volume", "inspect", "nope").Exit(t, 125).StderrContains(t, "nope")

	// Data written in a volume survives the container and is seen by the
	// next one.
	e.Run("run", "--name", "writer", "-v", "data:/data", TestImage, "sh", "-c", "echo kept > /data/f").Success(t)
	e.Run("rm", "writer").Success(t)
	e.Run("run", "--rm", "-v", "data:/data:ro", TestImage, "cat", "/data/f").Success(t).StdoutIs(t, "kept")

	// In use: refused without -f (nothing removed), -f removes the user.
	e.Run("create", "--name", "user", "-v", "data:/data", TestImage, "true").Success(t)
	e.Run("volume", "rm", "data").Exit(t, 125).StderrContains(t, "being used")
	e.Run("volume", "exists", "data").Success(t)
	e.Run("volume", "ls", "-q", "--filter", "dangling=true").Success(t).StdoutIs(t, "other")
	e.Run("volume", "rm", "-f", "data").Success(t).StdoutIs(t, "data")
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
	if _, err := os.Stat(filepath.Join(e.Root, "volumes", "data")); !os.IsNotExist(err) {
		t.Fatalf("volume dir left: %v", err)
	}
	e.Run("volume", "prune", "-f").Success(t).StdoutIs(t, "other")
	e.Run("volume", "ls", "-q").Success(t).StdoutIs(t, "")
}

func TestVolumeBadInput(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	for _, name := range []string{"a/b", "..", ".hidden", "../../etc"} {
		e.Run("volume", "create", name).Exit(t, 125).StderrContains(t, "must match")
	}
	// "./x" and "../x" are relative bind sources (as in docker); "a/b" is
	// neither a path nor a valid volume name.
	e.Run("run", "--rm", "-v", "a/b:/x", TestImage, "true").Exit(t, 125).StderrContains(t, "must match")
	e.Run("run", "--rm", "--mount", "type=volume,src=..,dst=/x", TestImage, "true").Exit(t, 125).StderrContains(t, "must match")
	e.Run("volume", "create", "--driver", "nfs", "v").Exit(t, 125).StderrContains(t, "driver")
	e.Run("volume", "create", "-o", "bogus=1", "v").Exit(t, 125).StderrContains(t, "unknown option")
	e.Run("volume", "create", "-o", "type=bind", "-o", "device="+filepath.Join(e.Dir, "missing"), "v").Exit(t, 125)
	e.Run("run", "--rm", "-v", filepath.Join(e.Dir, "missing")+":/x", TestImage, "true").Exit(t, 125).StderrContains(t, "does not exist")
	e.Run("create", "--mount", "type=bind,source="+filepath.Join(e.Dir, "missing")+",target=/x", TestImage, "true").Exit(t, 125)
	e.Run("create", "--mount", "type=nfs,target=/x", TestImage).Exit(t, 125).StderrContains(t, "unknown type")
	e.Run("create", "--mount", "type=volume,target=/x,colour=blue", TestImage).Exit(t, 125).StderrContains(t, "unknown key")
	e.Run("create", "--tmpfs", "/t:size", TestImage).Exit(t, 125)
	// Nothing was left behind by the failures.
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
	e.Run("volume", "ls", "-q").Success(t).StdoutIs(t, "")
	entries, _ := os.ReadDir(filepath.Join(e.Root, "volumes"))
	if len(entries) != 0 {
		t.Fatalf("volume dirs left: %v", entries)
	}
}

func TestVolumeCopyUpFromImage(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	// A new named volume on /etc starts with the image's /etc.
	e.Run("run", "--rm", "-v", "etc:/etc", TestImage, "cat", "/etc/group").Success(t).StdoutContains(t, "berth:x:1000:")
	data := filepath.Join(e.Root, "volumes", "etc", "_data")
	if b, err := os.ReadFile(filepath.Join(data, "passwd")); err != nil || !strings.Contains(string(b), "root:x:0:0") {
		t.Fatalf("passwd not copied: %v %q", err, b)
	}
	// Owners come along: /home/berth belongs to 1000 in the image.
	e.Run("run", "--rm", "-v", "home:/home", TestImage, "stat", "-c", "%u", "/home/berth").Success(t).StdoutIs(t, "1000")
	// nocopy leaves the new volume empty.
	e.Run("run", "--rm", "-v", "empty:/etc:nocopy", TestImage, "ls", "/etc/passwd").Failure(t)
	// The copy happens once: a volume that has data keeps it.
	e.Run("run", "--rm", "-v", "etc:/etc", TestImage, "sh", "-c", "rm /etc/group").Success(t)
	e.Run("run", "--rm", "-v", "etc:/etc", TestImage, "ls", "/etc/group").Failure(t)
}

func TestAnonymousVolumes(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "--name", "a", "-v", "/scratch", TestImage, "sh", "-c", "echo x > /scratch/f").Success(t)
	names := e.Run("volume", "ls", "-q").Success(t).Lines()
	if len(names) != 1 || len(names[0]) != 64 {
		t.Fatalf("anonymous volume: %q", names)
	}
	e.Run("inspect", "--format", "{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}} {{.Driver}}{{end}}", "a").
		Success(t).StdoutIs(t, "volume "+names[0]+" /scratch local")
	e.Run("volume", "inspect", "--format", "{{.Anonymous}}", names[0]).Success(t).StdoutIs(t, "true")
	// Plain rm keeps it; rm -v removes it.
	e.Run("create", "--name", "b", "-v", "/other", TestImage).Success(t)
	e.Run("rm", "b").Success(t)
	if n := len(e.Run("volume", "ls", "-q").Success(t).Lines()); n != 2 {
		t.Fatalf("%d volumes after plain rm, want 2", n)
	}
	e.Run("rm", "-v", "a").Success(t)
	e.Run("volume", "ls", "-q").Success(t).StdoutLacks(t, names[0])
	// --rm removes anonymous volumes, named ones stay.
	e.Run("volume", "prune", "-f").Success(t)
	e.Run("run", "--rm", "-v", "/anon", "-v", "named:/named", TestImage, "true").Success(t)
	e.Run("volume", "ls", "-q").Success(t).StdoutIs(t, "named")
}

func TestMountKinds(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	host := filepath.Join(e.Dir, "host")
	os.Mkdir(host, 0o755)
	os.WriteFile(filepath.Join(host, "f"), []byte("from-host"), 0o644)

	e.Run("run", "--rm", "--tmpfs", "/scratch:size=1m,mode=700", TestImage, "sh", "-c",
		"grep ' /scratch ' /proc/mounts | cut -d' ' -f3; stat -c %a /scratch").Success(t).StdoutIs(t, "tmpfs\n700")
	e.Run("run", "--rm", "--mount", "type=tmpfs,target=/t,tmpfs-size=2m", TestImage, "sh", "-c",
		"grep ' /t ' /proc/mounts").Success(t).StdoutContains(t, "size=2048k")
	e.Run("run", "--rm", "--mount", "type=bind,src="+host+",dst=/h,readonly", TestImage, "sh", "-c",
		"cat /h/f; touch /h/x 2>/dev/null || echo ro").Success(t).StdoutIs(t, "from-hostro")
	e.Run("run", "--rm", "--mount", "type=volume,source=mv,target=/m", TestImage, "sh", "-c", "echo v > /m/f").Success(t)
	e.Run("run", "--rm", "--mount", "source=mv,target=/m,ro", TestImage, "cat", "/m/f").Success(t).StdoutIs(t, "v")
	e.Run("run", "--rm", "--mount", "type=image,source="+TestImage+",target=/img", TestImage, "sh", "-c",
		"test -x /img/bin/busybox && touch /img/x 2>/dev/null || echo image-ro").Success(t).StdoutIs(t, "image-ro")

	// --read-only keeps scratch tmpfs unless --read-only-tmpfs=false.
	e.Run("run", "--rm", "--read-only", TestImage, "sh", "-c", "touch /tmp/a && echo tmp-ok; touch /a 2>/dev/null || echo root-ro").
		Success(t).StdoutIs(t, "tmp-ok\nroot-ro")
	e.Run("run", "--rm", "--read-only", "--read-only-tmpfs=false", TestImage, "sh", "-c", "touch /tmp/a 2>/dev/null || echo tmp-ro").
		Success(t).StdoutIs(t, "tmp-ro")

	// --volumes-from: the same volumes and binds, read-only with :ro.
	e.Run("create", "--name", "src", "-v", "shared:/shared", "-v", host+":/hb", TestImage).Success(t)
	e.Run("run", "--rm", "-v", "shared:/shared", TestImage, "sh", "-c", "echo s > /shared/f").Success(t)
	e.Run("run", "--rm", "--volumes-from", "src:ro", TestImage, "sh", "-c",
		"cat /shared/f /hb/f; touch /shared/x 2>/dev/null || echo ro").Success(t).StdoutIs(t, "s\nfrom-hostro")
	e.Run("run", "--rm", "--volumes-from", "nosuch", TestImage, "true").Exit(t, 125)

	// Volumes of the local driver's types.
	e.Run("volume", "create", "-o", "type=tmpfs", "-o", "o=size=3m", "tv").Success(t)
	e.Run("run", "--rm", "-v", "tv:/t", TestImage, "sh", "-c", "grep ' /t ' /proc/mounts | cut -d' ' -f3").Success(t).StdoutIs(t, "tmpfs")
	e.Run("volume", "create", "-o", "type=bind", "-o", "device="+host, "bv").Success(t)
	e.Run("run", "--rm", "-v", "bv:/b", TestImage, "cat", "/b/f").Success(t).StdoutIs(t, "from-host")
	e.Run("volume", "rm", "bv", "tv").Success(t)
	// Removing a bind volume never deletes the user's directory.
	if b, err := os.ReadFile(filepath.Join(host, "f")); err != nil || string(b) != "from-host" {
		t.Fatalf("host data after volume rm: %v %q", err, b)
	}
	e.Run("rm", "src").Success(t)
}

func TestVolumeExportImport(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "--rm", "-v", "src:/d", TestImage, "sh", "-c", "mkdir /d/sub; echo hi > /d/sub/f; chown 1000:1000 /d/sub/f; chmod 640 /d/sub/f").Success(t)
	tarPath := filepath.Join(e.Dir, "v.tar")
	e.Run("volume", "export", "-o", tarPath, "src").Success(t)
	e.Run("volume", "create", "dst").Success(t)
	e.Run("volume", "import", "dst", tarPath).Success(t)
	e.Run("run", "--rm", "-v", "dst:/d", TestImage, "stat", "-c", "%u %a %s", "/d/sub/f").Success(t).StdoutIs(t, "1000 640 3")
	e.Run("volume", "import", "nope", tarPath).Exit(t, 125)
}
