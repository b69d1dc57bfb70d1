package api

import (
	"encoding/json"
	"net/http"
	"path"
	"reflect"
	"sort"
	"strings"

	"github.com/moby/moby/api/types/container"

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

// specFromCreate translates a create request.
func specFromCreate(name string, req *container.CreateRequest) (engine.ContainerSpec, error) {
	cfg := req.Config
	if cfg == nil {
		cfg = &container.Config{}
	}
	cs := engine.ContainerSpec{
		Name:  name,
		Image: cfg.Image,
		// docker's create never pulls: on a 404 the client pulls through
		// POST /images/create and creates again.
		PullPolicy: engine.PullNever,
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
	if cfg.Domainname != "" {
		return cs, badRequestf("Domainname is not supported by berth yet")
	}
	if h := cfg.Healthcheck; h != nil && len(h.Test) > 0 {
		if h.StartInterval != 0 {
			return cs, badRequestf("Healthcheck.StartInterval is not supported by berth yet")
		}
		cs.Healthcheck = &spec.Healthcheck{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout,
			StartPeriod: h.StartPeriod, Retries: h.Retries}
	}
	if cfg.NetworkDisabled {
		cs.NetworkMode = spec.NetworkNone
	}
	if req.HostConfig != nil {
		if err := applyHostConfig(&cs, req.HostConfig); err != nil {
			return cs, err
		}
	}
	if err := applyNetworkingConfig(&cs, req.HostConfig, req.NetworkingConfig); err != nil {
		return cs, err
	}
	// Config.Volumes are anonymous volumes, unless a bind or volume of the
	// HostConfig already covers the path (compose sends both).
	taken := map[string]bool{}
	for _, m := range cs.Mounts {
		taken[path.Clean(m.Destination)] = true
	}
	vols := make([]string, 0, len(cfg.Volumes))
	for dst := range cfg.Volumes {
		vols = append(vols, dst)
	}
	sort.Strings(vols)
	for _, dst := range vols {
		if !path.IsAbs(dst) {
			return cs, badRequestf("invalid volume %q in Config.Volumes: must be an absolute path", dst)
		}
		if !taken[path.Clean(dst)] {
			cs.Mounts = append(cs.Mounts, spec.Mount{Type: spec.MountVolume, Destination: dst})
		}
	}
	return cs, nil
}
