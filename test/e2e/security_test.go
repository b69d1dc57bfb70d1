package e2e

import (
	"archive/tar"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// canary is a host file that no escape attempt may change or reveal.
func canary(t *testing.T, e *Env) (dir, file string) {
	t.Helper()
	dir = filepath.Join(e.Dir, "canarydir")
	os.Mkdir(dir, 0o755)
	file = filepath.Join(dir, "canary")
	if err := os.WriteFile(file, []byte("untouched"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, file
}

func assertCanary(t *testing.T, file string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil || string(b) != "untouched" {
		t.Fatalf("host canary %s changed: %v %q", file, err, b)
	}
	entries, _ := os.ReadDir(filepath.Dir(file))
	if len(entries) != 1 {
		t.Fatalf("files appeared next to the canary: %v", entries)
	}
}

// Symlinks to / and ../../ inside the container resolve inside the
// container's root, running or stopped: cp writes there, never on the host.
func TestCpIntoSymlinkStaysInContainer(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	dir, file := canary(t, e)
	evil := filepath.Join(e.Dir, "evil")
	os.WriteFile(evil, []byte("pwned"), 0o644)
	setup := fmt.Sprintf("mkdir -p %s; ln -s / /toroot; ln -s ../../../../../../../.. /up; ln -s %s /direct; sleep 60", dir, dir)
	e.Run("run", "-d", "--name", "c", TestImage, "sh", "-c", setup).Success(t)
	waitFor(t, func() bool {
		return e.Run("cp", "c:/direct", filepath.Join(e.Dir, "probe")).ExitCode == 0
	})
	for _, dst := range []string{"/toroot" + file, "/up" + file, "/direct/canary", "/up" + dir + "/new"} {
		e.Run("cp", evil, "c:"+dst).Success(t)
		assertCanary(t, file)
	}
	e.Run("stop", "-t", "0", "c").Success(t)
	for _, dst := range []string{"/toroot" + dir + "/new2", "/up" + dir + "/new3", "/direct/new4"} {
		e.Run("cp", evil, "c:"+dst).Success(t)
		assertCanary(t, file)
	}
	// The writes landed in the container.
	e.Run("cp", "c:"+file, "-").Success(t).StdoutContains(t, "pwned")
	e.Run("rm", "-f", "c").Success(t)
}

// cp out never follows a container's symlink to a host file.
func TestCpOutDoesNotFollowToHost(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	_, file := canary(t, e)
	e.Run("run", "--name", "c", TestImage, "sh", "-c",
		fmt.Sprintf("ln -s %s /leak; mkdir /d; ln -s %s /d/leak; ln -s ../../../../../../..%s /rel", file, file, file)).Success(t)
	out := filepath.Join(e.Dir, "out")
	os.Mkdir(out, 0o755)
	// -L follows the link inside the container, where it leads nowhere.
	e.Run("cp", "-L", "c:/leak", filepath.Join(out, "a")).Exit(t, 125)
	e.Run("cp", "-L", "c:/rel", filepath.Join(out, "b")).Exit(t, 125)
	// Without -L the link itself is copied; in a directory too.
	e.Run("cp", "c:/leak", filepath.Join(out, "c")).Success(t)
	e.Run("cp", "c:/d", filepath.Join(out, "d")).Success(t)
	for _, p := range []string{filepath.Join(out, "c"), filepath.Join(out, "d", "leak")} {
		st, err := os.Lstat(p)
		if err != nil || st.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("%s: want a symlink, got %v %v", p, st, err)
		}
	}
	r := e.Run("cp", "c:/d", "-").Success(t)
	if bytes.Contains([]byte(r.Stdout), []byte("untouched")) {
		t.Fatal("host canary content leaked into the archive")
	}
	assertCanary(t, file)
}

// Hostile tar archives (cp -, volume import) cannot write outside their
// target; device nodes are not created.
func TestHostileArchives(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	dir, file := canary(t, e)
	rel := "../../../../../../../../.." + file
	hostile := []tar.Header{
		{Name: rel, Typeflag: tar.TypeReg},
		{Name: "a/../../../../../../../../.." + file, Typeflag: tar.TypeReg},
		{Name: "hl", Typeflag: tar.TypeLink, Linkname: rel},
	}
	e.Run("create", "--name", "c", TestImage).Success(t)
	e.Run("volume", "create", "v").Success(t)
	for _, h := range hostile {
		b := tarOfHeaders(t, h)
		e.RunWith(RunOptions{Stdin: bytes.NewReader(b)}, "cp", "-", "c:/tmp").Exit(t, 125).StderrContains(t, "unsafe")
		e.RunWith(RunOptions{Stdin: bytes.NewReader(b)}, "volume", "import", "v", "-").Exit(t, 125).StderrContains(t, "unsafe")
		assertCanary(t, file)
	}
	// An absolute name is made relative to the target; a symlink from the
	// archive is followed inside the target's root only; devices are
	// skipped.
	b := tarOfHeaders(t,
		tar.Header{Name: file, Typeflag: tar.TypeReg},
		tar.Header{Name: "esc", Typeflag: tar.TypeSymlink, Linkname: dir},
		tar.Header{Name: "esc/canary", Typeflag: tar.TypeReg},
		tar.Header{Name: "sda", Typeflag: tar.TypeBlock, Devmajor: 8},
	)
	e.RunWith(RunOptions{Stdin: bytes.NewReader(b)}, "volume", "import", "v", "-").Success(t)
	data := filepath.Join(e.Root, "volumes", "v", "_data")
	if b, err := os.ReadFile(filepath.Join(data, file)); err != nil || string(b) != "pwned" {
		t.Fatalf("absolute entry not placed inside the volume: %v %q", err, b)
	}
	if _, err := os.Lstat(filepath.Join(data, "sda")); err == nil {
		t.Fatal("device node created from an archive")
	}
	assertCanary(t, file)
}

func tarOfHeaders(t *testing.T, hs ...tar.Header) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, h := range hs {
		h.Mode = 0o644
		var body []byte
		if h.Typeflag == tar.TypeReg {
			body = []byte("pwned")
			h.Size = int64(len(body))
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	tw.Close()
	return b.Bytes()
}

// kill -9 of berth during volume create and rm leaves state that the next
// commands repair: the volume is either there and usable or gone, and its
// name can be used again.
func TestKilledVolumeCommandsAreRepaired(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "--rm", "-v", "big:/big", TestImage, "sh", "-c", "for i in $(seq 1 300); do echo $i > /big/f$i; done").Success(t)
	for i, delay := range []time.Duration{1, 3, 6, 10, 15, 25} {
		name := fmt.Sprintf("v%d", i)
		p := e.Start("volume", "create", name)
		time.Sleep(delay * time.Millisecond)
		p.Cmd.Process.Signal(syscall.SIGKILL)
		p.Wait(t)
		e.Run("volume", "create", "--ignore", name).Success(t)
		e.Run("run", "--rm", "-v", name+":/d", TestImage, "touch", "/d/ok").Success(t)

		// A removal killed half-way is finished by the next command.
		p = e.Start("volume", "rm", name)
		time.Sleep(delay * time.Millisecond)
		p.Cmd.Process.Signal(syscall.SIGKILL)
		p.Wait(t)
		e.Run("volume", "ls", "-q", "--filter", "name="+name).Success(t)
		e.Run("volume", "rm", "--ignore", name).Success(t)
		e.Run("volume", "exists", name).Exit(t, 1)
	}
	p := e.Start("volume", "rm", "big")
	time.Sleep(5 * time.Millisecond)
	p.Cmd.Process.Signal(syscall.SIGKILL)
	p.Wait(t)
	e.Run("volume", "ls", "-q").Success(t)
	e.Run("volume", "create", "--ignore", "big").Success(t)
	e.Run("volume", "rm", "big").Success(t)
	e.Run("volume", "ls", "-q").Success(t).StdoutIs(t, "")
	entries, _ := os.ReadDir(filepath.Join(e.Root, "volumes"))
	if len(entries) != 0 {
		t.Fatalf("volume dirs left: %v", entries)
	}
}
