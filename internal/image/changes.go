package image

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// ApplyChanges applies Dockerfile-style instructions (--change of import
// and commit) to cfg: CMD, ENTRYPOINT (JSON array, or a shell string run
// by /bin/sh -c), ENV K=V (or "K V"), WORKDIR, LABEL K=V..., EXPOSE
// PORT[/PROTO]..., USER, VOLUME, STOPSIGNAL. "INSTRUCTION=VALUE" is
// accepted too, as podman does.
func ApplyChanges(cfg *v1.ImageConfig, changes []string) error {
	for _, ch := range changes {
		if err := applyChange(cfg, ch); err != nil {
			return fmt.Errorf("invalid change %q: %w", ch, err)
		}
	}
	return nil
}

func applyChange(cfg *v1.ImageConfig, ch string) error {
	ch = strings.TrimSpace(ch)
	instr, val, _ := strings.Cut(ch, " ")
	if i := strings.IndexByte(instr, '='); i > 0 && !strings.Contains(ch[:i], " ") {
		instr, val = ch[:i], ch[i+1:]
	}
	val = strings.TrimSpace(val)
	switch strings.ToUpper(instr) {
	case "CMD":
		cfg.Cmd = commandForm(val)
	case "ENTRYPOINT":
		cfg.Entrypoint = commandForm(val)
	case "ENV":
		k, v, ok := strings.Cut(val, "=")
		if !ok {
			k, v, ok = strings.Cut(val, " ")
		}
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return fmt.Errorf("ENV needs KEY=VALUE")
		}
		v = unquote(strings.TrimSpace(v))
		cfg.Env = slices.DeleteFunc(cfg.Env, func(e string) bool { return strings.HasPrefix(e, k+"=") })
		cfg.Env = append(cfg.Env, k+"="+v)
	case "WORKDIR":
		if val == "" {
			return fmt.Errorf("WORKDIR needs a path")
		}
		cfg.WorkingDir = val
	case "USER":
		if val == "" {
			return fmt.Errorf("USER needs a user")
		}
		cfg.User = val
	case "STOPSIGNAL":
		cfg.StopSignal = val
	case "LABEL":
		pairs, err := splitWords(val)
		if err != nil || len(pairs) == 0 {
			return fmt.Errorf("LABEL needs KEY=VALUE")
		}
		for _, p := range pairs {
			k, v, ok := strings.Cut(p, "=")
			if !ok || k == "" {
				return fmt.Errorf("LABEL needs KEY=VALUE, got %q", p)
			}
			if cfg.Labels == nil {
				cfg.Labels = map[string]string{}
			}
			cfg.Labels[k] = v
		}
	case "EXPOSE":
		ports := strings.Fields(val)
		if len(ports) == 0 {
			return fmt.Errorf("EXPOSE needs a port")
		}
		for _, p := range ports {
			if !strings.Contains(p, "/") {
				p += "/tcp"
			}
			if cfg.ExposedPorts == nil {
				cfg.ExposedPorts = map[string]struct{}{}
			}
			cfg.ExposedPorts[p] = struct{}{}
		}
	case "VOLUME":
		vols := commandFormJSON(val)
		if vols == nil {
			vols = strings.Fields(val)
		}
		for _, v := range vols {
			if cfg.Volumes == nil {
				cfg.Volumes = map[string]struct{}{}
			}
			cfg.Volumes[v] = struct{}{}
		}
	case "ONBUILD", "ARG", "HEALTHCHECK", "SHELL":
		return fmt.Errorf("%s is not supported by berth", strings.ToUpper(instr))
	default:
		return fmt.Errorf("unknown instruction %q (use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR)", instr)
	}
	return nil
}

// commandForm reads CMD/ENTRYPOINT: a JSON array is the exec form,
// anything else the shell form.
func commandForm(val string) []string {
	if a := commandFormJSON(val); a != nil {
		return a
	}
	if val == "" {
		return nil
	}
	return []string{"/bin/sh", "-c", val}
}

func commandFormJSON(val string) []string {
	var a []string
	if strings.HasPrefix(val, "[") && json.Unmarshal([]byte(val), &a) == nil {
		return a
	}
	return nil
}

// unquote strips one pair of matching quotes.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// splitWords splits on spaces outside quotes and removes the quotes.
func splitWords(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	var quote byte
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			cur.WriteByte(c)
		case c == '"' || c == '\'':
			quote, inWord = c, true
		case c == ' ' || c == '\t':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote")
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}
