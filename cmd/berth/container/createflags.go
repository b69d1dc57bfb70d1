package container

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/engine"
	"github.com/berthproject/berth/engine/spec"
)

// createFlags are the flags `create` and `run` share. toSpec turns them
// into an engine.ContainerSpec, the transport-neutral description of the
// container; from there engine/spec.Generate writes the OCI spec.
type createFlags struct {
	name, workdir, user, entrypoint, hostname string
	stopSignal, restart                       string
	stopTimeout                               uint
	env, envFiles, volumes, labels            []string
	annotations, capAdd, capDrop              []string
	securityOpts, ulimits                     []string
	mounts, tmpfs, volumesFrom                []string
	oomScoreAdj                               int
	limits                                    resourceFlags
	health                                    healthFlags
	privileged, readOnly, interactive, tty    bool
	rm, readOnlyTmpfs                         bool
	net                                       netFlags
	// namespace sharing and pods (pods.md)
	pod, ipc, pid, uts, userns, cgroupns string
	pull                                 string
}

func (f *createFlags) register(fs *pflag.FlagSet) {
	// -h is --hostname here (as in podman and docker), so help is --help only.
	fs.Bool("help", false, "help for this command")
	fs.StringVar(&f.name, "name", "", "assign a name to the container (default: a generated adjective_noun)")
	fs.StringVarP(&f.workdir, "workdir", "w", "", "working directory inside the container (default: the image's, else /)")
	fs.StringVarP(&f.user, "user", "u", "", "run as USER[:GROUP], by name or number (default: the image's user)")
	fs.StringVar(&f.entrypoint, "entrypoint", "", `override the image's ENTRYPOINT: a command string or a JSON array ('["sh","-c"]'); "" clears it`)
	fs.StringVarP(&f.hostname, "hostname", "h", "", "container host name (default: the short container ID)")
	fs.StringVar(&f.stopSignal, "stop-signal", "", "signal that stops the container (default: the image's STOPSIGNAL, else SIGTERM)")
	fs.UintVar(&f.stopTimeout, "stop-timeout", 10, "seconds to wait after the stop signal before SIGKILL")
	f.net.register(fs)
	fs.StringVar(&f.restart, "restart", "", "restart policy to record: no, on-failure[:N], always, unless-stopped")
	fs.StringArrayVarP(&f.env, "env", "e", nil, "set environment variable KEY=VALUE (KEY alone copies it from berth's environment)")
	fs.StringArrayVar(&f.envFiles, "env-file", nil, "read KEY=VALUE lines from a file (# comments and blank lines ignored)")
	fs.StringArrayVarP(&f.volumes, "volume", "v", nil, "mount HOST-DIR:CONTAINER-DIR, VOLUME:CONTAINER-DIR (created when missing) or an anonymous volume CONTAINER-DIR; [:OPTIONS] ro, rw, z, Z, U, nocopy, propagation like rshared")
	fs.StringArrayVar(&f.mounts, "mount", nil, "mount type=bind|volume|tmpfs|image,source=...,target=...[,readonly][,bind-propagation=...][,volume-nocopy][,tmpfs-size=...][,tmpfs-mode=...]")
	fs.StringArrayVar(&f.tmpfs, "tmpfs", nil, "mount a tmpfs on CONTAINER-DIR[:OPTIONS] (options: size=, mode=, uid=, gid=, ro, noexec, ...)")
	fs.StringArrayVar(&f.volumesFrom, "volumes-from", nil, "mount the volumes and binds of CONTAINER[:ro|rw] at the same places")
	fs.BoolVar(&f.readOnlyTmpfs, "read-only-tmpfs", true, "with --read-only, mount tmpfs on /run, /tmp and /var/tmp")
	fs.StringArrayVarP(&f.labels, "label", "l", nil, "set metadata label KEY=VALUE")
	fs.StringArrayVar(&f.annotations, "annotation", nil, "add an OCI annotation KEY=VALUE to the container's runtime spec")
	fs.StringArrayVar(&f.capAdd, "cap-add", nil, "add a Linux capability (CAP_NET_ADMIN or NET_ADMIN, ALL for every one)")
	fs.StringArrayVar(&f.capDrop, "cap-drop", nil, "drop a Linux capability (ALL drops every one)")
	fs.StringArrayVar(&f.securityOpts, "security-opt", nil, `security option: seccomp=unconfined, seccomp=/path/profile.json, no-new-privileges (label=disable and apparmor=unconfined are accepted: this host has neither)`)
	fs.StringArrayVar(&f.ulimits, "ulimit", nil, "set a resource limit TYPE=SOFT[:HARD] (e.g. nofile=1024:2048); default: berth's own limits, never raised")
	fs.IntVar(&f.oomScoreAdj, "oom-score-adj", 0, "the container's OOM-killer score adjustment, -1000 to 1000")
	f.limits.register(fs)
	f.health.register(fs)
	fs.BoolVar(&f.privileged, "privileged", false, "give the container all capabilities, all devices, no seccomp and no masked paths")
	fs.BoolVar(&f.readOnly, "read-only", false, "mount the container's root filesystem read-only (with tmpfs on /run, /tmp and /var/tmp)")
	fs.BoolVarP(&f.interactive, "interactive", "i", false, "keep the container's stdin open")
	fs.BoolVarP(&f.tty, "tty", "t", false, "give the container a pseudo-terminal")
	fs.BoolVar(&f.rm, "rm", false, "remove the container (and its logs) when it exits")
	fs.StringVar(&f.pod, "pod", "", "run the container in pod NAME (new:NAME creates the pod); it joins the namespaces the pod shares")
	fs.StringVar(&f.ipc, "ipc", "", "IPC namespace: private (default), shareable (others may join it), host, or container:NAME to join a shareable one (and its /dev/shm)")
	fs.StringVar(&f.pid, "pid", "", "PID namespace: private (default), host, or container:NAME to see that container's processes")
	fs.StringVar(&f.uts, "uts", "", "UTS namespace (hostname): private (default), host, or container:NAME")
	fs.StringVar(&f.userns, "userns", "", "user namespace: host (default) or container:NAME")
	fs.StringVar(&f.cgroupns, "cgroupns", "", "cgroup namespace: host (default), private, or container:NAME")
	fs.StringVar(&f.pull, "pull", "missing", "pull the image: missing (when not local), always, never, or newer (when the registry's differs; the local one if the registry cannot be reached)")
}

