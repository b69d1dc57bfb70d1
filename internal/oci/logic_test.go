package oci

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestLastErrorMessage(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"runc json", `{"level":"error","msg":"container does not exist","time":"2026-11-28T18:56:56Z"}` + "\n", "container does not exist"},
		{"crun json", `{"msg":"error opening file ` + "`/r/x/status`" + `: No such file or directory","level":"error","time":"x"}`, "error opening file `/r/x/status`: No such file or directory"},
		{"last error wins", `{"level":"error","msg":"first"}` + "\n" + `{"level":"warning","msg":"warn"}` + "\n" + `{"level":"error","msg":"second"}` + "\n", "second"},
		{"plain text", "time=\"x\" level=error msg=\"boom\"\n\n", `time="x" level=error msg="boom"`},
		{"multi-line msg", `{"level":"error","msg":"a\nb"}`, "a b"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lastErrorMessage([]byte(tt.in)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		msg  string
		want error
	}{
		{"container does not exist", ErrNotExist},
		{"error opening file `/r/x/status`: No such file or directory", ErrNotExist},
		{"container not running", ErrNotRunning},
		{"cannot kill: permission denied", nil},
	}
	for _, tt := range tests {
		if got := classify(tt.msg); got != tt.want {
			t.Errorf("classify(%q) = %v, want %v", tt.msg, got, tt.want)
		}
	}
	for msg, want := range map[string]bool{
		"runc create failed: container with given ID already exists": true,
		"container `ID` already exists":                              true,
		"mkdir /x: file already exists":                              false,
	} {
		if got := isExistsMessage(msg, "ID"); got != want {
			t.Errorf("isExistsMessage(%q) = %v", msg, got)
		}
	}
	err := runtimeError("runc", "state", []byte(`{"level":"error","msg":"container does not exist"}`), errors.New("exit status 1"))
	if !errors.Is(err, ErrNotExist) || err.Error() != "runc state: container does not exist: "+ErrNotExist.Error() {
		t.Errorf("runtimeError = %v", err)
	}
}

func TestCheckID(t *testing.T) {
	for _, id := range []string{"", ".", "..", "a/b", "-x", "a\x00b"} {
		if checkID(id) == nil {
			t.Errorf("checkID(%q) accepted", id)
		}
	}
	for _, id := range []string{"abc", "0123456789abcdef", "my_ctr.1"} {
		if err := checkID(id); err != nil {
			t.Errorf("checkID(%q): %v", id, err)
		}
	}
}

