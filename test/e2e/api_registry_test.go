package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

// docker push, pull, commit, history, image prune, search and login
// against a registry the test runs on 127.0.0.1 (plain HTTP: dockerd, and
// so berth's API, treat loopback registries as insecure).
func TestAPIDockerPullPushCommit(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, false)
	e := regEnv(t) // the registries.conf and auth file of the test only
	s := startAPI(t, e)
	name := reg.Addr + "/team/bb:1"

	s.docker(t, "tag", TestImage, name).Success(t)
	s.docker(t, "push", name).Success(t).
		StdoutContains(t, "The push refers to repository ["+reg.Addr+"/team/bb]", ": Pushed", "1: digest: sha256:")
	s.docker(t, "rmi", name).Success(t)
	s.docker(t, "pull", name).Success(t).
		StdoutContains(t, ": Pull complete", "Digest: sha256:", "Status: Downloaded newer image for "+name)
	s.docker(t, "pull", name).Success(t).StdoutContains(t, "Status: Image is up to date for "+name)
	s.docker(t, "run", "--rm", name, "echo", "pulled").Success(t).StdoutIs(t, "pulled")
	s.docker(t, "pull", reg.Addr+"/team/nosuch:1").Exit(t, 1).StderrContains(t, "manifest unknown")
	s.docker(t, "search", reg.Addr+"/bb").Success(t).StdoutContains(t, reg.Addr+"/team/bb")
	// create never pulls: the docker CLI pulls after the 404, and says so.
	s.docker(t, "rmi", name).Success(t)
	s.docker(t, "run", "--rm", name, "echo", "auto").Success(t).StdoutIs(t, "auto").StderrContains(t, "Unable to find image")

	// commit: the container's changes and --change settings.
	s.docker(t, "run", "-d", "--name", "box", TestImage, "sleep", "300").Success(t)
	s.docker(t, "exec", "box", "sh", "-c", "echo added > /added").Success(t)
	s.docker(t, "commit", "-c", "ENV FOO=bar", "-m", "snapshot msg", "box", "snap:1").Success(t).StdoutContains(t, "sha256:")
	s.docker(t, "run", "--rm", "snap:1", "sh", "-c", "cat /added; echo $FOO").Success(t).StdoutIs(t, "added\nbar")
	s.docker(t, "history", "--format", "{{.Comment}}|{{.CreatedBy}}", "snap:1").Success(t).StdoutContains(t, "snapshot msg|")
	s.docker(t, "commit", "nosuch", "x:1").Exit(t, 1).StderrContains(t, "nosuch")
	s.docker(t, "rm", "-f", "box").Success(t)

	// prune -a: every image no container uses.
	s.docker(t, "image", "prune", "-a", "-f").Success(t).StdoutContains(t, "deleted: sha256:")
	s.docker(t, "images", "-q").Success(t).StdoutIs(t, "")
	assertNoLeftovers(t, e)
}

func TestAPIDockerLoginPush(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, true)
	e := regEnv(t) // the registries.conf and auth file of the test only
	s := startAPI(t, e)
	name := reg.Addr + "/private/bb:1"
	s.docker(t, "tag", TestImage, name).Success(t)

	s.docker(t, "push", name).Exit(t, 1).StderrContains(t, "authentication required")
	s.dockerWith(t, strings.NewReader("wrong\n"), "login", "-u", reg.User, "--password-stdin", reg.Addr).Exit(t, 1)
	s.dockerWith(t, strings.NewReader(reg.Password+"\n"), "login", "-u", reg.User, "--password-stdin", reg.Addr).
		Success(t).StdoutContains(t, "Login Succeeded")
	// The CLI keeps the credentials and sends them (X-Registry-Auth).
	s.docker(t, "push", name).Success(t).StdoutContains(t, "1: digest: sha256:")
	s.docker(t, "rmi", name).Success(t)
	s.docker(t, "pull", name).Success(t).StdoutContains(t, "Downloaded newer image")
	s.docker(t, "logout", reg.Addr).Success(t)
	s.docker(t, "rmi", name).Success(t)
	s.docker(t, "pull", name).Exit(t, 1)

	if exec.Command("python3", "-c", "import docker").Run() == nil {
		script := `
import docker
c = docker.DockerClient(base_url="unix://` + s.sock + `")
img = c.images.pull("` + reg.Addr + `/private/bb", tag="1", auth_config={"username": "` + reg.User + `", "password": "` + reg.Password + `"})
print(img.tags)
`
		runCmd(t, "python3", "-c", script).Success(t).StdoutContains(t, "'"+name+"'")
	}
}
