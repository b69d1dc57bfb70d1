package e2e

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImageSaveLoadEveryFormat(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("tag", TestImage, "second:v2").Success(t)
	id := e.Run("images", "-q", "--no-trunc").Success(t).Lines()[0]
	docker := filepath.Join(e.Dir, "both.tar")
	oci := filepath.Join(e.Dir, "one.oci.tar")
	dir := filepath.Join(e.Dir, "layout")
	e.Run("save", "-o", docker, TestImage, "second:v2").Success(t)
	e.Run("save", "--format", "oci-archive", "-o", oci, TestImage).Success(t)
	e.Run("save", "--format", "oci-dir", "-o", dir, TestImage).Success(t)
	e.Run("save", "--format", "oci-dir", "-o", dir, TestImage).Exit(t, 125) // exists
	e.Run("save", "--format", "zip", "-o", oci, TestImage).Exit(t, 125)
	e.Run("save", "-o", filepath.Join(e.Dir, "x.tar"), "nosuch").Exit(t, 125)
	if _, err := os.Stat(filepath.Join(e.Dir, "x.tar")); err == nil {
		t.Error("a failed save left a file")
	}
	// push to the other transports too.
	e.Run("push", "-q", TestImage, "docker-archive:"+filepath.Join(e.Dir, "pushed.tar")).Success(t)
	e.Run("push", "-q", TestImage, "oci:"+filepath.Join(e.Dir, "ocilayout")+":busybox").Success(t)
	e.Run("push", "-q", TestImage, "dir:"+filepath.Join(e.Dir, "plain")).Success(t)

	for _, tc := range []struct{ src, want string }{
		{docker, "localhost/busybox:latest\nlocalhost/second:v2"},
		{oci, "localhost/busybox:latest"},
		{dir, "localhost/busybox:latest"},
	} {
		e.Run("rmi", "-a", "-f").Success(t)
		e.Run("load", "-q", "-i", tc.src).Success(t).StdoutIs(t, tc.want)
		e.Run("run", "--rm", TestImage, "echo", "ok").Success(t).StdoutIs(t, "ok")
	}
	e.Run("rmi", "-a", "-f").Success(t)
	e.Run("pull", "-q", "docker-archive:"+filepath.Join(e.Dir, "pushed.tar")).Success(t)
	e.Run("pull", "-q", "dir:"+filepath.Join(e.Dir, "plain")).Success(t).StdoutIs(t, strings.TrimPrefix(id, "sha256:"))
	e.Run("images", "-q", "--no-trunc").Success(t).StdoutIs(t, id)
}

func TestImageCommitImportHistory(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("run", "--name", "work", "-e", "FROM_CTR=yes", TestImage, "sh", "-c", "echo changed > /hello; rm /bin/vi").Success(t)
	id := e.Run("commit", "-m", "saved work", "--author", "Ann <ann@example.org>",
		"--change", `CMD ["cat", "/hello"]`, "--change", "ENV ADDED=1", "--change", "LABEL stage=two",
		"work", "snap:1").Success(t).Out()
	if len(id) != 64 {
		t.Fatalf("commit printed %q", id)
	}
	e.Run("run", "--rm", "snap:1").Success(t).StdoutIs(t, "changed")
	e.Run("run", "--rm", "snap:1", "sh", "-c", "echo $FROM_CTR $ADDED; test -e /bin/vi || echo gone").
		Success(t).StdoutIs(t, "yes 1\ngone")
	e.Run("image", "inspect", "--format", "{{.Labels.stage}} {{len .RootFS.DiffIDs}}", "snap:1").Success(t).StdoutIs(t, "two 2")
	// images reads labels only when it shows or filters on them.
	e.Run("images", "--filter", "label=stage=two", "--format", "{{.Repository}}:{{.Tag}}").Success(t).StdoutIs(t, "localhost/snap:1")
	e.Run("images", "--filter", "reference=snap", "--format", "{{.Labels.stage}}").Success(t).StdoutIs(t, "two")
	e.Run("images", "--filter", "reference=snap", "--format", "json").Success(t).StdoutContains(t, `"stage": "two"`)
	e.Run("images", "--filter", "reference=snap").Success(t).StdoutContains(t, "localhost/snap", "1")
	h := e.Run("history", "snap:1").Success(t)
	h.StdoutContains(t, "CREATED BY", "saved work", "berth commit", id[:12], "<missing>")
	e.Run("history", "-q", "snap:1").Success(t).StdoutIs(t, id[:12]+"\n<missing>")
	e.Run("image", "tree", "snap:1").Success(t).StdoutContains(t, "Top Layer of: [localhost/snap:1]", "Top Layer of: [localhost/busybox:latest]")
	e.Run("commit", "--change", "FROM x", "work").Exit(t, 125).StderrContains(t, "FROM")
	e.Run("commit", "nosuchctr").Exit(t, 125)

	// import of an export is runnable; --change applies.
	exp := filepath.Join(e.Dir, "fs.tar")
	e.Run("export", "-o", exp, "work").Success(t)
	e.Run("import", "-m", "from export", "--change", `ENTRYPOINT ["/bin/echo"]`, "--change", "WORKDIR /tmp", exp, "flat").Success(t)
	e.Run("run", "--rm", "flat", "hi").Success(t).StdoutIs(t, "hi")
	e.Run("run", "--rm", "--entrypoint", "pwd", "flat").Success(t).StdoutIs(t, "/tmp")
	e.RunWith(RunOptions{Stdin: strings.NewReader(readFile(t, exp))}, "import", "--arch", "arm64", "-", "armflat").Success(t)
	e.Run("image", "inspect", "--format", "{{.Architecture}}", "armflat").Success(t).StdoutIs(t, "arm64")
	e.Run("images", "--filter", "before=snap:1", "--format", "{{.Repository}}").Success(t).StdoutIs(t, "localhost/busybox")
	e.Run("images", "--filter", "since=flat", "--format", "{{.Repository}}").Success(t).StdoutIs(t, "localhost/armflat")
	e.Run("images", "--filter", "since=nosuch").Exit(t, 125)
}

