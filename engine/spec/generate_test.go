package spec

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

const testID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func testEnv(t *testing.T) Env {
	t.Helper()
	return Env{
		ID:          testID,
		RootFS:      fakeRootfs(t),
		RunDir:      "/run/berth/ctr/" + testID,
		CgroupsPath: "/berth/" + testID,
	}
}

func generate(t *testing.T, cs *ContainerSpec, img *ImageConfig) *rspec.Spec {
	t.Helper()
	s, err := Generate(context.Background(), cs, img, testEnv(t))
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return s
}

func TestProcessArgs(t *testing.T) {
	img := &ImageConfig{Entrypoint: []string{"/entry", "-x"}, Cmd: []string{"serve"}}
	tests := []struct {
		name string
		cs   ContainerSpec
		img  *ImageConfig
		want []string
	}{
		{name: "image only", img: img, want: []string{"/entry", "-x", "serve"}},
		{name: "command replaces cmd", cs: ContainerSpec{Command: []string{"sh"}}, img: img, want: []string{"/entry", "-x", "sh"}},
		{name: "entrypoint drops image cmd", cs: ContainerSpec{Entrypoint: []string{"/bin/sh"}, EntrypointSet: true}, img: img, want: []string{"/bin/sh"}},
		{name: "entrypoint and command", cs: ContainerSpec{Entrypoint: []string{"/bin/sh"}, EntrypointSet: true, Command: []string{"-c", "true"}}, img: img, want: []string{"/bin/sh", "-c", "true"}},
		{name: "cleared entrypoint with command", cs: ContainerSpec{EntrypointSet: true, Command: []string{"ls"}}, img: img, want: []string{"ls"}},
		{name: "cleared entrypoint alone", cs: ContainerSpec{EntrypointSet: true}, img: img},
		{name: "cmd only image", img: &ImageConfig{Cmd: []string{"/bin/sh"}}, want: []string{"/bin/sh"}},
		{name: "cmd only image with command", cs: ContainerSpec{Command: []string{"true"}}, img: &ImageConfig{Cmd: []string{"/bin/sh"}}, want: []string{"true"}},
		{name: "nothing", img: &ImageConfig{}},
		{name: "empty first arg", cs: ContainerSpec{Command: []string{""}}, img: &ImageConfig{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := processArgs(&tt.cs, tt.img)
			if tt.want == nil {
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "no command specified") {
					t.Fatalf("got %q, %v; want no command specified", got, err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	// The image's slices must not be aliased.
	got, _ := processArgs(&ContainerSpec{}, img)
	got[0] = "changed"
	if img.Entrypoint[0] != "/entry" {
		t.Fatal("processArgs modified the image config")
	}
}

func TestMergeEnv(t *testing.T) {
	tests := []struct {
		name        string
		image, user []string
		terminal    bool
		want        []string
	}{
		{
			name: "defaults",
			want: []string{defaultPath, "HOSTNAME=h", "HOME=/root", "container=berth"},
		},
		{
			name:     "terminal",
			terminal: true,
			want:     []string{defaultPath, "HOSTNAME=h", "HOME=/root", "TERM=xterm", "container=berth"},
		},
		{
			name:  "image path kept, user overrides in place",
			image: []string{"PATH=/bin", "A=1", "B=2"},
			user:  []string{"A=x", "C=3"},
			want:  []string{"PATH=/bin", "A=x", "B=2", "C=3", "HOSTNAME=h", "HOME=/root", "container=berth"},
		},
		{
			name:     "user beats defaults",
			user:     []string{"HOME=/h", "HOSTNAME=x", "TERM=vt100", "container=other", "PATH=/p"},
			terminal: true,
			want:     []string{"HOME=/h", "HOSTNAME=x", "TERM=vt100", "container=other", "PATH=/p"},
		},
		{
			name:  "bare key unsets",
			image: []string{"A=1", "B=2"},
			user:  []string{"A", "Z"},
			want:  []string{"B=2", defaultPath, "HOSTNAME=h", "HOME=/root", "container=berth"},
		},
		{
			name:  "prefix keys are distinct",
			image: []string{"AB=1"},
			user:  []string{"A=2"},
			want:  []string{"AB=1", "A=2", defaultPath, "HOSTNAME=h", "HOME=/root", "container=berth"},
		},
		{
			name: "empty value and value with =",
			user: []string{"E=", "Q=a=b", "E=again"},
			want: []string{"E=again", "Q=a=b", defaultPath, "HOSTNAME=h", "HOME=/root", "container=berth"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mergeEnv(tt.image, tt.user, "h", "/root", tt.terminal)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestCapabilities(t *testing.T) {
	all := hostCaps()
	tests := []struct {
		name          string
		cs            ContainerSpec
		uid           uint32
		wantBounding  []string
		wantEffective []string
		wantAmbient   []string
	}{
		{name: "default root", wantBounding: defaultCaps, wantEffective: defaultCaps},
		{
			name:          "add and drop",
			cs:            ContainerSpec{CapAdd: []string{"net_admin", "CAP_SYS_ADMIN"}, CapDrop: []string{"chown", "CAP_KILL"}},
			wantBounding:  append(without(defaultCaps, "CAP_CHOWN", "CAP_KILL"), "CAP_NET_ADMIN", "CAP_SYS_ADMIN"),
			wantEffective: append(without(defaultCaps, "CAP_CHOWN", "CAP_KILL"), "CAP_NET_ADMIN", "CAP_SYS_ADMIN"),
		},
		{
			name:          "drop all add one",
			cs:            ContainerSpec{CapAdd: []string{"NET_RAW"}, CapDrop: []string{"ALL"}},
			wantBounding:  []string{"CAP_NET_RAW"},
			wantEffective: []string{"CAP_NET_RAW"},
		},
		{name: "drop all", cs: ContainerSpec{CapDrop: []string{"all"}}},
		{
			name:          "add all drop one",
			cs:            ContainerSpec{CapAdd: []string{"ALL"}, CapDrop: []string{"SYS_ADMIN"}},
			wantBounding:  without(all, "CAP_SYS_ADMIN"),
			wantEffective: without(all, "CAP_SYS_ADMIN"),
		},
		{
			name:          "drop and add same: add wins",
			cs:            ContainerSpec{CapAdd: []string{"CHOWN"}, CapDrop: []string{"CHOWN"}},
			wantBounding:  append(without(defaultCaps, "CAP_CHOWN"), "CAP_CHOWN"),
			wantEffective: append(without(defaultCaps, "CAP_CHOWN"), "CAP_CHOWN"),
		},
		{name: "privileged", cs: ContainerSpec{Privileged: true}, wantBounding: all, wantEffective: all},
		{name: "non-root", uid: 1000, wantBounding: defaultCaps},
		{
			name:          "non-root with add",
			uid:           1000,
			cs:            ContainerSpec{CapAdd: []string{"NET_BIND_SERVICE", "NET_ADMIN"}},
			wantBounding:  append(slices.Clone(defaultCaps), "CAP_NET_ADMIN"),
			wantEffective: []string{"CAP_NET_BIND_SERVICE", "CAP_NET_ADMIN"},
			wantAmbient:   []string{"CAP_NET_BIND_SERVICE", "CAP_NET_ADMIN"},
		},
		{
			name:          "non-root add dropped elsewhere stays out",
			uid:           1000,
			cs:            ContainerSpec{CapAdd: []string{"ALL"}, CapDrop: []string{"NET_ADMIN"}},
			wantBounding:  without(all, "CAP_NET_ADMIN"),
			wantEffective: without(all, "CAP_NET_ADMIN"),
			wantAmbient:   without(all, "CAP_NET_ADMIN"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := capabilities(&tt.cs, tt.uid)
			if err != nil {
				t.Fatal(err)
			}
			eq := func(what string, got, want []string) {
				if !slices.Equal(got, want) {
					t.Errorf("%s:\n got  %q\n want %q", what, got, want)
				}
			}
			eq("bounding", c.Bounding, tt.wantBounding)
			eq("effective", c.Effective, tt.wantEffective)
			eq("permitted", c.Permitted, tt.wantEffective)
			eq("ambient", c.Ambient, tt.wantAmbient)
			eq("inheritable", c.Inheritable, tt.wantAmbient)
		})
	}
	if _, err := capabilities(&ContainerSpec{CapAdd: []string{"BOGUS"}}, 0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("unknown cap: err = %v", err)
	}
}

func without(list []string, drop ...string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return slices.Contains(drop, s) })
}

func TestHostCapsMatchesBoundingSet(t *testing.T) {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		t.Skip("no /proc/sys/kernel/cap_last_cap")
	}
	last, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	var bnd uint64
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "CapBnd:"); ok {
			if bnd, err = strconv.ParseUint(strings.TrimSpace(v), 16, 64); err != nil {
				t.Fatal(err)
			}
		}
	}
	var want []string
	for i := 0; i <= last && i < len(capNames); i++ {
		if bnd&(1<<i) != 0 {
			want = append(want, capNames[i])
		}
	}
	if got := hostCaps(); !slices.Equal(got, want) {
		t.Fatalf("hostCaps() = %q\nwant %q", got, want)
	}
	// Asking for a capability we do not hold is a clear error, not a
	// failing runc start.
	for _, c := range capNames[:min(last+1, len(capNames))] {
		if !slices.Contains(want, c) {
			if _, err := capSet(false, []string{c}, nil); !errors.Is(err, ErrInvalid) {
				t.Errorf("cap-add %s (not held): err = %v", c, err)
			}
		}
	}
}

func mountAt(s *rspec.Spec, dest string) *rspec.Mount {
	for i := range s.Mounts {
		if s.Mounts[i].Destination == dest {
			return &s.Mounts[i]
		}
	}
	return nil
}

func hasNS(s *rspec.Spec, typ rspec.LinuxNamespaceType) (rspec.LinuxNamespace, bool) {
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == typ {
			return ns, true
		}
	}
	return rspec.LinuxNamespace{}, false
}

func TestGenerateDefaults(t *testing.T) {
	img := &ImageConfig{
		Cmd:        []string{"/bin/sh"},
		Env:        []string{"PATH=/img/bin", "LANG=C"},
		WorkingDir: "/srv",
		User:       "app",
	}
	cs := &ContainerSpec{Annotations: map[string]string{"a": "b"}}
	env := testEnv(t)
	env.NetNSPath = "/run/berth/netns/x"
	s, err := Generate(context.Background(), cs, img, env)
	if err != nil {
		t.Fatal(err)
	}
	p := s.Process
	if !slices.Equal(p.Args, []string{"/bin/sh"}) || p.Cwd != "/srv" || p.Terminal {
		t.Errorf("process = %+v", p)
	}
	if p.User.UID != 1000 || p.User.GID != 1000 || !slices.Equal(p.User.AdditionalGids, []uint32{10, 29, 100}) {
		t.Errorf("user = %+v", p.User)
	}
	wantEnv := []string{"PATH=/img/bin", "LANG=C", "HOSTNAME=0123456789ab", "HOME=/home/app", "container=berth"}
	if !slices.Equal(p.Env, wantEnv) {
		t.Errorf("env = %q, want %q", p.Env, wantEnv)
	}
	if s.Hostname != "0123456789ab" {
		t.Errorf("hostname = %q", s.Hostname)
	}
	if s.Root.Path != env.RootFS || s.Root.Readonly {
		t.Errorf("root = %+v", s.Root)
	}
	if s.Linux.CgroupsPath != "/berth/"+testID {
		t.Errorf("cgroupsPath = %q", s.Linux.CgroupsPath)
	}
	if s.Annotations["a"] != "b" {
		t.Errorf("annotations = %v", s.Annotations)
	}
	if p.NoNewPrivileges || p.OOMScoreAdj != nil {
		t.Errorf("noNewPrivileges/oomScoreAdj set: %+v", p)
	}
	// Non-root: no effective caps.
	if len(p.Capabilities.Effective) != 0 || !slices.Equal(p.Capabilities.Bounding, defaultCaps) {
		t.Errorf("caps = %+v", p.Capabilities)
	}
	for _, typ := range []rspec.LinuxNamespaceType{rspec.PIDNamespace, rspec.IPCNamespace, rspec.UTSNamespace, rspec.MountNamespace} {
		if ns, ok := hasNS(s, typ); !ok || ns.Path != "" {
			t.Errorf("namespace %s = %+v, %v", typ, ns, ok)
		}
	}
	if ns, ok := hasNS(s, rspec.NetworkNamespace); !ok || ns.Path != env.NetNSPath {
		t.Errorf("network namespace = %+v, %v", ns, ok)
	}
	if _, ok := hasNS(s, rspec.CgroupNamespace); ok {
		t.Error("cgroup namespace present")
	}
	if !slices.Equal(s.Linux.MaskedPaths, maskedPaths) || !slices.Equal(s.Linux.ReadonlyPaths, readonlyPaths) {
		t.Error("masked/readonly paths missing")
	}
	if s.Linux.Seccomp == nil || s.Linux.Seccomp.DefaultAction != rspec.ActErrno {
		t.Errorf("seccomp = %+v", s.Linux.Seccomp)
	}
	devs := s.Linux.Resources.Devices
	if len(devs) != 10 || devs[0].Allow || devs[0].Access != "rwm" {
		t.Errorf("devices = %+v", devs)
	}
	if d := devs[9]; !d.Allow || d.Type != "c" || *d.Major != 136 || d.Minor != nil {
		t.Errorf("pts rule = %+v", d)
	}
	for dest, typ := range map[string]string{
		"/proc": "proc", "/dev": "tmpfs", "/dev/pts": "devpts", "/dev/shm": "tmpfs",
		"/dev/mqueue": "mqueue", "/sys": "sysfs", "/sys/fs/cgroup": "cgroup",
		"/etc/hosts": "bind", "/etc/hostname": "bind", "/etc/resolv.conf": "bind", "/run/.containerenv": "bind",
	} {
		m := mountAt(s, dest)
		if m == nil || m.Type != typ {
			t.Errorf("mount %s = %+v, want type %s", dest, m, typ)
		}
	}
	if m := mountAt(s, "/etc/resolv.conf"); m.Source != filepath.Join(env.RunDir, "resolv.conf") {
		t.Errorf("resolv.conf source = %s", m.Source)
	}
	if m := mountAt(s, "/sys"); !slices.Contains(m.Options, "ro") {
		t.Errorf("/sys options = %q", m.Options)
	}
	if mountAt(s, "/tmp") != nil {
		t.Error("/tmp tmpfs without --read-only")
	}
}

func TestGenerateRootUserEnvAndTerminal(t *testing.T) {
	s := generate(t, &ContainerSpec{Terminal: true, Command: []string{"sh"}, Env: []string{"X=1"}}, nil)
	want := []string{"X=1", defaultPath, "HOSTNAME=0123456789ab", "HOME=/root", "TERM=xterm", "container=berth"}
	if !slices.Equal(s.Process.Env, want) || !s.Process.Terminal || s.Process.Cwd != "/" {
		t.Fatalf("env = %q, terminal %v, cwd %q", s.Process.Env, s.Process.Terminal, s.Process.Cwd)
	}
	if !slices.Equal(s.Process.Capabilities.Effective, defaultCaps) || len(s.Process.Capabilities.Inheritable) != 0 {
		t.Fatalf("root caps = %+v", s.Process.Capabilities)
	}
}

func TestGeneratePrivileged(t *testing.T) {
	s := generate(t, &ContainerSpec{Privileged: true, Command: []string{"sh"}}, nil)
	if s.Linux.Seccomp != nil || s.Linux.MaskedPaths != nil || s.Linux.ReadonlyPaths != nil {
		t.Error("privileged container has seccomp or masked/readonly paths")
	}
	if !slices.Equal(s.Process.Capabilities.Bounding, hostCaps()) || !slices.Equal(s.Process.Capabilities.Effective, hostCaps()) {
		t.Errorf("privileged caps = %q", s.Process.Capabilities.Bounding)
	}
	if d := s.Linux.Resources.Devices; len(d) != 1 || !d[0].Allow || d[0].Access != "rwm" {
		t.Errorf("devices = %+v", d)
	}
	for _, dest := range []string{"/sys", "/sys/fs/cgroup"} {
		if m := mountAt(s, dest); slices.Contains(m.Options, "ro") || !slices.Contains(m.Options, "rw") {
			t.Errorf("%s options = %q", dest, m.Options)
		}
	}
}

func TestGenerateSeccompFollowsCaps(t *testing.T) {
	// The default profile allows e.g. mount only with CAP_SYS_ADMIN.
	hasSyscall := func(s *rspec.Spec, name string) bool {
		for _, sc := range s.Linux.Seccomp.Syscalls {
			if sc.Action == rspec.ActAllow && slices.Contains(sc.Names, name) {
				return true
			}
		}
		return false
	}
	plain := generate(t, &ContainerSpec{Command: []string{"sh"}}, nil)
	admin := generate(t, &ContainerSpec{Command: []string{"sh"}, CapAdd: []string{"SYS_ADMIN"}}, nil)
	if hasSyscall(plain, "mount") || !hasSyscall(admin, "mount") {
		t.Fatalf("mount allowed: default %v, with SYS_ADMIN %v", hasSyscall(plain, "mount"), hasSyscall(admin, "mount"))
	}
}

func TestGenerateReadOnly(t *testing.T) {
	s := generate(t, &ContainerSpec{ReadOnly: true, Command: []string{"sh"}}, nil)
	if !s.Root.Readonly {
		t.Fatal("root not read-only")
	}
	for _, d := range []string{"/run", "/tmp", "/var/tmp"} {
		if m := mountAt(s, d); m == nil || m.Type != "tmpfs" {
			t.Errorf("%s = %+v, want tmpfs", d, m)
		}
	}
	// /run must come before /run/.containerenv.
	iRun := slices.IndexFunc(s.Mounts, func(m rspec.Mount) bool { return m.Destination == "/run" })
	iEnv := slices.IndexFunc(s.Mounts, func(m rspec.Mount) bool { return m.Destination == "/run/.containerenv" })
	if iRun > iEnv {
		t.Error("/run mounted after /run/.containerenv")
	}
}

func TestGenerateBinds(t *testing.T) {
	src := t.TempDir()
	file := filepath.Join(src, "hosts")
	writeFile(t, file, "1.2.3.4 x\n")
	tests := []struct {
		name     string
		m        Mount
		wantOpts []string
	}{
		{name: "defaults", m: Mount{Source: src, Destination: "/data"}, wantOpts: []string{"rbind", "rprivate"}},
		{name: "ro", m: Mount{Type: "bind", Source: src, Destination: "/data", Options: []string{"ro"}}, wantOpts: []string{"rbind", "rprivate", "ro"}},
		{name: "bind slave z", m: Mount{Source: src, Destination: "/data/", Options: []string{"z", "bind", "rslave", "nosuid", "rw"}}, wantOpts: []string{"bind", "rslave", "nosuid", "rw"}},
		{name: "Z shared noexec", m: Mount{Source: src, Destination: "/data", Options: []string{"Z", "shared", "noexec"}}, wantOpts: []string{"rbind", "shared", "noexec"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := generate(t, &ContainerSpec{Command: []string{"sh"}, Mounts: []Mount{tt.m}}, nil)
			m := mountAt(s, "/data")
			if m == nil || m.Type != "bind" || m.Source != src || !slices.Equal(m.Options, tt.wantOpts) {
				t.Fatalf("mount = %+v, want options %q", m, tt.wantOpts)
			}
		})
	}

	t.Run("user file replaces /etc/hosts", func(t *testing.T) {
		s := generate(t, &ContainerSpec{Command: []string{"sh"}, Mounts: []Mount{{Source: file, Destination: "/etc/hosts"}}}, nil)
		n := 0
		for _, m := range s.Mounts {
			if m.Destination == "/etc/hosts" {
				n++
				if m.Source != file {
					t.Errorf("/etc/hosts source = %s", m.Source)
				}
			}
		}
		if n != 1 {
			t.Errorf("%d mounts on /etc/hosts", n)
		}
	})

	t.Run("parents before children", func(t *testing.T) {
		s := generate(t, &ContainerSpec{Command: []string{"sh"}, Mounts: []Mount{
			{Source: src, Destination: "/a/b/c"},
			{Source: src, Destination: "/etc"},
			{Source: src, Destination: "/a"},
		}}, nil)
		idx := func(d string) int {
			return slices.IndexFunc(s.Mounts, func(m rspec.Mount) bool { return m.Destination == d })
		}
		if !(idx("/a") < idx("/a/b/c") && idx("/etc") < idx("/etc/hosts") && idx("/dev") < idx("/dev/pts") && idx("/sys") < idx("/sys/fs/cgroup")) {
			var order []string
			for _, m := range s.Mounts {
				order = append(order, m.Destination)
			}
			t.Fatalf("bad order %q", order)
		}
	})

	t.Run("missing source", func(t *testing.T) {
		missing := filepath.Join(src, "nope")
		_, err := Generate(context.Background(), &ContainerSpec{Command: []string{"sh"}, Mounts: []Mount{{Source: missing, Destination: "/x"}}}, nil, testEnv(t))
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "bind source path does not exist: "+missing) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestGenerateNetworkHost(t *testing.T) {
	host, _ := os.Hostname()
	s := generate(t, &ContainerSpec{NetworkMode: "host", Command: []string{"sh"}}, nil)
	if _, ok := hasNS(s, rspec.NetworkNamespace); ok {
		t.Error("network namespace with network host")
	}
	if _, ok := hasNS(s, rspec.UTSNamespace); ok || s.Hostname != "" {
		t.Errorf("uts namespace/hostname %q with network host", s.Hostname)
	}
	if !slices.Contains(s.Process.Env, "HOSTNAME="+host) {
		t.Errorf("env %q lacks host's hostname %q", s.Process.Env, host)
	}

	s = generate(t, &ContainerSpec{NetworkMode: "host", Hostname: "box", Command: []string{"sh"}}, nil)
	if _, ok := hasNS(s, rspec.UTSNamespace); !ok || s.Hostname != "box" {
		t.Errorf("explicit hostname with network host: uts %v, hostname %q", ok, s.Hostname)
	}
}

func TestGenerateRlimitsNeverRaised(t *testing.T) {
	s := generate(t, &ContainerSpec{Command: []string{"sh"}}, nil)
	res := map[string]int{"RLIMIT_NOFILE": unix.RLIMIT_NOFILE, "RLIMIT_NPROC": unix.RLIMIT_NPROC}
	if len(s.Process.Rlimits) != len(res) {
		t.Fatalf("rlimits = %+v", s.Process.Rlimits)
	}
	for _, l := range s.Process.Rlimits {
		var cur unix.Rlimit
		if err := unix.Getrlimit(res[l.Type], &cur); err != nil {
			t.Fatal(err)
		}
		if l.Hard > cur.Max || l.Soft > cur.Cur || l.Soft > l.Hard {
			t.Errorf("%s soft %d hard %d exceeds current soft %d hard %d", l.Type, l.Soft, l.Hard, cur.Cur, cur.Max)
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		cs   *ContainerSpec
		img  *ImageConfig
		want string
	}{
		{name: "no command", cs: &ContainerSpec{}, want: "no command specified"},
		{name: "relative image workdir", cs: &ContainerSpec{Command: []string{"sh"}}, img: &ImageConfig{WorkingDir: "app"}, want: "not an absolute path"},
		{name: "unknown image user", cs: &ContainerSpec{Command: []string{"sh"}}, img: &ImageConfig{User: "ghost"}, want: "unable to find user ghost"},
		{name: "unknown user beats image user", cs: &ContainerSpec{Command: []string{"sh"}, User: "ghost2"}, img: &ImageConfig{User: "app"}, want: "unable to find user ghost2"},
		{name: "invalid spec", cs: &ContainerSpec{Command: []string{"sh"}, CapAdd: []string{"FLY"}}, want: "unknown capability"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Generate(ctx, tt.cs, tt.img, testEnv(t))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrInvalid with %q", err, tt.want)
			}
		})
	}
	if _, err := Generate(ctx, &ContainerSpec{Command: []string{"sh"}}, nil, Env{}); err == nil {
		t.Error("empty Env accepted")
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Generate(cctx, &ContainerSpec{Command: []string{"sh"}}, nil, testEnv(t)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: err = %v", err)
	}
}

func TestStopSignal(t *testing.T) {
	tests := []struct {
		cs, img string
		want    unix.Signal
		err     bool
	}{
		{want: unix.SIGTERM},
		{img: "SIGQUIT", want: unix.SIGQUIT},
		{cs: "9", img: "SIGQUIT", want: unix.SIGKILL},
		{cs: "RTMIN+3", want: 37},
		{img: "bogus", err: true},
	}
	for _, tt := range tests {
		got, err := StopSignal(&ContainerSpec{StopSignal: tt.cs}, &ImageConfig{StopSignal: tt.img})
		if tt.err {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("StopSignal(%q, %q) err = %v, want ErrInvalid", tt.cs, tt.img, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("StopSignal(%q, %q) = %v, %v; want %v", tt.cs, tt.img, got, err, tt.want)
		}
	}
	if got, err := StopSignal(&ContainerSpec{}, nil); err != nil || got != unix.SIGTERM {
		t.Errorf("nil image: %v, %v", got, err)
	}
}
