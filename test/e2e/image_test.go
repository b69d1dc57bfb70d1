package e2e

import (
	"strings"
	"testing"
)

func TestLoadImagesTagRmi(t *testing.T) {
	t.Parallel()
	e := NewEnv(t)
	e.Run("images", "-q").Success(t).StdoutIs(t, "")
	e.Run("load", "-i", e.Archive()).Success(t).StdoutIs(t, "Loaded image: "+TestImage+":latest")
	r := e.Run("images").Success(t)
	r.StdoutContains(t, "REPOSITORY", "localhost/busybox", "latest")
	id := e.Run("images", "-q").Success(t).Out()
	if len(id) != 12 {
		t.Fatalf("images -q = %q", id)
	}
	e.Run("tag", TestImage, "boat", "registry.example:5000/team/boat:v1").Success(t)
	e.Run("images", "--format", "{{.Repository}}:{{.Tag}}").Success(t).
		StdoutContains(t, "localhost/boat:latest", "registry.example:5000/team/boat:v1", "localhost/busybox:latest")
	e.Run("images", "--filter", "reference=boat", "--format", "{{.Repository}}").Success(t).StdoutIs(t, "localhost/boat")
	e.Run("image", "inspect", "--format", "{{.Config.Cmd}} {{index .Config.Labels \"io.berth.test\"}}", "boat").
		Success(t).StdoutIs(t, "[/bin/sh] true")
	// A container from the image blocks its removal.
	e.Run("create", "--name", "user", "boat", "true").Success(t)
	e.Run("rmi", "boat").Success(t).StdoutIs(t, "Untagged: localhost/boat:latest")
	e.Run("rmi", id).Exit(t, 125)
	e.Run("rmi", "-f", id).Success(t).StdoutContains(t, "Deleted:")
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
	e.Run("images", "-q").Success(t).StdoutIs(t, "")
	e.Run("rmi", "nosuch").Exit(t, 125).StderrContains(t, "nosuch")

	// load from stdin, and a corrupt archive changes nothing.
	e.RunWithStdin(readFile(t, e.Archive()), "load").Success(t).StdoutContains(t, TestImage)
	e.RunWithStdin("this is not a tar archive", "load").Exit(t, 125)
	if n := len(e.Run("images", "-q").Success(t).Lines()); n != 1 {
		t.Errorf("%d images after a failed load, want 1", n)
	}
	e.Run("load", "-i", "/no/such/file").Exit(t, 125)
}

func TestVersionAndInfo(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	e.Run("version").Success(t).StdoutContains(t, "Version:", "Go Version:")
	e.Run("version", "--format", "{{.Client.Version}}").Success(t)
	r := e.Run("info").Success(t)
	r.StdoutContains(t, "ociRuntime:", "runc", "graphDriverName: overlay", "number: 0")
	e.Run("info", "--format", "{{.Store.ImagesTotal}}").Success(t).StdoutIs(t, "1")
	if !strings.Contains(e.Run("--help").Success(t).Stdout, "run") {
		t.Error("help lacks commands")
	}
	e.Run("--log-level", "chatty", "ps").Exit(t, 125)
}
