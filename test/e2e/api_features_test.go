package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// dockerNet creates a network through the docker CLI on 10.232.<b>.0/24
// with its own bridge, removed (and checked for leftovers) at the end.
func dockerNet(t *testing.T, s *apiService, b int) testNet {
	t.Helper()
	rnd := make([]byte, 3)
	_, _ = rand.Read(rnd)
	n := testNet{Name: "dn" + hex.EncodeToString(rnd), Bridge: "dn" + hex.EncodeToString(rnd), Subnet: ipStr(232, b) + "0/24", Prefix: ipStr(232, b)}
	s.docker(t, "network", "create", "--subnet", n.Subnet, "-o", "com.docker.network.bridge.name="+n.Bridge, n.Name).Success(t)
	t.Cleanup(func() { n.cleanup(t, s.e) })
	return n
}

// Volumes through the docker CLI: create, ls, a container writing into a
// named volume and another reading it, inspect, prune, rm.
func TestAPIDockerVolumes(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	s := startAPI(t, e)
	s.docker(t, "volume", "create", "--label", "k=v", "data").Success(t).StdoutIs(t, "data")
	s.docker(t, "volume", "ls", "--format", "{{.Driver}} {{.Name}}").Success(t).StdoutIs(t, "local data")
	s.docker(t, "volume", "ls", "-q", "--filter", "label=k=v").Success(t).StdoutIs(t, "data")
	s.docker(t, "run", "--rm", "-v", "data:/data", TestImage, "sh", "-c", "echo kept > /data/f").Success(t)
	s.docker(t, "run", "--rm", "--mount", "type=volume,source=data,target=/d,readonly", TestImage, "cat", "/d/f").Success(t).StdoutIs(t, "kept")
	s.docker(t, "volume", "inspect", "-f", "{{.Mountpoint}}", "data").Success(t).StdoutContains(t, e.Root)
	// The volume is berth's: the CLI sees it and the file in it.
	e.Run("volume", "ls", "-q").Success(t).StdoutIs(t, "data")
	// An anonymous volume (-v /path) goes with its container.
	s.docker(t, "run", "--name", "anon", "-v", "/scratch", "--tmpfs", "/t", TestImage, "sh", "-c", "touch /scratch/x; grep -c ' /t tmpfs' /proc/mounts").Success(t).StdoutIs(t, "1")
	if n := len(strings.Fields(s.docker(t, "volume", "ls", "-q").Success(t).Out())); n != 2 {
		t.Fatalf("volumes after an anonymous one: %d, want 2", n)
	}
	s.docker(t, "rm", "-v", "anon").Success(t)
	s.docker(t, "volume", "ls", "-q").Success(t).StdoutIs(t, "data")
	s.docker(t, "volume", "rm", "nosuch").Exit(t, 1).StderrContains(t, "no such volume")
	// docker's prune takes only anonymous volumes unless --all.
	s.docker(t, "volume", "prune", "-f").Success(t)
	s.docker(t, "volume", "ls", "-q").Success(t).StdoutIs(t, "data")
	s.docker(t, "volume", "prune", "-f", "--all").Success(t).StdoutContains(t, "data")
	s.docker(t, "volume", "ls", "-q").Success(t).StdoutIs(t, "")
}

// Networks: two containers on a user network reach each other by name;
// a published port serves the host; connect/disconnect; rm.
func TestAPIDockerNetworksAndPorts(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	s := startAPI(t, e)
	n := dockerNet(t, s, 1)
	s.docker(t, "network", "ls", "--format", "{{.Name}}", "--filter", "name="+n.Name).Success(t).StdoutIs(t, n.Name)
	s.docker(t, "network", "inspect", "-f", "{{(index .IPAM.Config 0).Subnet}}", n.Name).Success(t).StdoutIs(t, n.Subnet)

	port := freePort(t)
	s.docker(t, append([]string{"run", "-d", "--name", "web", "--network", n.Name, "--network-alias", "site",
		"-p", fmt.Sprintf("127.0.0.1:%d:80", port), TestImage}, httpdCmd("web")...)...).Success(t)
	if got := getURL(t, fmt.Sprintf("http://127.0.0.1:%d/", port)); got != "hello from web" {
		t.Fatalf("GET published port = %q", got)
	}
	s.docker(t, "port", "web").Success(t).StdoutContains(t, fmt.Sprintf("80/tcp -> 127.0.0.1:%d", port))
	for _, name := range []string{"web", "site"} {
		s.docker(t, "run", "--rm", "--network", n.Name, TestImage, "sh", "-c", httpGetNC(name)).Success(t).StdoutIs(t, "hello from web")
	}
	s.docker(t, "network", "inspect", "-f", "{{range .Containers}}{{.Name}}{{end}}", n.Name).Success(t).StdoutIs(t, "web")
	s.docker(t, "inspect", "-f", "{{(index .NetworkSettings.Networks \""+n.Name+"\").IPAddress}}", "web").Success(t).StdoutContains(t, n.Prefix)

	// A stopped container joins and leaves the network by name.
	s.docker(t, "create", "--name", "late", TestImage, "sh", "-c", httpGetNC("web")).Success(t)
	s.docker(t, "network", "connect", n.Name, "late").Success(t)
	s.docker(t, "start", "-a", "late").Success(t).StdoutIs(t, "hello from web")
	s.docker(t, "network", "disconnect", n.Name, "late").Success(t)
	s.docker(t, "network", "rm", n.Name).Failure(t).StderrContains(t, "web")
	s.docker(t, "rm", "-f", "web", "late").Success(t)
	s.docker(t, "network", "rm", n.Name).Success(t)
	s.docker(t, "network", "inspect", n.Name).Exit(t, 1).StderrContains(t, "no such network")
}

