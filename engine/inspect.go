package engine

import (
	"context"
	"path/filepath"
	"time"

	"github.com/berthproject/berth/engine/spec"
)

// InspectData is what `inspect` shows for a container. Field names follow
// podman's and docker's inspect output, so --format templates written for
// them ({{.State.Status}}, {{.Config.Env}}, ...) work unchanged.
type InspectData struct {
	ID              string            `json:"Id"`
	Created         time.Time         `json:"Created"`
	Path            string            `json:"Path"`
	Args            []string          `json:"Args"`
	State           InspectState      `json:"State"`
	Image           string            `json:"Image"`
	ImageName       string            `json:"ImageName"`
	Rootfs          string            `json:"Rootfs"`
	Pod             string            `json:"Pod"`
	ResolvConfPath  string            `json:"ResolvConfPath"`
	HostnamePath    string            `json:"HostnamePath"`
	HostsPath       string            `json:"HostsPath"`
	StaticDir       string            `json:"StaticDir"`
	OCIConfigPath   string            `json:"OCIConfigPath"`
	OCIRuntime      string            `json:"OCIRuntime"`
	ConmonPidFile   string            `json:"ConmonPidFile"`
	PidFile         string            `json:"PidFile"`
	LogPath         string            `json:"LogPath"`
	Name            string            `json:"Name"`
	RestartCount    int               `json:"RestartCount"`
	Driver          string            `json:"Driver"`
	MountLabel      string            `json:"MountLabel"`
	ProcessLabel    string            `json:"ProcessLabel"`
	AppArmorProfile string            `json:"AppArmorProfile"`
	ExecIDs         []string          `json:"ExecIDs"`
	Mounts          []InspectMount    `json:"Mounts"`
	Config          InspectConfig     `json:"Config"`
	HostConfig      InspectHostConfig `json:"HostConfig"`
	NetworkSettings NetworkSettings   `json:"NetworkSettings"`
}

// InspectState is the State block of inspect.
type InspectState struct {
	Status     string       `json:"Status"`
	Running    bool         `json:"Running"`
	Paused     bool         `json:"Paused"`
	Restarting bool         `json:"Restarting"`
	OOMKilled  bool         `json:"OOMKilled"`
	Dead       bool         `json:"Dead"`
	Pid        int          `json:"Pid"`
	ConmonPid  int          `json:"ConmonPid"`
	ExitCode   int          `json:"ExitCode"`
	Error      string       `json:"Error"`
	StartedAt  time.Time    `json:"StartedAt"`
	FinishedAt time.Time    `json:"FinishedAt"`
	Health     *HealthState `json:"Health,omitempty"`
}

// InspectMount is one entry of Mounts.
type InspectMount struct {
	Type        string   `json:"Type"`
	Name        string   `json:"Name,omitempty"`   // volumes
	Driver      string   `json:"Driver,omitempty"` // volumes
	Source      string   `json:"Source"`
	Destination string   `json:"Destination"`
	Options     []string `json:"Options"`
	RW          bool     `json:"RW"`
	Propagation string   `json:"Propagation"`
}

// InspectConfig is the Config block: what the container runs with.
type InspectConfig struct {
	Hostname    string            `json:"Hostname"`
	User        string            `json:"User"`
	Env         []string          `json:"Env"`
	Cmd         []string          `json:"Cmd"`
	Entrypoint  []string          `json:"Entrypoint"`
	Image       string            `json:"Image"`
	WorkingDir  string            `json:"WorkingDir"`
	Labels      map[string]string `json:"Labels"`
	Annotations map[string]string `json:"Annotations"`
	StopSignal  string            `json:"StopSignal"`
	StopTimeout uint              `json:"StopTimeout"`
	Tty         bool              `json:"Tty"`
	OpenStdin   bool              `json:"OpenStdin"`
}