func TestCmdlineIsConmonFor(t *testing.T) {
	tests := []struct {
		name    string
		cmdline string
		want    bool
	}{
		{"conmon -c", "/usr/bin/conmon\x00--api-version\x00-c\x00ID\x00-u\x00ID\x00", true},
		{"conmon --cid=", "conmon\x00--cid=ID\x00", true},
		{"conmon --cid", "conmon\x00--cid\x00ID\x00", true},
		{"other id", "/usr/bin/conmon\x00-c\x00OTHER\x00", false},
		{"id elsewhere", "/usr/bin/conmon\x00-n\x00ID\x00", false},
		{"not conmon", "/bin/sleep\x00-c\x00ID\x00", false},
		{"conmonx", "/bin/conmonx\x00-c\x00ID\x00", false},
		{"zombie", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cmdlineIsConmonFor([]byte(tt.cmdline), "ID"); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestConmonArgs(t *testing.T) {
	r := &Runtime{name: "runc", path: "/usr/sbin/runc", conmon: "/usr/bin/conmon", stateRoot: "/run/berth/runc"}
	args := r.conmonArgs(CreateOptions{
		ID: "ID", Name: "web", Bundle: "/b", LogPath: "/l/ctr.log", LogSizeMax: 1000, NoSyncLog: true,
		ExitDir: "/e", PersistDir: "/p", PidFile: "/b/pidfile", ConmonPidFile: "/b/conmon.pid",
		Stdin: true, ExitCommand: []string{"/usr/bin/berth", "--root", "/r", "container", "cleanup", "ID"},
	}, "/b/oci-log")
	want := []string{
		"--api-version", "-c", "ID", "-u", "ID", "-r", "/usr/sbin/runc", "-b", "/b",
		"-p", "/b/pidfile", "-P", "/b/conmon.pid", "--exit-dir", "/e", "--full-attach",
		"--log-level", "warning", "-n", "web", "-0", "/p",
		"-l", "k8s-file:/l/ctr.log", "--log-size-max", "1000", "--no-sync-log", "-i",
		"--exit-command", "/usr/bin/berth",
		"--exit-command-arg", "--root", "--exit-command-arg", "/r", "--exit-command-arg", "container",
		"--exit-command-arg", "cleanup", "--exit-command-arg", "ID",
		"--runtime-arg=--root=/run/berth/runc", "--runtime-arg=--log-format=json", "--runtime-arg=--log=/b/oci-log",
	}
	if !slices.Equal(args, want) {
		t.Errorf("conmonArgs:\n got %q\nwant %q", args, want)
	}
}

func TestConmonEnv(t *testing.T) {
	got := conmonEnv([]string{"PATH=/bin", "_OCI_SYNCPIPE=3", "_OCI_ATTACHPIPE=5", "HOME=/root"})
	if want := []string{"PATH=/bin", "HOME=/root"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestReadExitFile(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := ReadExitFile(dir, "missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	for content, want := range map[string]int{"3": 3, "137": 137, "-1": -1, "0\n": 0} {
		if err := os.WriteFile(filepath.Join(dir, "c"), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		code, at, err := ReadExitFile(dir, "c")
		if err != nil || code != want || time.Since(at) > time.Minute {
			t.Errorf("%q: got %d %v %v", content, code, at, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "bad"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadExitFile(dir, "bad"); err == nil || errors.Is(err, fs.ErrNotExist) {
		t.Errorf("bad content: %v", err)
	}
	if _, _, err := ReadExitFile(dir, "../x"); err == nil {
		t.Error("path escape accepted")
	}
}

func TestWaitExitFile(t *testing.T) {
	t.Run("already there", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "c"), []byte("7"), 0o600); err != nil {
			t.Fatal(err)
		}
		if code, err := WaitExitFile(t.Context(), dir, "c"); err != nil || code != 7 {
			t.Errorf("got %d, %v", code, err)
		}
	})
	t.Run("written in place later", func(t *testing.T) {
		dir := t.TempDir()
		go func() {
			time.Sleep(20 * time.Millisecond)
			_ = os.WriteFile(filepath.Join(dir, "other"), []byte("1"), 0o600)
			f, err := os.Create(filepath.Join(dir, "c"))
			if err != nil {
				return
			}
			time.Sleep(20 * time.Millisecond) // empty file first: must keep waiting
			_, _ = f.WriteString("137")
			f.Close()
		}()
		if code, err := WaitExitFile(t.Context(), dir, "c"); err != nil || code != 137 {
			t.Errorf("got %d, %v", code, err)
		}
	})
	t.Run("renamed in", func(t *testing.T) {
		dir := t.TempDir()
		tmp := t.TempDir()
		go func() {
			time.Sleep(20 * time.Millisecond)
			_ = os.WriteFile(filepath.Join(tmp, "c"), []byte("3"), 0o600)
			_ = os.Rename(filepath.Join(tmp, "c"), filepath.Join(dir, "c"))
		}()
		if code, err := WaitExitFile(t.Context(), dir, "c"); err != nil || code != 3 {
			t.Errorf("got %d, %v", code, err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		if _, err := WaitExitFile(ctx, t.TempDir(), "c"); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("poll fallback", func(t *testing.T) {
		dir := t.TempDir()
		go func() {
			time.Sleep(20 * time.Millisecond)
			_ = os.WriteFile(filepath.Join(dir, "c"), []byte("5"), 0o600)
		}()
		if code, err := pollExitFile(t.Context(), dir, "c"); err != nil || code != 5 {
			t.Errorf("got %d, %v", code, err)
		}
	})
}

func TestNew(t *testing.T) {
	if _, err := findBinary("runc"); err != nil {
		t.Skip("runc not installed")
	}
	r, err := New(t.Context(), Config{StateRoot: "rel"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Name() != "runc" || !filepath.IsAbs(r.Path()) || !filepath.IsAbs(r.StateRoot()) || !filepath.IsAbs(r.ConmonPath()) {
		t.Errorf("New = %+v", r)
	}
	if _, err := findBinary("crun"); err == nil {
		r, err := New(t.Context(), Config{RuntimePath: "crun"})
		if err != nil || r.Name() != "crun" {
			t.Errorf("crun: %v %v", r, err)
		}
	}
	if _, err := New(t.Context(), Config{RuntimePath: "/nonexistent/runc"}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing runtime: %v", err)
	}
	if _, err := New(t.Context(), Config{ConmonPath: "no-such-conmon-binary"}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing conmon: %v", err)
	}
}

func TestCreateValidates(t *testing.T) {
	r := &Runtime{name: "runc", path: "/nonexistent/runc", conmon: "/nonexistent/conmon"}
	dir := t.TempDir()
	tests := []struct {
		name string
		o    CreateOptions
	}{
		{"bad id", CreateOptions{ID: "../x", Bundle: dir, ExitDir: dir}},
		{"no bundle", CreateOptions{ID: "x", ExitDir: dir}},
		{"colon in log path", CreateOptions{ID: "x", Bundle: dir, ExitDir: dir, LogPath: "/a:b"}},
		{"missing exit dir", CreateOptions{ID: "x", Bundle: dir, ExitDir: filepath.Join(dir, "nope")}},
	}
	for _, tt := range tests {
		if _, err := r.Create(t.Context(), tt.o); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
}

func TestClassifyExec(t *testing.T) {
	tests := []struct {
		msg  string
		want error
	}{
		{`runc create failed: unable to start container process: exec: "/nope": stat /nope: no such file or directory`, ErrExecNotFound},
		{`runc create failed: unable to start container process: exec: "nope": executable file not found in $PATH`, ErrExecNotFound},
		{`runc create failed: unable to start container process: exec: "/etc/passwd": permission denied`, ErrExecPermission},
		{`runc create failed: unable to apply cgroup configuration: permission denied`, nil},
	}
	for _, tt := range tests {
		base := errors.New(tt.msg)
		err := classifyExec(base, tt.msg)
		if !errors.Is(err, base) {
			t.Errorf("%q: lost the original error", tt.msg)
		}
		for _, s := range []error{ErrExecNotFound, ErrExecPermission} {
			if errors.Is(err, s) != (s == tt.want) {
				t.Errorf("%q: errors.Is(%v) = %v", tt.msg, s, !(s == tt.want))
			}
		}
	}
}