// cp both ways, diff, stats, update, rename, through the docker CLI.
func TestAPIDockerCpDiffStatsUpdateRename(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	s := startAPI(t, e)
	s.docker(t, "run", "-d", "--name", "box", "--network", "none", TestImage, "sh", "-c", "mkdir -p /out/sub && echo deep > /out/sub/f; exec sleep 60").Success(t)
	host := filepath.Join(e.Dir, "in.txt")
	if err := os.WriteFile(host, []byte("from host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.docker(t, "cp", host, "box:/tmp/").Success(t)
	s.docker(t, "cp", "box:/tmp/in.txt", filepath.Join(e.Dir, "back.txt")).Success(t)
	if b, err := os.ReadFile(filepath.Join(e.Dir, "back.txt")); err != nil || string(b) != "from host\n" {
		t.Fatalf("copied in and back: %q %v", b, err)
	}
	s.docker(t, "cp", "box:/out", filepath.Join(e.Dir, "copied")).Success(t)
	if b, err := os.ReadFile(filepath.Join(e.Dir, "copied", "sub", "f")); err != nil || string(b) != "deep\n" {
		t.Fatalf("copied out: %q %v", b, err)
	}
	s.docker(t, "cp", "box:/nosuch", e.Dir).Failure(t).StderrContains(t, "nosuch")
	s.docker(t, "diff", "box").Success(t).StdoutContains(t, "A /tmp/in.txt", "A /out/sub/f")

	out := s.docker(t, "stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}} {{.MemUsage}}", "box").Success(t).Out()
	if f := strings.Fields(out); len(f) < 3 || f[0] != "box" || f[1] != "1" {
		t.Fatalf("stats: %q", out)
	}
	s.docker(t, "update", "--memory", "64m", "box").Success(t)
	s.docker(t, "inspect", "-f", "{{.HostConfig.Memory}}", "box").Success(t).StdoutIs(t, strconv.Itoa(64<<20))
	s.docker(t, "stats", "--no-stream", "--format", "{{.MemUsage}}", "box").Success(t).StdoutContains(t, "64MiB")

	s.docker(t, "rename", "box", "crate").Success(t)
	e.Run("ps", "--format", "{{.Names}}").Success(t).StdoutIs(t, "crate")
	s.docker(t, "rm", "-f", "crate").Success(t)
}

// Restart policies are enforced and events tell the story, in docker's
// vocabulary (die, with the exit code).
func TestAPIDockerRestartAndEvents(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	s := startAPI(t, e)
	since := strconv.FormatInt(time.Now().Unix()-1, 10)
	s.docker(t, "run", "--name", "flaky", "--network", "none", "--restart", "on-failure:2", TestImage, "sh", "-c", "exit 3").Exit(t, 3)
	waitFor(t, func() bool {
		r := s.docker(t, "inspect", "-f", "{{.RestartCount}} {{.State.Status}}", "flaky")
		return r.ExitCode == 0 && r.Out() == "2 exited"
	})
	time.Sleep(300 * time.Millisecond) // the last exit's events land
	until := strconv.FormatInt(time.Now().Unix()+1, 10)
	out := s.docker(t, "events", "--since", since, "--until", until, "--filter", "container=flaky", "--filter", "event=die",
		"--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}").Success(t).Out()
	if out != strings.Repeat("container die flaky 3\n", 3)[:len("container die flaky 3\n")*3-1] {
		t.Fatalf("events:\n%s", out)
	}
	s.docker(t, "events", "--since", since, "--until", until, "--format", "{{.Status}} {{.From}}", "--filter", "event=create").
		Success(t).StdoutIs(t, "create "+TestImage+":latest")
	s.docker(t, "rm", "flaky").Success(t)
}

// The Python SDK manages volumes and networks.
func TestAPIPythonSDKVolumesNetworks(t *testing.T) {
	t.Parallel()
	if exec.Command("python3", "-c", "import docker").Run() != nil {
		t.Skip("no Python docker SDK here")
	}
	e := newImageEnv(t)
	s := startAPI(t, e)
	n := testNet{Name: "pynet" + strconv.Itoa(os.Getpid()%1000), Bridge: "pyb" + strconv.Itoa(os.Getpid()%1000), Subnet: ipStr(232, 3) + "0/24", Prefix: ipStr(232, 3)}
	t.Cleanup(func() { n.cleanup(t, e) })
	script := `
import docker
c = docker.DockerClient(base_url="unix://` + s.sock + `")
v = c.volumes.create(name="pyvol", labels={"a": "b"})
print(v.name, [x.name for x in c.volumes.list(filters={"label": "a=b"})])
print(c.containers.run("` + TestImage + `", ["sh", "-c", "echo hi > /v/f; cat /v/f"], volumes={"pyvol": {"bind": "/v", "mode": "rw"}}, remove=True).decode().strip())
v.remove()
ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet="` + n.Subnet + `")])
net = c.networks.create("` + n.Name + `", driver="bridge", ipam=ipam, options={"com.docker.network.bridge.name": "` + n.Bridge + `"})
print(net.name, c.networks.get("` + n.Name + `").attrs["IPAM"]["Config"][0]["Subnet"])
print(c.containers.run("` + TestImage + `", ["sh", "-c", "ip -4 addr show eth0 | grep -c ` + n.Prefix + `"], network="` + n.Name + `", remove=True).decode().strip())
net.remove()
print([x.name for x in c.networks.list(names=["` + n.Name + `"])])
`
	runCmd(t, "python3", "-c", script).Success(t).StdoutIs(t, "pyvol ['pyvol']\nhi\n"+n.Name+" "+n.Subnet+"\n1\n[]")
}

// docker-compose (v1, Python, Debian's package): a two-service project
// with a published port and depends_on: up -d, ps, logs, down.
func TestAPIDockerCompose(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("docker-compose"); err != nil {
		t.Skip("no docker-compose here")
	}
	e := newImageEnv(t)
	s := startAPI(t, e)
	port := freePort(t)
	n := testNet{Name: "cproj_default", Bridge: "cproj" + strconv.Itoa(port%10000), Subnet: ipStr(232, 4) + "0/24", Prefix: ipStr(232, 4)}
	t.Cleanup(func() { n.cleanup(t, e) })
	dir := filepath.Join(e.Dir, "cproj")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	yml := fmt.Sprintf(`version: "3"
services:
  db:
    image: %[1]s
    command: sh -c 'while true; do echo db says hi | nc -l -p 7000; done'
  web:
    image: %[1]s
    command: sh -c 'nc db 7000 > /tmp/index.html; echo web ready; exec httpd -f -p 80 -h /tmp'
    ports:
      - "127.0.0.1:%[2]d:80"
    depends_on:
      - db
networks:
  default:
    driver_opts:
      com.docker.network.bridge.name: %[3]s
    ipam:
      config:
        - subnet: %[4]s
`, TestImage, port, n.Bridge, n.Subnet)
	if err := os.WriteFile(filepath.Join(dir, "docker-compose.yml"), []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	compose := func(args ...string) *Result {
		t.Helper()
		cmd := exec.Command("docker-compose", append([]string{"--project-directory", dir, "-f", filepath.Join(dir, "docker-compose.yml"), "-p", "cproj"}, args...)...)
		cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+s.sock, "DOCKER_CONFIG="+filepath.Join(e.Dir, "docker-config"))
		var out, errb strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		r := &Result{Args: append([]string{"docker-compose"}, args...), Stdout: out.String(), Stderr: errb.String()}
		r.setError(err, nil)
		return r
	}
	t.Cleanup(func() { compose("down", "-t", "1") })
	compose("up", "-d").Success(t)
	if got := getURL(t, fmt.Sprintf("http://127.0.0.1:%d/", port)); got != "db says hi" {
		t.Fatalf("GET web = %q", got)
	}
	ps := compose("ps").Success(t).Out()
	for _, want := range []string{"cproj_db_1", "cproj_web_1", fmt.Sprintf("127.0.0.1:%d->80/tcp", port)} {
		if !strings.Contains(ps, want) {
			t.Fatalf("compose ps lacks %q:\n%s", want, ps)
		}
	}
	compose("logs", "--no-color", "web").Success(t).StdoutContains(t, "web ready")
	compose("down", "-t", "1").Success(t)
	e.Run("ps", "-aq").Success(t).StdoutIs(t, "")
	e.Run("network", "ls", "-q", "--filter", "name=cproj").Success(t).StdoutIs(t, "")
}
