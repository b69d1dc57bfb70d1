package e2e

import (
	"encoding/json"
	"fmt"
	"testing"
)

// TestNetworkFlagLists covers how run and create read --network: a comma
// list is the same as repeating the flag, bridge in a list is the default
// network, and a mode (none, host, ...) stands alone. ps shows the
// networks. The containers are created, not started, so the shared
// default bridge is not touched.
func TestNetworkFlagLists(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	n := newTestNet(t, e, 233, 1)
	t.Cleanup(func() { e.Run("rm", "-fa") })

	networks := func(name string) string {
		return e.Run("ps", "-a", "--filter", "name=^"+name+"$", "--format", "{{.Networks}}").Success(t).Out()
	}
	e.Run("create", "--name", "list", "--network", n.Name+",bridge", TestImage, "true").Success(t)
	e.Run("create", "--name", "repeated", "--network", n.Name, "--network", "bridge", TestImage, "true").Success(t)
	for _, name := range []string{"list", "repeated"} {
		if got, want := networks(name), n.Name+",berth"; got != want {
			t.Errorf("%s: networks %q, want %q", name, got, want)
		}
	}
	// inspect of a container not started lists its networks, unaddressed.
	e.Run("inspect", "--format", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}} {{end}}", "list").
		Success(t).StdoutIs(t, "berth= "+n.Name+"=")
	e.Run("create", "--name", "lone", "--network", "bridge", TestImage, "true").Success(t)
	e.Run("create", "--name", "dflt", TestImage, "true").Success(t)
	e.Run("create", "--name", "nonet", "--network", "none", TestImage, "true").Success(t)
	for name, want := range map[string]string{"lone": "berth", "dflt": "berth", "nonet": ""} {
		if got := networks(name); got != want {
			t.Errorf("%s: networks %q, want %q", name, got, want)
		}
	}

	before := e.Run("ps", "-aq").Success(t).Out()
	e.Run("create", "--network", "none,"+n.Name, TestImage, "true").Exit(t, 125).StderrContains(t, "cannot be combined")
	e.Run("create", "--network", "host", "--network", n.Name, TestImage, "true").Exit(t, 125).StderrContains(t, "cannot be combined")
	e.Run("create", "--network", n.Name+",", TestImage, "true").Exit(t, 125).StderrContains(t, "must not be empty")
	if after := e.Run("ps", "-aq").Success(t).Out(); after != before {
		t.Errorf("refused creates changed the containers: %q -> %q", before, after)
	}
}

// TestPsShowsPorts: ps prints a running container's published ports
// (random host ports as bound), in the table, in templates and in json;
// a stopped container has none.
func TestPsShowsPorts(t *testing.T) {
	t.Parallel()
	e := newImageEnv(t)
	n := newTestNet(t, e, 233, 2)
	t.Cleanup(func() { e.Run("rm", "-fa") })

	port := freePort(t)
	e.Run("run", "-d", "--name", "web", "--network", n.Name, "-p", fmt.Sprintf("127.0.0.1:%d:80", port),
		"-p", "127.0.0.1::81/udp", TestImage, "sleep", "60").Success(t)
	bound := e.Run("port", "web", "81/udp").Success(t).Out() // 127.0.0.1:NNNNN
	want := fmt.Sprintf("127.0.0.1:%d->80/tcp, %s->81/udp", port, bound)
	e.Run("ps", "--filter", "name=web", "--format", "{{.Ports}}").Success(t).StdoutIs(t, want)
	e.Run("ps", "--filter", "name=web").Success(t).StdoutContains(t, want)

	var rows []struct {
		Networks []string
		Ports    []struct {
			HostIP        string `json:"host_ip"`
			ContainerPort int    `json:"container_port"`
			HostPort      int    `json:"host_port"`
			Protocol      string `json:"protocol"`
		}
	}
	out := e.Run("ps", "--filter", "name=web", "--format", "json").Success(t).Out()
	if err := json.Unmarshal([]byte(out), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("ps json: %v, %d rows: %s", err, len(rows), out)
	}
	if r := rows[0]; len(r.Networks) != 1 || r.Networks[0] != n.Name || len(r.Ports) != 2 ||
		r.Ports[0].HostPort != port || r.Ports[0].ContainerPort != 80 || r.Ports[0].HostIP != "127.0.0.1" {
		t.Errorf("ps json row = %+v", r)
	}

	// The Docker API's container list carries them too (docker ps).
	s := startAPI(t, e)
	s.docker(t, "ps", "--format", "{{.Ports}} {{.Networks}}").Success(t).
		StdoutContains(t, fmt.Sprintf("127.0.0.1:%d->80/tcp", port)).StdoutContains(t, n.Name)

	e.Run("stop", "-t", "0", "web").Success(t)
	e.Run("ps", "-a", "--filter", "name=web", "--format", "{{.Ports}}").Success(t).StdoutIs(t, "")
}