// toSpec builds the ContainerSpec for IMAGE [COMMAND [ARG...]].
func (f *createFlags) toSpec(cmd *cobra.Command, args []string) (engine.ContainerSpec, error) {
	cs := engine.ContainerSpec{
		Name: f.name, Image: args[0], Command: args[1:], WorkDir: f.workdir, User: f.user,
		Hostname: f.hostname, StopSignal: f.stopSignal,
		CapAdd: f.capAdd, CapDrop: f.capDrop, Privileged: f.privileged, ReadOnly: f.readOnly,
		Stdin: f.interactive, Terminal: f.tty, Remove: f.rm, PullPolicy: f.pull,
		VolumesFrom: f.volumesFrom, ReadOnlyNoTmpfs: !f.readOnlyTmpfs,
		Pod: f.pod, IPCMode: f.ipc, PIDMode: f.pid, UTSMode: f.uts, UserNSMode: f.userns, CgroupNSMode: f.cgroupns,
	}
	if cmd.Flags().Changed("entrypoint") {
		ep, err := parseEntrypoint(f.entrypoint)
		if err != nil {
			return cs, err
		}
		cs.Entrypoint, cs.EntrypointSet = ep, true
	}
	if cmd.Flags().Changed("stop-timeout") {
		t := f.stopTimeout
		cs.StopTimeout = &t
	}
	var err error
	if cs.Env, err = envList(f.envFiles, f.env); err != nil {
		return cs, err
	}
	if cs.Labels, err = keyValues("label", f.labels); err != nil {
		return cs, err
	}
	if cs.Annotations, err = keyValues("annotation", f.annotations); err != nil {
		return cs, err
	}
	if cs.Mounts, err = parseVolumes(f.volumes); err != nil {
		return cs, err
	}
	if cs.Mounts, err = parseMountFlags(cs.Mounts, f.mounts, f.tmpfs); err != nil {
		return cs, err
	}
	if cs.RestartPolicy, cs.RestartRetries, err = parseRestart(f.restart); err != nil {
		return cs, err
	}
	if err := applySecurityOpts(&cs, f.securityOpts); err != nil {
		return cs, err
	}
	if cs.Resources, err = f.limits.resources(cmd); err != nil {
		return cs, err
	}
	for _, u := range f.ulimits {
		ul, err := spec.ParseUlimit(u)
		if err != nil {
			return cs, cli.UsageError{Err: err}
		}
		cs.Ulimits = append(cs.Ulimits, ul)
	}
	if cs.Healthcheck, err = f.health.healthcheck(cmd); err != nil {
		return cs, err
	}
	if cmd.Flags().Changed("oom-score-adj") {
		adj := f.oomScoreAdj
		cs.OOMScoreAdj = &adj
	}
	if err := f.net.apply(&cs); err != nil {
		return cs, err
	}
	return cs, nil
}

