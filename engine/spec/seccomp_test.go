package spec

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

func TestSeccompChoices(t *testing.T) {
	profile := filepath.Join(t.TempDir(), "p.json")
	os.WriteFile(profile, []byte(`{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}`), 0o644)
	tests := []struct {
		name      string
		cs        ContainerSpec
		wantNil   bool
		wantArchs int
	}{
		{name: "default is native only", cs: ContainerSpec{}, wantArchs: 1},
		{name: "unconfined", cs: ContainerSpec{SeccompProfile: SeccompUnconfined}, wantNil: true},
		{name: "privileged", cs: ContainerSpec{Privileged: true}, wantNil: true},
		{name: "profile file", cs: ContainerSpec{SeccompProfile: profile}, wantArchs: 2},
		{name: "profile beats privileged", cs: ContainerSpec{SeccompProfile: profile, Privileged: true}, wantArchs: 2},
	}
	for _, tt := range tests {
		sc, err := seccompFor(&tt.cs, &rspec.Spec{Process: &rspec.Process{Capabilities: &rspec.LinuxCapabilities{}}})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if tt.wantNil != (sc == nil) {
			t.Errorf("%s: filter = %v, want nil %v", tt.name, sc, tt.wantNil)
			continue
		}
		if sc != nil && len(sc.Architectures) != tt.wantArchs {
			t.Errorf("%s: architectures %v, want %d", tt.name, sc.Architectures, tt.wantArchs)
		}
	}
	for _, p := range []string{"relative.json", "/no/such/profile.json"} {
		cs := ContainerSpec{Image: "x", SeccompProfile: p}
		if err := cs.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("Validate(seccomp=%s) = %v, want ErrInvalid", p, err)
		}
	}
}