func TestImageImportRejectsBadArchives(t *testing.T) {
	t.Parallel()
	e := NewEnv(t)
	write := func(name string, hdrs ...*tar.Header) string {
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		for _, h := range hdrs {
			if err := tw.WriteHeader(h); err != nil {
				t.Fatal(err)
			}
			if h.Size > 0 {
				tw.Write(bytes.Repeat([]byte("x"), int(h.Size)))
			}
		}
		tw.Close()
		p := filepath.Join(e.Dir, name)
		writeFile(t, p, b.String())
		return p
	}
	ok := &tar.Header{Name: "etc/ok", Typeflag: tar.TypeReg, Size: 3, Mode: 0o644}
	traversal := write("up.tar", ok, &tar.Header{Name: "../../escape", Typeflag: tar.TypeReg, Size: 1, Mode: 0o644})
	device := write("dev.tar", ok, &tar.Header{Name: "dev/sda", Typeflag: tar.TypeBlock, Devmajor: 8, Mode: 0o600})
	link := write("link.tar", ok, &tar.Header{Name: "l", Typeflag: tar.TypeLink, Linkname: "../../etc/shadow"})
	good := write("good.tar", ok)
	big := write("big.tar", ok, &tar.Header{Name: "big", Typeflag: tar.TypeReg, Size: 5000, Mode: 0o644})
	truncated := filepath.Join(e.Dir, "trunc.tar")
	writeFile(t, truncated, readFile(t, big)[:3000]) // inside "big"'s data

	e.Run("import", traversal, "bad").Exit(t, 125).StderrContains(t, "leaves the root directory")
	e.Run("import", device, "bad").Exit(t, 125).StderrContains(t, "device node")
	e.Run("import", link, "bad").Exit(t, 125).StderrContains(t, "leaves the root directory")
	e.Run("import", truncated, "bad").Exit(t, 125)
	e.RunWithStdin("not a tar", "import", "-", "bad").Exit(t, 125)
	e.Run("import", "/no/such.tar").Exit(t, 125)
	e.Run("import", "--change", "BOGUS x", good, "bad").Exit(t, 125).StderrContains(t, "BOGUS")
	e.Run("images", "-q").Success(t).StdoutIs(t, "")
	if out := e.Run("image", "tree", "bad").Exit(t, 125); !strings.Contains(out.Stderr, "bad") {
		t.Error(out.Stderr)
	}
	e.Run("import", good, "fine").Success(t)
	e.Run("images", "--format", "{{.Repository}}").Success(t).StdoutIs(t, "localhost/fine")

	// A load of a corrupt archive changes nothing either.
	e.Run("load", "-i", truncated).Exit(t, 125)
	e.Run("load", "-i", traversal).Exit(t, 125)
	e.Run("images", "--format", "{{.Repository}}").Success(t).StdoutIs(t, "localhost/fine")
}

func TestImageTagUntagPruneExists(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("image", "exists", TestImage).Success(t)
	if r := e.Run("image", "exists", "nosuch").Exit(t, 1); r.Stderr != "" {
		t.Errorf("image exists printed %q", r.Stderr)
	}
	e.Run("tag", TestImage, "a", "b").Success(t)
	e.Run("untag", TestImage, "a").Success(t)
	e.Run("images", "--format", "{{.Repository}}").Success(t).StdoutIs(t, "localhost/b\nlocalhost/busybox")
	e.Run("untag", TestImage, "nosuchname").Exit(t, 125)
	// Untag everything: the image becomes dangling, prune removes it
	// unless a container uses it.
	e.Run("untag", TestImage).Success(t)
	e.Run("images", "--filter", "dangling=true", "--format", "{{.Repository}}:{{.Tag}}").Success(t).StdoutIs(t, "<none>:<none>")
	id := e.Run("images", "-q").Success(t).Out()
	e.Run("create", "--name", "user", id, "true").Success(t)
	e.Run("image", "prune").Success(t).StdoutIs(t, "")
	e.Run("images", "-q").Success(t).StdoutIs(t, id)
	e.Run("rm", "user").Success(t)
	e.Run("image", "prune").Success(t).StdoutContains(t, id)
	e.Run("images", "-q").Success(t).StdoutIs(t, "")
	e.LoadImage() // a named image survives prune, but not prune -a
	e.Run("image", "prune").Success(t).StdoutIs(t, "")
	e.Run("images", "-q").Success(t).StdoutIs(t, id)
	e.Run("image", "prune", "-a").Success(t).StdoutContains(t, id)
	e.Run("images", "-q").Success(t).StdoutIs(t, "")
}
