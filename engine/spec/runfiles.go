package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// hostFiles are the host files RunFiles reads; tests point them elsewhere.
// systemd-resolved's stub resolver listens on 127.0.0.53, which a container
// in its own network namespace cannot reach; the upstream servers it uses
// are listed in /run/systemd/resolve/resolv.conf (systemd-resolved.service(8)).
type hostFiles struct {
	hosts, resolvConf, resolvedConf string
}

func defaultHostFiles() hostFiles {
	return hostFiles{
		hosts:        "/etc/hosts",
		resolvConf:   "/etc/resolv.conf",
		resolvedConf: "/run/systemd/resolve/resolv.conf",
	}
}

// Hostname returns the container's hostname: cs.Hostname when set, the
// host's hostname for network host, otherwise the first 12 characters of the
// container id (docker's and podman's default).
func Hostname(cs *ContainerSpec, id string) string {
	if cs.Hostname != "" {
		return cs.Hostname
	}
	if cs.NetworkMode == NetworkHost {
		if h, err := os.Hostname(); err == nil && h != "" {
			return h
		}
	}
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// RunFiles returns the files the engine writes into the container's run dir
// before start, keyed by file name; Generate bind-mounts each of them:
//
//	hosts          -> /etc/hosts
//	hostname       -> /etc/hostname
//	resolv.conf    -> /etc/resolv.conf
//	.containerenv  -> /run/.containerenv
//
// hosts: with network host, the host's /etc/hosts (plus the container's
// hostname if the user set one); otherwise the loopback entries and the
// container's hostname (and name) on 127.0.1.1, since a container without a
// network has no other address.
//
// resolv.conf: the host's /etc/resolv.conf. Outside network host, loopback
// nameservers (127.0.0.0/8, ::1) are removed because they point at the
// host's loopback, which the container cannot reach; when that leaves none
// and the host runs systemd-resolved, its upstream list is used instead. If
// still no nameserver remains, the file simply has none (no public resolver
// is made up). With network none nothing is reachable anyway, but tools that
// parse the file keep working.
//
// .containerenv: podman's format (KEY="value" lines), so tools that detect
// containers that way work unchanged.
func RunFiles(cs *ContainerSpec, id, imageID, engineVersion string) (map[string][]byte, error) {
	return runFiles(cs, id, imageID, engineVersion, defaultHostFiles())
}

func runFiles(cs *ContainerSpec, id, imageID, engineVersion string, hf hostFiles) (map[string][]byte, error) {
	hostname := Hostname(cs, id)
	host := cs.NetworkMode == NetworkHost

	var hostHosts []byte
	if host {
		b, err := readOptional(hf.hosts)
		if err != nil {
			return nil, err
		}
		hostHosts = b
	}
	resolv, err := readOptional(hf.resolvConf)
	if err != nil {
		return nil, err
	}
	if !host {
		resolv = stripLoopbackNameservers(resolv)
		if !hasNameserver(resolv) {
			if alt, err := readOptional(hf.resolvedConf); err == nil && alt != nil {
				resolv = stripLoopbackNameservers(alt)
			}
		}
	}

	return map[string][]byte{
		"hosts":         addHosts(hostsFile(cs, hostname, hostHosts), cs),
		"hostname":      []byte(hostname + "\n"),
		"resolv.conf":   resolvOverrides(resolv, cs),
		".containerenv": containerEnv(cs, id, imageID, engineVersion),
	}, nil
}

func readOptional(name string) ([]byte, error) {
	b, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return b, nil
}

// hostsFile builds /etc/hosts. hostHosts is the host's file, used as the
// base for network host.
func hostsFile(cs *ContainerSpec, hostname string, hostHosts []byte) []byte {
	var b bytes.Buffer
	if cs.NetworkMode == NetworkHost {
		b.Write(hostHosts)
		if len(hostHosts) > 0 && hostHosts[len(hostHosts)-1] != '\n' {
			b.WriteByte('\n')
		}
		if cs.Hostname != "" {
			fmt.Fprintf(&b, "127.0.1.1\t%s\n", cs.Hostname)
		}
		return b.Bytes()
	}
	b.WriteString("127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n")
	b.WriteString("::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n")
	names := hostname
	if cs.Name != "" && cs.Name != hostname && validHostname(cs.Name) {
		names += " " + cs.Name
	}
	fmt.Fprintf(&b, "127.0.1.1\t%s\n", names)
	return b.Bytes()
}

// stripLoopbackNameservers drops "nameserver" lines pointing at 127.0.0.0/8
// or ::1 and keeps everything else (search, options, comments) as is.
func stripLoopbackNameservers(conf []byte) []byte {
	var b bytes.Buffer
	for line := range strings.Lines(string(conf)) {
		if ip, ok := nameserver(line); ok && (strings.HasPrefix(ip, "127.") || ip == "::1") {
			continue
		}
		b.WriteString(line)
	}
	if b.Len() > 0 && !bytes.HasSuffix(b.Bytes(), []byte("\n")) {
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func hasNameserver(conf []byte) bool {
	for line := range strings.Lines(string(conf)) {
		if _, ok := nameserver(line); ok {
			return true
		}
	}
	return false
}

// nameserver returns the address of a "nameserver ADDR" line.
func nameserver(line string) (string, bool) {
	f := strings.Fields(line)
	if len(f) >= 2 && f[0] == "nameserver" {
		return f[1], true
	}
	return "", false
}

// containerEnv renders /run/.containerenv the way podman does: one
// KEY="value" per line, rootless as a bare 0/1.
func containerEnv(cs *ContainerSpec, id, imageID, engineVersion string) []byte {
	var b bytes.Buffer
	q := func(k, v string) { fmt.Fprintf(&b, "%s=%q\n", k, v) }
	q("engine", "berth-"+engineVersion)
	q("name", cs.Name)
	q("id", id)
	q("image", cs.Image)
	q("imageid", imageID)
	b.WriteString("rootless=0\n")
	return b.Bytes()
}
