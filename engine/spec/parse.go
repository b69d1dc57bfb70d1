package spec

import (
	"path/filepath"
	"strings"
)

// Parsers for the string forms the CLI's flags and the Docker API's create
// body share (-v / HostConfig.Binds, --security-opt / HostConfig.SecurityOpt),
// so both front ends read them the same way.

// ParseVolume reads HOST:CTR[:OPTS] (a bind: HOST is absolute or starts
// with "."), VOLUME:CTR[:OPTS] (a named volume) and CTR (an anonymous
// volume). A relative bind source is returned as written; the caller
// decides what it is relative to.
func ParseVolume(v string) (Mount, error) {
	parts := strings.Split(v, ":")
	if len(parts) == 1 && filepath.IsAbs(v) {
		return Mount{Type: MountVolume, Destination: v}, nil
	}
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return Mount{}, invalidf("invalid volume %q: want HOST-DIR:CONTAINER-DIR[:OPTIONS], VOLUME:CONTAINER-DIR[:OPTIONS] or CONTAINER-DIR", v)
	}
	m := Mount{Type: MountVolume, Source: parts[0], Destination: parts[1]}
	if filepath.IsAbs(m.Source) || strings.HasPrefix(m.Source, ".") {
		m.Type = MountBind
	}
	if len(parts) == 3 && parts[2] != "" {
		m.Options = strings.Split(parts[2], ",")
	}
	return m, nil
}

// ApplySecurityOpt reads one security option into cs: seccomp=unconfined
// or seccomp=PROFILE.json (also docker's old seccomp:PATH form),
// no-new-privileges[=true|false]; label=disable and apparmor=unconfined
// are accepted (this host has neither). abs makes a profile path
// absolute (or refuses a relative one).
func ApplySecurityOpt(cs *ContainerSpec, o string, abs func(string) (string, error)) error {
	k, v, _ := strings.Cut(o, "=")
	if k == "seccomp" && v == "" {
		k, v, _ = strings.Cut(o, ":")
	}
	switch {
	case k == "seccomp" && v == SeccompUnconfined:
		cs.SeccompProfile = v
	case k == "seccomp" && v != "":
		p, err := abs(v)
		if err != nil {
			return invalidf("invalid security option %q: %v", o, err)
		}
		cs.SeccompProfile = p
	case k == "no-new-privileges" && (v == "" || v == "true"):
		cs.NoNewPrivileges = true
	case k == "no-new-privileges" && v == "false":
		cs.NoNewPrivileges = false
	case o == "label=disable" || o == "apparmor=unconfined" || strings.HasPrefix(o, "label:disable"):
		// Neither SELinux nor AppArmor is active here: nothing to turn off.
	default:
		return invalidf("invalid security option %q: use seccomp=unconfined, seccomp=PROFILE.json or no-new-privileges", o)
	}
	return nil
}
