package e2e

import (
	"path/filepath"
	"testing"
)

func TestManifestMultiArchThroughRegistry(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, false)
	e := regEnv(t)
	// An "arm64" image: the test image's files, recorded as arm64.
	e.Run("create", "--name", "src", TestImage, "true").Success(t)
	fs := filepath.Join(e.Dir, "fs.tar")
	e.Run("export", "-o", fs, "src").Success(t)
	e.Run("rm", "src").Success(t)
	e.Run("import", "--arch", "arm64", "--change", `CMD ["echo","arm"]`, fs, "armbox").Success(t)

	e.Run("manifest", "create", "multi", TestImage).Success(t).StdoutIs(t, "localhost/multi:latest")
	e.Run("manifest", "create", "multi").Exit(t, 125)
	e.Run("manifest", "add", "multi", "armbox").Success(t).StdoutContains(t, "sha256:")
	e.Run("manifest", "add", "multi", "nosuchimage").Exit(t, 125)
	e.Run("manifest", "add", "nosuchlist", "armbox").Exit(t, 125)
	e.Run("manifest", "inspect", "multi").Success(t).StdoutContains(t, `"architecture": "amd64"`, `"architecture": "arm64"`)

	ref := reg.Addr + "/multi/box:1"
	e.Run("manifest", "push", "-q", "--tls-verify=false", "multi", "docker://"+ref).Success(t)
	e.Run("manifest", "inspect", "--tls-verify=false", ref).Success(t).
		StdoutContains(t, "application/vnd.oci.image.index.v1+json", `"architecture": "arm64"`)
	e.Run("pull", "-q", "--tls-verify=false", "--arch", "arm64", ref).Success(t)
	e.Run("image", "inspect", "--format", "{{.Architecture}} {{.Config.Cmd}}", ref).Success(t).StdoutIs(t, "arm64 [echo arm]")
	e.Run("rmi", ref).Success(t)
	e.Run("pull", "-q", "--tls-verify=false", "--platform", "linux/amd64", ref).Success(t)
	e.Run("run", "--rm", ref, "echo", "native").Success(t).StdoutIs(t, "native")
	e.Run("manifest", "rm", "multi").Success(t)
	e.Run("manifest", "inspect", "multi").Exit(t, 125)
}
