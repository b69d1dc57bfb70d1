package spec

import (
	"errors"
	"testing"
)

func TestValidate(t *testing.T) {
	bind := func(src, dst string, opts ...string) Mount {
		return Mount{Type: "bind", Source: src, Destination: dst, Options: opts}
	}
	tests := []struct {
		name    string
		mod     func(*ContainerSpec)
		wantErr bool
	}{
		{name: "empty spec", mod: func(*ContainerSpec) {}},
		{name: "good name", mod: func(s *ContainerSpec) { s.Name = "web-1.a_b" }},
		{name: "bad name leading dash", mod: func(s *ContainerSpec) { s.Name = "-web" }, wantErr: true},
		{name: "bad name slash", mod: func(s *ContainerSpec) { s.Name = "a/b" }, wantErr: true},
		{name: "relative workdir", mod: func(s *ContainerSpec) { s.WorkDir = "app" }, wantErr: true},
		{name: "absolute workdir", mod: func(s *ContainerSpec) { s.WorkDir = "/app" }},
		{name: "user:group", mod: func(s *ContainerSpec) { s.User = "1000:1000" }},
		{name: "user empty group", mod: func(s *ContainerSpec) { s.User = "1000:" }, wantErr: true},
		{name: "user empty name", mod: func(s *ContainerSpec) { s.User = ":10" }, wantErr: true},
		{name: "user two colons", mod: func(s *ContainerSpec) { s.User = "a:b:c" }, wantErr: true},

		{name: "hostname ok", mod: func(s *ContainerSpec) { s.Hostname = "web-1.example.com" }},
		{name: "hostname underscore", mod: func(s *ContainerSpec) { s.Hostname = "web_1" }, wantErr: true},
		{name: "hostname leading dash", mod: func(s *ContainerSpec) { s.Hostname = "-web" }, wantErr: true},
		{name: "hostname empty label", mod: func(s *ContainerSpec) { s.Hostname = "a..b" }, wantErr: true},
		{name: "hostname 64", mod: func(s *ContainerSpec) { s.Hostname = rep("a", 60) + ".bcd" }},
		{name: "hostname 65", mod: func(s *ContainerSpec) { s.Hostname = rep("a", 60) + ".bcde" }, wantErr: true},
		{name: "hostname label 64", mod: func(s *ContainerSpec) { s.Hostname = rep("a", 64) }, wantErr: true},

		{name: "env ok", mod: func(s *ContainerSpec) { s.Env = []string{"A=1", "B=", "C"} }},
		{name: "env empty key", mod: func(s *ContainerSpec) { s.Env = []string{"=1"} }, wantErr: true},
		{name: "env empty entry", mod: func(s *ContainerSpec) { s.Env = []string{""} }, wantErr: true},
		{name: "env NUL", mod: func(s *ContainerSpec) { s.Env = []string{"A=a\x00b"} }, wantErr: true},
		{name: "label empty key", mod: func(s *ContainerSpec) { s.Labels = map[string]string{"": "x"} }, wantErr: true},
		{name: "label ok", mod: func(s *ContainerSpec) { s.Labels = map[string]string{"a": ""} }},
		{name: "annotation empty key", mod: func(s *ContainerSpec) { s.Annotations = map[string]string{" ": "x"} }, wantErr: true},

		{name: "stop signal name", mod: func(s *ContainerSpec) { s.StopSignal = "SIGQUIT" }},
		{name: "stop signal number", mod: func(s *ContainerSpec) { s.StopSignal = "3" }},
		{name: "stop signal rt", mod: func(s *ContainerSpec) { s.StopSignal = "RTMIN+3" }},
		{name: "stop signal bad", mod: func(s *ContainerSpec) { s.StopSignal = "SIGNOPE" }, wantErr: true},
		{name: "stop signal out of range", mod: func(s *ContainerSpec) { s.StopSignal = "99" }, wantErr: true},

		{name: "restart no", mod: func(s *ContainerSpec) { s.RestartPolicy = "no" }},
		{name: "restart always", mod: func(s *ContainerSpec) { s.RestartPolicy = "always" }},
		{name: "restart unless-stopped", mod: func(s *ContainerSpec) { s.RestartPolicy = "unless-stopped" }},
		{name: "restart on-failure retries", mod: func(s *ContainerSpec) { s.RestartPolicy = "on-failure"; s.RestartRetries = 3 }},
		{name: "restart retries without on-failure", mod: func(s *ContainerSpec) { s.RestartPolicy = "always"; s.RestartRetries = 3 }, wantErr: true},
		{name: "restart retries without policy", mod: func(s *ContainerSpec) { s.RestartRetries = 3 }, wantErr: true},
		{name: "restart bad", mod: func(s *ContainerSpec) { s.RestartPolicy = "sometimes" }, wantErr: true},
		{name: "restart with colon", mod: func(s *ContainerSpec) { s.RestartPolicy = "on-failure:3" }, wantErr: true},
		{name: "rm with restart", mod: func(s *ContainerSpec) { s.Remove = true; s.RestartPolicy = "always" }, wantErr: true},
		{name: "rm with restart no", mod: func(s *ContainerSpec) { s.Remove = true; s.RestartPolicy = "no" }},

		{name: "network none", mod: func(s *ContainerSpec) { s.NetworkMode = "none" }},
		{name: "network host", mod: func(s *ContainerSpec) { s.NetworkMode = "host" }},
		{name: "network bridge", mod: func(s *ContainerSpec) { s.NetworkMode = "bridge" }},
		{name: "network container", mod: func(s *ContainerSpec) { s.NetworkMode = "container:abc" }},
		{name: "network ns", mod: func(s *ContainerSpec) { s.NetworkMode = "ns:/run/netns/x" }},
		{name: "network unknown mode", mod: func(s *ContainerSpec) { s.NetworkMode = "slirp4netns" }, wantErr: true},
		{name: "network none with ports", mod: func(s *ContainerSpec) { s.NetworkMode = "none"; s.Ports = []string{"80"} }, wantErr: true},
		{name: "bad add-host", mod: func(s *ContainerSpec) { s.AddHosts = []string{"nohost"} }, wantErr: true},

		{name: "caps forms", mod: func(s *ContainerSpec) {
			s.CapAdd = []string{"NET_ADMIN", "cap_sys_admin", "Cap_Net_Raw", "ALL"}
			s.CapDrop = []string{"all", "chown"}
		}},
		{name: "cap add unknown", mod: func(s *ContainerSpec) { s.CapAdd = []string{"NET_FOO"} }, wantErr: true},
		{name: "cap drop unknown", mod: func(s *ContainerSpec) { s.CapDrop = []string{"CAP_"} }, wantErr: true},

		{name: "bind ok", mod: func(s *ContainerSpec) {
			s.Mounts = []Mount{bind("/src", "/dst", "ro", "Z", "rslave", "rbind", "nosuid", "nodev", "noexec")}
		}},
		{name: "bind no type", mod: func(s *ContainerSpec) { s.Mounts = []Mount{{Source: "/a", Destination: "/b"}} }},
		{name: "bind all flips", mod: func(s *ContainerSpec) {
			s.Mounts = []Mount{bind("/src", "/dst", "rw", "z", "shared", "bind", "suid", "dev", "exec")}
		}},
		{name: "bind relative dest", mod: func(s *ContainerSpec) { s.Mounts = []Mount{bind("/src", "dst")} }, wantErr: true},
		{name: "bind relative source", mod: func(s *ContainerSpec) { s.Mounts = []Mount{bind("src", "/dst")} }, wantErr: true},
		{name: "bind empty dest", mod: func(s *ContainerSpec) { s.Mounts = []Mount{bind("/src", "")} }, wantErr: true},
		{name: "bind unknown option", mod: func(s *ContainerSpec) { s.Mounts = []Mount{bind("/src", "/dst", "size=1m")} }, wantErr: true},
		{name: "bind ro rw", mod: func(s *ContainerSpec) { s.Mounts = []Mount{bind("/src", "/dst", "ro", "rw")} }, wantErr: true},
		{name: "bind two propagations", mod: func(s *ContainerSpec) { s.Mounts = []Mount{bind("/src", "/dst", "shared", "rprivate")} }, wantErr: true},
		{name: "bind repeated option", mod: func(s *ContainerSpec) { s.Mounts = []Mount{bind("/src", "/dst", "ro", "ro")} }},
		{name: "duplicate destination", mod: func(s *ContainerSpec) {
			s.Mounts = []Mount{bind("/a", "/dst"), bind("/b", "/dst/")}
		}, wantErr: true},
		{name: "volume type unsupported", mod: func(s *ContainerSpec) {
			s.Mounts = []Mount{{Type: "volume", Source: "/a", Destination: "/b"}}
		}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &ContainerSpec{Image: "busybox"}
			tt.mod(s)
			err := s.Validate()
			if tt.wantErr {
				if err == nil {
					t.Fatal("Validate() = nil, want error")
				}
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("error %v does not wrap ErrInvalid", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate() = %v", err)
			}
		})
	}
}

func rep(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}