// InspectHostConfig is the HostConfig block.
type InspectHostConfig struct {
	Binds          []string      `json:"Binds"`
	NetworkMode    string        `json:"NetworkMode"`
	RestartPolicy  RestartPolicy `json:"RestartPolicy"`
	AutoRemove     bool          `json:"AutoRemove"`
	CapAdd         []string      `json:"CapAdd"`
	CapDrop        []string      `json:"CapDrop"`
	Privileged     bool          `json:"Privileged"`
	ReadonlyRootfs bool          `json:"ReadonlyRootfs"`

	Memory            int64         `json:"Memory"`
	MemorySwap        int64         `json:"MemorySwap"`
	MemoryReservation int64         `json:"MemoryReservation"`
	NanoCpus          int64         `json:"NanoCpus"`
	CpuShares         uint64        `json:"CpuShares"`
	CpusetCpus        string        `json:"CpusetCpus"`
	CpusetMems        string        `json:"CpusetMems"`
	PidsLimit         int64         `json:"PidsLimit"`
	BlkioWeight       uint16        `json:"BlkioWeight"`
	OomKillDisable    bool          `json:"OomKillDisable"`
	OomScoreAdj       int           `json:"OomScoreAdj"`
	Ulimits           []spec.Ulimit `json:"Ulimits"`
}

// RestartPolicy is docker's restart policy shape.
type RestartPolicy struct {
	Name              string `json:"Name"`
	MaximumRetryCount uint   `json:"MaximumRetryCount"`
}

// DisplayStatus is the status word users see: podman shows a container
// that exists only in the database as "created".
func (s Status) DisplayStatus() string {
	if s == StatusConfigured {
		return string(StatusCreated)
	}
	return string(s)
}

// Inspect returns the container's inspect data, its state refreshed.
func (c *Container) Inspect(ctx context.Context) (*InspectData, error) {
	if err := c.peek(ctx); err != nil {
		return nil, err
	}
	cfg, st := c.config, c.state
	cs := &cfg.Spec
	img := cfg.ImageConfig
	entrypoint, cmd := spec.Command(cs, &img)
	args := append(append([]string{}, entrypoint...), cmd...)
	bundle := c.r.bundleDir(cfg.ID)
	d := &InspectData{
		ID:             cfg.ID,
		Created:        cfg.Created,
		Image:          cfg.ImageID,
		ImageName:      cfg.ImageName,
		Rootfs:         "",
		ResolvConfPath: filepath.Join(bundle, "resolv.conf"),
		HostnamePath:   filepath.Join(bundle, "hostname"),
		HostsPath:      filepath.Join(bundle, "hosts"),
		StaticDir:      c.r.dataDir(cfg),
		OCIConfigPath:  filepath.Join(bundle, "config.json"),
		ConmonPidFile:  c.conmonPidFile(),
		PidFile:        filepath.Join(bundle, "pidfile"),
		LogPath:        cfg.LogPath,
		Name:           cfg.Name,
		RestartCount:   st.RestartCount,
		Driver:         c.r.opts.StorageDriver,
		ExecIDs:        c.ExecIDs(ctx),
		Mounts:         c.inspectMounts(ctx),
		State: InspectState{
			Status:     st.Status.DisplayStatus(),
			Running:    st.Status == StatusRunning || st.Status == StatusStopping,
			Paused:     st.Status == StatusPaused,
			OOMKilled:  st.OOMKilled,
			Pid:        st.PID,
			ConmonPid:  st.ConmonPID,
			ExitCode:   st.ExitCode,
			Error:      st.Error,
			StartedAt:  st.StartedAt,
			FinishedAt: st.FinishedAt,
			Health:     st.Health,
		},
		Config: InspectConfig{
			Hostname:    spec.Hostname(cs, cfg.ID),
			User:        firstNonEmpty(cs.User, img.User),
			Env:         spec.MergeEnv(cs, &img, cfg.ID),
			Cmd:         cmd,
			Entrypoint:  entrypoint,
			Image:       cfg.ImageName,
			WorkingDir:  firstNonEmpty(cs.WorkDir, img.WorkingDir, "/"),
			Labels:      mergeLabels(img.Labels, cs.Labels),
			Annotations: cs.Annotations,
			StopSignal:  stopSignalName(cs, &img),
			Tty:         cs.Terminal,
			OpenStdin:   cs.Stdin,
		},
		HostConfig: InspectHostConfig{
			NetworkMode:    spec.NetworkModeOf(cs),
			RestartPolicy:  RestartPolicy{Name: cs.RestartPolicy, MaximumRetryCount: cs.RestartRetries},
			AutoRemove:     cs.Remove,
			CapAdd:         nonNil(cs.CapAdd),
			CapDrop:        nonNil(cs.CapDrop),
			Privileged:     cs.Privileged,
			ReadonlyRootfs: cs.ReadOnly,
			Binds:          binds(cs.Mounts),
		},
	}
	if len(args) > 0 {
		d.Path, d.Args = args[0], args[1:]
	}
	if d.Args == nil {
		d.Args = []string{}
	}
	if cs.StopTimeout != nil {
		d.Config.StopTimeout = *cs.StopTimeout
	}
	fillLimits(&d.HostConfig, cs)
	if rt, err := c.r.ociRuntime(ctx); err == nil {
		d.OCIRuntime = rt.Name()
	}
	d.NetworkSettings = c.networkSettings(ctx)
	return d, nil
}

