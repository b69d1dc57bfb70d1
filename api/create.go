package api

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"

	"github.com/berthproject/berth/engine"
	"github.com/berthproject/berth/engine/spec"
)

// POST /containers/create?name=NAME: the body is a container.CreateRequest
// (Config with HostConfig and NetworkingConfig), translated into the same
// engine.ContainerSpec that `berth create` fills from its flags.
func (s *Server) createContainer(w http.ResponseWriter, r *http.Request) error {
	var raw map[string]json.RawMessage
	var req container.CreateRequest
	if err := decodeJSON(w, r, &raw); err != nil {
		return err
	}
	if raw == nil {
		return badRequestf("config cannot be empty in order to create a container")
	}
	if err := checkUnknownFields(raw); err != nil {
		return err
	}
	// Re-decode the checked document into the wire type.
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &req); err != nil {
		return badRequestf("invalid JSON in request body: %v", err)
	}
	cs, err := specFromCreate(strings.TrimPrefix(r.URL.Query().Get("name"), "/"), &req)
	if err != nil {
		return err
	}
	if p := r.URL.Query().Get("platform"); p != "" && p != "linux" && !strings.HasPrefix(p, "linux/") {
		return badRequestf("platform %q is not supported: this host runs linux containers", p)
	}
	c, err := s.rt.NewContainer(r.Context(), cs)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, container.CreateResponse{ID: c.ID(), Warnings: []string{}})
}

// createTopLevel are the keys a create body may hold: Config's fields
// (it is embedded) plus HostConfig and NetworkingConfig.
var createTopLevel = func() map[string]bool {
	m := jsonFieldNames(reflect.TypeOf(container.Config{}))
	m["HostConfig"], m["NetworkingConfig"] = true, true
	return m
}