// applySecurityOpts reads podman's --security-opt values (engine/spec
// parses them, shared with the Docker API).
func applySecurityOpts(cs *engine.ContainerSpec, opts []string) error {
	for _, o := range opts {
		if err := spec.ApplySecurityOpt(cs, o, filepath.Abs); err != nil {
			return cli.UsageError{Err: err}
		}
	}
	return nil
}

func usageErr(format string, a ...any) error {
	return cli.UsageError{Err: fmt.Errorf(format, a...)}
}

// parseEntrypoint accepts a JSON array or a plain command string (which,
// like podman, becomes a single argv element).
func parseEntrypoint(s string) ([]string, error) {
	if strings.HasPrefix(strings.TrimSpace(s), "[") {
		var ep []string
		if err := json.Unmarshal([]byte(s), &ep); err != nil {
			return nil, usageErr("invalid --entrypoint JSON array %q: %v", s, err)
		}
		return ep, nil
	}
	if s == "" {
		return []string{}, nil
	}
	return []string{s}, nil
}

// envList merges --env-file contents and then -e values, in that order.
func envList(files, vars []string) ([]string, error) {
	var out []string
	for _, file := range files {
		lines, err := readEnvFile(file)
		if err != nil {
			return nil, err
		}
		out = append(out, lines...)
	}
	for _, v := range vars {
		e, ok := envEntry(v)
		if ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// envEntry resolves KEY (from berth's own environment) or keeps KEY=VALUE.
func envEntry(v string) (string, bool) {
	if strings.Contains(v, "=") {
		return v, true
	}
	if val, ok := os.LookupEnv(v); ok {
		return v + "=" + val, true
	}
	return "", false
}

func readEnvFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageErr("reading --env-file: %v", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "=") {
			return nil, usageErr("%s:%d: variable name missing in %q", path, n, line)
		}
		if e, ok := envEntry(line); ok {
			out = append(out, e)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, usageErr("reading --env-file %s: %v", path, err)
	}
	return out, nil
}

func keyValues(what string, list []string) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(list))
	for _, kv := range list {
		k, v, _ := strings.Cut(kv, "=")
		if k == "" {
			return nil, usageErr("invalid %s %q: the key must not be empty", what, kv)
		}
		out[k] = v
	}
	return out, nil
}

// parseVolumes reads -v values (engine/spec parses them, shared with the
// Docker API); a relative bind source is relative to the working directory.
func parseVolumes(vols []string) ([]spec.Mount, error) {
	var out []spec.Mount
	for _, v := range vols {
		m, err := spec.ParseVolume(v)
		if err != nil {
			return nil, cli.UsageError{Err: err}
		}
		if m.Type == spec.MountBind {
			if m.Source, err = filepath.Abs(m.Source); err != nil {
				return nil, usageErr("invalid volume %q: %v", v, err)
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// parseRestart splits "on-failure:3" into policy and retries.
func parseRestart(s string) (string, uint, error) {
	if s == "" {
		return "", 0, nil
	}
	policy, n, hasN := strings.Cut(s, ":")
	if !hasN {
		return policy, 0, nil
	}
	if policy != spec.RestartOnFailure {
		return "", 0, usageErr("invalid --restart %q: only on-failure takes a retry count", s)
	}
	retries, err := strconv.ParseUint(n, 10, 32)
	if err != nil {
		return "", 0, usageErr("invalid --restart %q: retry count must be a number", s)
	}
	return policy, uint(retries), nil
}
