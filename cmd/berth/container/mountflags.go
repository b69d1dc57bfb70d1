package container

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/berthproject/berth/engine/spec"
)

// parseMountFlags appends the --mount and --tmpfs mounts to ms.
func parseMountFlags(ms []spec.Mount, mounts, tmpfs []string) ([]spec.Mount, error) {
	for _, s := range mounts {
		m, err := parseMount(s)
		if err != nil {
			return nil, err
		}
		ms = append(ms, m)
	}
	for _, s := range tmpfs {
		dst, opts, _ := strings.Cut(s, ":")
		if dst == "" {
			return nil, usageErr("invalid --tmpfs %q: want CONTAINER-DIR[:OPTIONS]", s)
		}
		m := spec.Mount{Type: spec.MountTmpfs, Destination: dst}
		if opts != "" {
			m.Options = strings.Split(opts, ",")
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// parseMount reads one --mount: comma-separated KEY[=VALUE] fields with
// docker's and podman's key names. The type defaults to volume, as in
// docker.
func parseMount(s string) (spec.Mount, error) {
	m := spec.Mount{Type: spec.MountVolume}
	bad := func(format string, a ...any) (spec.Mount, error) {
		return spec.Mount{}, usageErr("invalid --mount %q: "+format, append([]any{s}, a...)...)
	}
	var opts []string
	for _, field := range strings.Split(s, ",") {
		k, v, hasV := strings.Cut(strings.TrimSpace(field), "=")
		flag := func() (bool, error) {
			if !hasV {
				return true, nil
			}
			return strconv.ParseBool(v)
		}
		switch k {
		case "":
			continue
		case "type":
			m.Type = v
		case "source", "src":
			m.Source = v
		case "target", "destination", "dst":
			m.Destination = v
		case "readonly", "ro":
			on, err := flag()
			if err != nil {
				return bad("%s takes true or false", k)
			}
			if on {
				opts = append(opts, "ro")
			}
		case "rw":
			on, err := flag()
			if err != nil {
				return bad("rw takes true or false")
			}
			if !on {
				opts = append(opts, "ro")
			}
		case "bind-propagation":
			opts = append(opts, v)
		case "bind-nonrecursive":
			opts = append(opts, "bind")
		case "relabel":
			switch v {
			case "shared":
				opts = append(opts, "z")
			case "private":
				opts = append(opts, "Z")
			default:
				return bad("relabel takes shared or private")
			}
		case "consistency":
			// docker for Mac's knob; meaningless on Linux, accepted.
		case "volume-nocopy", "nocopy":
			on, err := flag()
			if err != nil {
				return bad("%s takes true or false", k)
			}
			if on {
				opts = append(opts, "nocopy")
			}
		case "U", "chown":
			on, err := flag()
			if err != nil {
				return bad("%s takes true or false", k)
			}
			if on {
				opts = append(opts, "U")
			}
		case "tmpfs-size":
			opts = append(opts, "size="+v)
		case "tmpfs-mode":
			opts = append(opts, "mode="+v)
		case "tmpcopyup", "notmpcopyup":
			opts = append(opts, k)
		default:
			return bad("unknown key %q", k)
		}
	}
	if m.Destination == "" {
		return bad("target= is required")
	}
	switch m.Type {
	case spec.MountBind:
		if m.Source == "" {
			return bad("a bind mount needs source=HOST-PATH")
		}
		abs, err := filepath.Abs(m.Source)
		if err != nil {
			return bad("%v", err)
		}
		m.Source = abs
	case spec.MountVolume, spec.MountImage:
	case spec.MountTmpfs:
		if m.Source != "" {
			return bad("a tmpfs mount takes no source")
		}
	default:
		return bad("unknown type %q (bind, volume, tmpfs, image)", m.Type)
	}
	m.Options = opts
	return m, nil
}