// checkUnknownFields rejects keys the API does not define, unless their
// value is null (some clients send every key they know, mostly null).
func checkUnknownFields(raw map[string]json.RawMessage) error {
	known := createTopLevel()
	var unknown []string
	for k, v := range raw {
		if !known[k] && string(v) != "null" {
			unknown = append(unknown, k)
		}
	}
	if hc, ok := raw["HostConfig"]; ok && string(hc) != "null" {
		var hcm map[string]json.RawMessage
		if err := json.Unmarshal(hc, &hcm); err != nil {
			return badRequestf("invalid HostConfig: %v", err)
		}
		hk := jsonFieldNames(reflect.TypeOf(container.HostConfig{}))
		for k, v := range hcm {
			if !hk[k] && string(v) != "null" {
				unknown = append(unknown, "HostConfig."+k)
			}
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return badRequestf("unknown field(s) in container config: %s", strings.Join(unknown, ", "))
	}
	return nil
}

// jsonFieldNames lists the JSON keys of a struct type, embedded structs
// flattened, as encoding/json matches them.
func jsonFieldNames(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			for k := range jsonFieldNames(ft) {
				out[k] = true
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = true
	}
	return out
}

// hostConfigSupported are the HostConfig fields berth honours (or that are
// client-side only); any other field with a non-zero value is refused
// rather than silently ignored.
var hostConfigSupported = map[string]bool{
	"Binds": true, "NetworkMode": true, "RestartPolicy": true, "AutoRemove": true,
	"CapAdd": true, "CapDrop": true, "Privileged": true, "ReadonlyRootfs": true,
	"SecurityOpt": true, "Annotations": true, "ConsoleSize": true, "LogConfig": true,
	"Mounts": true, "ContainerIDFile": true, "Resources": true, "Init": true,
}

// specFromCreate translates a create request.
func specFromCreate(name string, req *container.CreateRequest) (engine.ContainerSpec, error) {
	cfg := req.Config
	if cfg == nil {
		cfg = &container.Config{}
	}
	cs := engine.ContainerSpec{
		Name:       name,
		Image:      cfg.Image,
		Command:    cfg.Cmd,
		Env:        cfg.Env,
		WorkDir:    cfg.WorkingDir,
		User:       cfg.User,
		Hostname:   cfg.Hostname,
		Labels:     cfg.Labels,
		StopSignal: cfg.StopSignal,
		Terminal:   cfg.Tty,
		Stdin:      cfg.OpenStdin,
		StdinOnce:  cfg.StdinOnce,
	}
	if cfg.Image == "" {
		return cs, badRequestf("config has no Image")
	}
	if cfg.Entrypoint != nil {
		cs.EntrypointSet = true
		if !(len(cfg.Entrypoint) == 1 && cfg.Entrypoint[0] == "") {
			cs.Entrypoint = cfg.Entrypoint
		}
	}
	if cfg.StopTimeout != nil {
		if *cfg.StopTimeout < 0 {
			return cs, badRequestf("invalid StopTimeout %d: must not be negative", *cfg.StopTimeout)
		}
		t := uint(*cfg.StopTimeout)
		cs.StopTimeout = &t
	}
	switch {
	case cfg.Domainname != "":
		return cs, badRequestf("Domainname is not supported by berth yet")
	case cfg.Healthcheck != nil && len(cfg.Healthcheck.Test) > 0:
		return cs, badRequestf("Healthcheck is not supported by berth yet")
	case len(cfg.Volumes) > 0:
		return cs, badRequestf("anonymous volumes (Config.Volumes) are not supported by berth yet")
	}
	if cfg.NetworkDisabled {
		cs.NetworkMode = "none"
	}
	if req.HostConfig != nil {
		if err := applyHostConfig(&cs, req.HostConfig); err != nil {
			return cs, err
		}
	}
	if nc := req.NetworkingConfig; nc != nil {
		for net, ep := range nc.EndpointsConfig {
			if net != cs.NetworkMode && ep != nil && !reflect.ValueOf(*ep).IsZero() {
				return cs, badRequestf("NetworkingConfig for network %q is not supported by berth yet", net)
			}
		}
	}
	return cs, nil
}

func applyHostConfig(cs *engine.ContainerSpec, hc *container.HostConfig) error {
	if f := firstUnsupported(reflect.ValueOf(*hc), hostConfigSupported); f != "" {
		return badRequestf("HostConfig.%s is not supported by berth yet", f)
	}
	res := hc.Resources
	// Values clients send to mean "the default".
	if res.MemorySwappiness != nil && *res.MemorySwappiness == -1 {
		res.MemorySwappiness = nil
	}
	if res.PidsLimit != nil && *res.PidsLimit <= 0 {
		res.PidsLimit = nil
	}
	if f := firstUnsupported(reflect.ValueOf(res), nil); f != "" {
		return badRequestf("HostConfig.%s (resource limits) is not supported by berth yet", f)
	}
	if hc.Init != nil && *hc.Init {
		return badRequestf("HostConfig.Init is not supported by berth yet")
	}
	cs.Remove = hc.AutoRemove
	cs.Privileged = hc.Privileged
	cs.CapAdd, cs.CapDrop = hc.CapAdd, hc.CapDrop
	cs.ReadOnly = hc.ReadonlyRootfs
	cs.Annotations = hc.Annotations
	switch p := string(hc.RestartPolicy.Name); p {
	case "", "no":
	default:
		cs.RestartPolicy = p
		if hc.RestartPolicy.MaximumRetryCount < 0 {
			return badRequestf("invalid RestartPolicy.MaximumRetryCount %d", hc.RestartPolicy.MaximumRetryCount)
		}
		cs.RestartRetries = uint(hc.RestartPolicy.MaximumRetryCount)
	}
	switch m := string(hc.NetworkMode); m {
	case "", "default", "bridge":
		// The engine's default network; until networking lands that is
		// no network at all, as for `berth run` without --network.
	case "none", "host":
		cs.NetworkMode = m
	default:
		return badRequestf("network mode %q is not supported by berth yet (use none or host)", m)
	}
	for _, b := range hc.Binds {
		m, err := parseBind(b)
		if err != nil {
			return err
		}
		cs.Mounts = append(cs.Mounts, m)
	}
	for _, m := range hc.Mounts {
		sm, err := fromMount(m)
		if err != nil {
			return err
		}
		cs.Mounts = append(cs.Mounts, sm)
	}
	for _, o := range hc.SecurityOpt {
		if err := applySecurityOpt(cs, o); err != nil {
			return err
		}
	}
	return nil
}

// firstUnsupported returns the name of the first field of struct v that
// is not in ok and holds a non-zero value (a pointer to a zero value and
// an empty slice or map count as zero).
func firstUnsupported(v reflect.Value, ok map[string]bool) string {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if ok[f.Name] || (f.Anonymous && ok[f.Type.Name()]) {
			continue
		}
		if !isZeroish(v.Field(i)) {
			return f.Name
		}
	}
	return ""
}

