package spec

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHostname(t *testing.T) {
	host, _ := os.Hostname()
	tests := []struct {
		cs   ContainerSpec
		id   string
		want string
	}{
		{id: testID, want: "0123456789ab"},
		{id: "short", want: "short"},
		{cs: ContainerSpec{Hostname: "box"}, id: testID, want: "box"},
		{cs: ContainerSpec{NetworkMode: "host"}, id: testID, want: host},
		{cs: ContainerSpec{NetworkMode: "host", Hostname: "box"}, id: testID, want: "box"},
	}
	for _, tt := range tests {
		if got := Hostname(&tt.cs, tt.id); got != tt.want {
			t.Errorf("Hostname(%+v, %q) = %q, want %q", tt.cs, tt.id, got, tt.want)
		}
	}
}

func TestRunFiles(t *testing.T) {
	dir := t.TempDir()
	hf := hostFiles{
		hosts:        filepath.Join(dir, "hosts"),
		resolvConf:   filepath.Join(dir, "resolv.conf"),
		resolvedConf: filepath.Join(dir, "resolved.conf"),
	}
	writeFile(t, hf.hosts, "127.0.0.1 localhost\n10.0.0.5 myhost")
	const localhosts = "127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n" +
		"::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n"

	tests := []struct {
		name             string
		cs               ContainerSpec
		resolv, resolved string
		wantHosts        string
		wantResolv       string
	}{
		{
			name:       "none keeps public nameservers, strips loopback",
			cs:         ContainerSpec{Name: "web"},
			resolv:     "# c\nsearch example.com\nnameserver 127.0.0.1\nnameserver 9.9.9.9\nnameserver ::1\noptions ndots:2",
			wantHosts:  localhosts + "127.0.1.1\t0123456789ab web\n",
			wantResolv: "# c\nsearch example.com\nnameserver 9.9.9.9\noptions ndots:2\n",
		},
		{
			name:       "systemd-resolved stub falls back to upstream list",
			cs:         ContainerSpec{Hostname: "box", Name: "box"},
			resolv:     "nameserver 127.0.0.53\noptions edns0\n",
			resolved:   "nameserver 192.168.1.1\nnameserver 127.0.0.1\n",
			wantHosts:  localhosts + "127.0.1.1\tbox\n",
			wantResolv: "nameserver 192.168.1.1\n",
		},
		{
			name:       "only loopback and no resolved: no nameserver lines",
			cs:         ContainerSpec{Name: "bad_host_name"},
			resolv:     "nameserver 127.0.0.1\nsearch lan\n",
			wantHosts:  localhosts + "127.0.1.1\t0123456789ab\n",
			wantResolv: "search lan\n",
		},
		{
			name:       "host network copies host files",
			cs:         ContainerSpec{NetworkMode: "host"},
			resolv:     "nameserver 127.0.0.53\n",
			resolved:   "nameserver 192.168.1.1\n",
			wantHosts:  "127.0.0.1 localhost\n10.0.0.5 myhost\n",
			wantResolv: "nameserver 127.0.0.53\n",
		},
		{
			name:       "host network with explicit hostname",
			cs:         ContainerSpec{NetworkMode: "host", Hostname: "box"},
			wantHosts:  "127.0.0.1 localhost\n10.0.0.5 myhost\n127.0.1.1\tbox\n",
			wantResolv: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(hf.resolvConf)
			os.Remove(hf.resolvedConf)
			if tt.resolv != "" {
				writeFile(t, hf.resolvConf, tt.resolv)
			}
			if tt.resolved != "" {
				writeFile(t, hf.resolvedConf, tt.resolved)
			}
			cs := tt.cs
			cs.Image = "docker.io/library/busybox:latest"
			files, err := runFiles(&cs, testID, "sha256:abc", "0.1.0", hf)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(files["hosts"]); got != tt.wantHosts {
				t.Errorf("hosts:\n%q\nwant\n%q", got, tt.wantHosts)
			}
			if got := string(files["resolv.conf"]); got != tt.wantResolv {
				t.Errorf("resolv.conf:\n%q\nwant\n%q", got, tt.wantResolv)
			}
			if got, want := string(files["hostname"]), Hostname(&cs, testID)+"\n"; got != want {
				t.Errorf("hostname = %q, want %q", got, want)
			}
			wantEnv := `engine="berth-0.1.0"` + "\n" +
				`name="` + cs.Name + `"` + "\n" +
				`id="` + testID + `"` + "\n" +
				`image="docker.io/library/busybox:latest"` + "\n" +
				`imageid="sha256:abc"` + "\n" +
				"rootless=0\n"
			if got := string(files[".containerenv"]); got != wantEnv {
				t.Errorf(".containerenv:\n%s\nwant\n%s", got, wantEnv)
			}
			if len(files) != len(runFileTargets) {
				t.Errorf("got %d files, want %d", len(files), len(runFileTargets))
			}
			for _, f := range runFileTargets {
				if _, ok := files[f.file]; !ok {
					t.Errorf("missing %s", f.file)
				}
			}
		})
	}
}

// The real host files are readable on any test machine.
func TestRunFilesHost(t *testing.T) {
	files, err := RunFiles(&ContainerSpec{Name: "x"}, testID, "id", "dev")
	if err != nil {
		t.Fatal(err)
	}
	if len(files["hosts"]) == 0 || string(files["hostname"]) != "0123456789ab\n" {
		t.Fatalf("files = %q", files)
	}
}
