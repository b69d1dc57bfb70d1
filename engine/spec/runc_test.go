package spec

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGeneratedSpecRunsWithRunc feeds generated specs to the real runc with
// a busybox rootfs: the spec is only right if a runtime accepts it.
func TestGeneratedSpecRunsWithRunc(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	runc, err := exec.LookPath("runc")
	if err != nil {
		t.Skip("runc not installed")
	}
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox not installed")
	}
	rootfs := t.TempDir()
	writeFile(t, filepath.Join(rootfs, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n")
	writeFile(t, filepath.Join(rootfs, "etc/group"), "root:x:0:\nwheel:x:10:app\n")
	bin, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(rootfs, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rootfs, "bin/busybox"), bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("busybox", filepath.Join(rootfs, "bin/sh")); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	writeFile(t, filepath.Join(data, "f"), "from-host\n")

	tests := []struct {
		name string
		cs   ContainerSpec
		want []string // substrings of the output
	}{
		{
			name: "default",
			cs:   ContainerSpec{Name: "web", Command: []string{"sh", "-c", "busybox id; busybox hostname; busybox cat /etc/hosts /run/.containerenv; echo $HOME"}},
			want: []string{"uid=0(root) gid=0(root)", "0123456789ab", "127.0.1.1\t0123456789ab web", `name="web"`, "/root"},
		},
		{
			name: "read-only with bind",
			cs: ContainerSpec{ReadOnly: true, Mounts: []Mount{{Source: data, Destination: "/data", Options: []string{"ro"}}},
				Command: []string{"sh", "-c", "busybox touch /x || echo root-ro; busybox touch /tmp/x && echo tmp-rw; busybox cat /data/f; busybox touch /data/g || echo data-ro"}},
			want: []string{"root-ro", "tmp-rw", "from-host", "data-ro"},
		},
		{
			name: "non-root with cap-add",
			cs:   ContainerSpec{User: "app", CapAdd: []string{"NET_RAW"}, Command: []string{"sh", "-c", "busybox id; busybox grep CapEff /proc/self/status"}},
			want: []string{"uid=1000(app) gid=1000 groups=10(wheel)", "CapEff:\t0000000000002000"},
		},
		{
			name: "privileged",
			cs:   ContainerSpec{Privileged: true, Command: []string{"sh", "-c", "busybox mount | busybox grep ' /sys '"}},
			want: []string{"sysfs on /sys type sysfs (rw"},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bundle := t.TempDir()
			runDir := filepath.Join(bundle, "run")
			if err := os.Mkdir(runDir, 0o755); err != nil {
				t.Fatal(err)
			}
			s, err := Generate(context.Background(), &tt.cs, nil, Env{ID: testID, RootFS: rootfs, RunDir: runDir})
			if err != nil {
				t.Fatal(err)
			}
			files, err := RunFiles(&tt.cs, testID, "img", "test")
			if err != nil {
				t.Fatal(err)
			}
			for name, b := range files {
				writeFile(t, filepath.Join(runDir, name), string(b))
			}
			cfg, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(bundle, "config.json"), string(cfg))

			state := t.TempDir()
			id := fmt.Sprintf("berth-spec-test-%d-%d", os.Getpid(), i)
			t.Cleanup(func() {
				_ = exec.Command(runc, "--root", state, "delete", "--force", id).Run()
			})
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, runc, "--root", state, "run", "--bundle", bundle, id).CombinedOutput()
			if err != nil {
				t.Fatalf("runc run: %v\n%s", err, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}
