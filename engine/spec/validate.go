package spec

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/berthproject/berth/internal/signals"
)

// ErrInvalid is wrapped by every error that blames the user's configuration
// (bad flag values, unknown users, missing bind sources, no command).
var ErrInvalid = errors.New("invalid container configuration")

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// Restart policies (docker/podman vocabulary).
const (
	RestartNo            = "no"
	RestartOnFailure     = "on-failure"
	RestartAlways        = "always"
	RestartUnlessStopped = "unless-stopped"
)

// Network modes understood so far.
const (
	NetworkNone   = "none"
	NetworkHost   = "host"
	NetworkBridge = "bridge"
)

// maxHostname is the kernel's HOST_NAME_MAX.
const maxHostname = 64

// Mount option classes. Options in the same exclusive group contradict each
// other.
var mountOptGroups = [][]string{
	{"ro", "rw"},
	{"z", "Z"},
	{"shared", "slave", "private", "rshared", "rslave", "rprivate"},
	{"bind", "rbind"},
	{"nosuid", "suid"},
	{"nodev", "dev"},
	{"noexec", "exec"},
}

func mountOptGroup(opt string) int {
	for i, g := range mountOptGroups {
		if slices.Contains(g, opt) {
			return i
		}
	}
	return -1
}

// Validate checks everything that can be checked without the image and the
// host: syntax of names, mounts, capabilities, signals and policies. Every
// error wraps ErrInvalid.
func (s *ContainerSpec) Validate() error {
	if s.Name != "" && !validName(s.Name) {
		return invalidf("container name %q must match [a-zA-Z0-9][a-zA-Z0-9_.-]*", s.Name)
	}
	if s.WorkDir != "" && !path.IsAbs(s.WorkDir) {
		return invalidf("working directory %q is not an absolute path", s.WorkDir)
	}
	if err := validateUserSyntax(s.User); err != nil {
		return err
	}
	if s.Hostname != "" && !validHostname(s.Hostname) {
		return invalidf("invalid hostname %q: letters, digits, '-' and '.', labels of 1-63 characters not starting or ending with '-', at most %d characters", s.Hostname, maxHostname)
	}
	for _, e := range s.Env {
		if err := validateEnv(e); err != nil {
			return err
		}
	}
	for k := range s.Labels {
		if strings.TrimSpace(k) == "" {
			return invalidf("label with empty key")
		}
	}
	for k := range s.Annotations {
		if strings.TrimSpace(k) == "" {
			return invalidf("annotation with empty key")
		}
	}
	if err := validateSeccomp(s.SeccompProfile); err != nil {
		return err
	}
	if err := s.Resources.Validate(); err != nil {
		return err
	}
	if err := s.Healthcheck.validate(); err != nil {
		return err
	}
	if s.OOMScoreAdj != nil && (*s.OOMScoreAdj < -1000 || *s.OOMScoreAdj > 1000) {
		return invalidf("--oom-score-adj must be between -1000 and 1000")
	}
	if s.StopSignal != "" {
		if _, err := signals.Parse(s.StopSignal); err != nil {
			return invalidf("stop signal: %w", err)
		}
	}
	if err := s.validateRestart(); err != nil {
		return err
	}
	if err := s.validateNetwork(); err != nil {
		return err
	}
	if err := s.validateNamespaceModes(); err != nil {
		return err
	}
	if _, err := normalizeCaps(s.CapAdd); err != nil {
		return fmt.Errorf("cap-add: %w", err)
	}
	if _, err := normalizeCaps(s.CapDrop); err != nil {
		return fmt.Errorf("cap-drop: %w", err)
	}
	return validateMounts(s.Mounts)
}

func (s *ContainerSpec) validateRestart() error {
	switch s.RestartPolicy {
	case "", RestartNo, RestartAlways, RestartUnlessStopped:
		if s.RestartRetries != 0 {
			return invalidf("restart retries can only be used with restart policy %q", RestartOnFailure)
		}
	case RestartOnFailure:
	default:
		return invalidf("invalid restart policy %q (no, on-failure, always, unless-stopped)", s.RestartPolicy)
	}
	// --rm removes the container when it exits, which leaves nothing to
	// restart; docker and podman refuse the combination too.
	if s.Remove && s.RestartPolicy != "" && s.RestartPolicy != RestartNo {
		return invalidf("the --rm option conflicts with restart policy %q", s.RestartPolicy)
	}
	return nil
}

func validateEnv(e string) error {
	key, _, _ := strings.Cut(e, "=")
	if key == "" {
		return invalidf("environment variable %q has an empty name", e)
	}
	if strings.ContainsRune(e, 0) {
		return invalidf("environment variable %q contains a NUL byte", key)
	}
	return nil
}

func validateUserSyntax(u string) error {
	if u == "" {
		return nil
	}
	name, group, hasGroup := strings.Cut(u, ":")
	if name == "" || (hasGroup && group == "") || strings.Contains(group, ":") {
		return invalidf("invalid user %q: want user[:group]", u)
	}
	return nil
}

func validateMounts(mounts []Mount) error {
	seen := make(map[string]bool, len(mounts))
	for _, m := range mounts {
		if err := validateMountSource(m); err != nil {
			return err
		}
		if m.Destination == "" || !path.IsAbs(m.Destination) {
			return invalidf("mount destination %q must be an absolute path", m.Destination)
		}
		dest := path.Clean(m.Destination)
		if seen[dest] {
			return invalidf("duplicate mount destination %s", dest)
		}
		seen[dest] = true
		used := make([]string, len(mountOptGroups))
		for _, o := range m.Options {
			if extra, err := mountOptExtra(m, o); extra || err != nil {
				if err != nil {
					return err
				}
				continue
			}
			g := mountOptGroup(o)
			if g < 0 {
				return invalidf("mount %s: unknown option %q", dest, o)
			}
			if used[g] != "" && used[g] != o {
				return invalidf("mount %s: options %q and %q conflict", dest, used[g], o)
			}
			used[g] = o
		}
	}
	return nil
}

// validName follows the docker/podman container name rule
// [a-zA-Z0-9][a-zA-Z0-9_.-]*.
func validName(n string) bool {
	for i, r := range n {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case i > 0 && (r == '_' || r == '.' || r == '-'):
		default:
			return false
		}
	}
	return n != ""
}

// validHostname accepts RFC 1123 host names (dot-separated labels of
// letters, digits and hyphens, 1-63 characters each, no leading or trailing
// hyphen) that fit the kernel's 64-byte limit.
func validHostname(h string) bool {
	if h == "" || len(h) > maxHostname {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}