func isZeroish(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return v.IsNil() || isZeroish(v.Elem())
	case reflect.Slice, reflect.Map:
		return v.Len() == 0
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if !isZeroish(v.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if !isZeroish(v.Field(i)) {
				return false
			}
		}
		return true
	}
	return v.IsZero()
}

// parseBind reads docker's Binds entry HOST:CONTAINER[:OPTIONS]. Named
// volumes are not available yet.
func parseBind(b string) (spec.Mount, error) {
	parts := strings.Split(b, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return spec.Mount{}, badRequestf("invalid bind %q: want HOST-DIR:CONTAINER-DIR[:OPTIONS]", b)
	}
	if !filepath.IsAbs(parts[0]) {
		return spec.Mount{}, badRequestf("invalid bind %q: named volumes are not supported by berth yet; give an absolute host path", b)
	}
	m := spec.Mount{Type: "bind", Source: filepath.Clean(parts[0]), Destination: parts[1]}
	if len(parts) == 3 && parts[2] != "" {
		m.Options = strings.Split(parts[2], ",")
	}
	return m, nil
}

// fromMount translates a HostConfig.Mounts entry (docker run --mount).
func fromMount(m mount.Mount) (spec.Mount, error) {
	if m.Type != mount.TypeBind {
		return spec.Mount{}, badRequestf("mount type %q is not supported by berth yet (use bind)", m.Type)
	}
	if !filepath.IsAbs(m.Source) {
		return spec.Mount{}, badRequestf("invalid bind mount source %q: must be an absolute path", m.Source)
	}
	sm := spec.Mount{Type: "bind", Source: filepath.Clean(m.Source), Destination: m.Target}
	if m.ReadOnly {
		sm.Options = append(sm.Options, "ro")
	}
	if m.BindOptions != nil && m.BindOptions.Propagation != "" {
		sm.Options = append(sm.Options, string(m.BindOptions.Propagation))
	}
	return sm, nil
}

// applySecurityOpt reads one SecurityOpt entry: seccomp=unconfined or a
// profile path, no-new-privileges; label=disable and apparmor=unconfined
// are accepted (this host has neither).
func applySecurityOpt(cs *engine.ContainerSpec, o string) error {
	k, v, _ := strings.Cut(o, "=")
	if k == "seccomp" && v == "" {
		k, v, _ = strings.Cut(o, ":")
	}
	switch {
	case k == "seccomp" && v == spec.SeccompUnconfined:
		cs.SeccompProfile = v
	case k == "seccomp" && filepath.IsAbs(v):
		cs.SeccompProfile = v
	case k == "seccomp":
		return badRequestf("invalid SecurityOpt %q: a seccomp profile must be given as an absolute path on the host", o)
	case k == "no-new-privileges" && (v == "" || v == "true"):
		cs.NoNewPrivileges = true
	case k == "no-new-privileges" && v == "false":
	case o == "label=disable" || o == "apparmor=unconfined" || strings.HasPrefix(o, "label:disable"):
	default:
		return badRequestf("invalid SecurityOpt %q: use seccomp=unconfined, seccomp=PROFILE.json or no-new-privileges", o)
	}
	return nil
}