func inspectMounts(ms []spec.Mount) []InspectMount {
	out := []InspectMount{}
	for _, m := range ms {
		im := InspectMount{Type: m.Type, Source: m.Source, Destination: m.Destination, RW: true, Propagation: "rprivate"}
		im.Options = append([]string{"rbind"}, m.Options...)
		for _, o := range m.Options {
			switch o {
			case "ro":
				im.RW = false
			case "shared", "slave", "private", "rshared", "rslave", "rprivate":
				im.Propagation = o
			}
		}
		out = append(out, im)
	}
	return out
}

func binds(ms []spec.Mount) []string {
	out := []string{}
	for _, m := range ms {
		b := m.Source + ":" + m.Destination
		for i, o := range m.Options {
			sep := ","
			if i == 0 {
				sep = ":"
			}
			b += sep + o
		}
		out = append(out, b)
	}
	return out
}

func stopSignalName(cs *spec.ContainerSpec, img *spec.ImageConfig) string {
	sig, err := spec.StopSignal(cs, img)
	if err != nil {
		return cs.StopSignal
	}
	return signalName(sig)
}

func mergeLabels(sets ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, s := range sets {
		for k, v := range s {
			out[k] = v
		}
	}
	return out
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Id lets docker-style templates ({{.Id}}) work beside podman's {{.ID}}.
func (d *InspectData) Id() string { return d.ID } //nolint:revive // docker's spelling, on purpose

// fillLimits shows the resource limits in docker's HostConfig fields.
func fillLimits(h *InspectHostConfig, cs *spec.ContainerSpec) {
	h.Ulimits = cs.Ulimits
	if h.Ulimits == nil {
		h.Ulimits = []spec.Ulimit{}
	}
	if cs.OOMScoreAdj != nil {
		h.OomScoreAdj = *cs.OOMScoreAdj
	}
	r := cs.Resources
	if r == nil {
		return
	}
	h.Memory, h.MemorySwap, h.MemoryReservation = r.Memory, r.MemorySwap, r.MemoryReservation
	h.NanoCpus = int64(r.CPUs * 1e9)
	h.CpuShares, h.CpusetCpus, h.CpusetMems = r.CPUShares, r.CPUSetCPUs, r.CPUSetMems
	h.PidsLimit, h.BlkioWeight, h.OomKillDisable = r.PidsLimit, r.BlkioWeight, r.OOMKillDisable
}
