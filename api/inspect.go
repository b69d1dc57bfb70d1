package api

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	units "github.com/docker/go-units"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"

	"github.com/berthproject/berth/engine"
)

// Translations of engine data into docker's wire shapes.

// dockerTime formats a time as docker does; the zero time is
// "0001-01-01T00:00:00Z".
func dockerTime(t time.Time) string {
	if t.IsZero() {
		return "0001-01-01T00:00:00Z"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// imageID is docker's form of an image ID: "sha256:<hex>".
func imageID(id string) string {
	if id == "" || strings.HasPrefix(id, "sha256:") {
		return id
	}
	return "sha256:" + id
}

// dockerState maps the engine status to docker's state word: stopping is
// still running for docker, configured is created.
func dockerState(s engine.Status) container.ContainerState {
	switch s {
	case engine.StatusStopping:
		return container.StateRunning
	case engine.StatusConfigured:
		return container.StateCreated
	}
	return container.ContainerState(s)
}

// statusText is docker's human status column: "Up 2 minutes",
// "Exited (0) 3 seconds ago", "Created".
func statusText(e *engine.ListEntry, now time.Time) string {
	switch e.Status {
	case engine.StatusRunning, engine.StatusStopping:
		return "Up " + units.HumanDuration(now.Sub(e.StartedAt))
	case engine.StatusPaused:
		return "Up " + units.HumanDuration(now.Sub(e.StartedAt)) + " (Paused)"
	case engine.StatusExited:
		if e.FinishedAt.IsZero() {
			return fmt.Sprintf("Exited (%d)", e.ExitCode)
		}
		return fmt.Sprintf("Exited (%d) %s ago", e.ExitCode, units.HumanDuration(now.Sub(e.FinishedAt)))
	case engine.StatusRemoving:
		return "Removing"
	}
	return "Created"
}

func summary(e *engine.ListEntry, now time.Time) container.Summary {
	s := container.Summary{
		ID:         e.ID,
		Names:      []string{"/" + e.Name},
		Image:      e.Image,
		ImageID:    imageID(e.ImageID),
		Command:    strings.Join(e.Command, " "),
		Created:    e.Created.Unix(),
		Ports:      []container.PortSummary{},
		SizeRw:     e.SizeRw,
		SizeRootFs: e.SizeRootFs,
		Labels:     e.Labels,
		State:      dockerState(e.Status),
		Status:     statusText(e, now),
		NetworkSettings: &container.NetworkSettingsSummary{
			Networks: map[string]*network.EndpointSettings{},
		},
		Mounts: []container.MountPoint{},
	}
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	for _, m := range e.Mounts {
		s.Mounts = append(s.Mounts, container.MountPoint{Type: mount.TypeBind, Destination: m, RW: true})
	}
	for _, n := range e.Networks {
		s.NetworkSettings.Networks[n] = &network.EndpointSettings{}
	}
	s.Ports = portSummaries(e.Ports)
	return s
}

// portSummaries lists every published port once, as docker's container
// list does (a range is expanded).
func portSummaries(ports []engine.PortMapping) []container.PortSummary {
	out := []container.PortSummary{}
	for _, p := range ports {
		ip, err := netip.ParseAddr(p.HostAddr())
		if err != nil {
			ip = netip.IPv4Unspecified()
		}
		for i := uint16(0); i < max(p.Range, 1); i++ {
			out = append(out, container.PortSummary{IP: ip, PrivatePort: p.ContainerPort + i, PublicPort: p.HostPort + i, Type: p.Protocol})
		}
	}
	return out
}

// inspectResponse builds docker's container inspect document.
func inspectResponse(d *engine.InspectData) *container.InspectResponse {
	st := engine.Status(d.State.Status)
	out := &container.InspectResponse{
		ID:             d.ID,
		Created:        dockerTime(d.Created),
		Path:           d.Path,
		Args:           d.Args,
		Image:          imageID(d.Image),
		ResolvConfPath: d.ResolvConfPath,
		HostnamePath:   d.HostnamePath,
		HostsPath:      d.HostsPath,
		LogPath:        d.LogPath,
		Name:           "/" + d.Name,
		RestartCount:   d.RestartCount,
		Driver:         d.Driver,
		Platform:       "linux",
		ExecIDs:        d.ExecIDs,
		State: &container.State{
			Status:     dockerState(st),
			Running:    d.State.Running,
			Paused:     d.State.Paused,
			Restarting: d.State.Restarting,
			OOMKilled:  d.State.OOMKilled,
			Dead:       d.State.Dead,
			Pid:        d.State.Pid,
			ExitCode:   d.State.ExitCode,
			Error:      d.State.Error,
			StartedAt:  dockerTime(d.State.StartedAt),
			FinishedAt: dockerTime(d.State.FinishedAt),
		},
		Config: &container.Config{
			Hostname:     d.Config.Hostname,
			User:         d.Config.User,
			Env:          d.Config.Env,
			Cmd:          d.Config.Cmd,
			Entrypoint:   d.Config.Entrypoint,
			Image:        d.Config.Image,
			WorkingDir:   d.Config.WorkingDir,
			Labels:       d.Config.Labels,
			StopSignal:   d.Config.StopSignal,
			Tty:          d.Config.Tty,
			OpenStdin:    d.Config.OpenStdin,
			AttachStdout: true,
			AttachStderr: true,
		},
		HostConfig: &container.HostConfig{
			Binds:       d.HostConfig.Binds,
			NetworkMode: container.NetworkMode(d.HostConfig.NetworkMode),
			RestartPolicy: container.RestartPolicy{
				Name:              container.RestartPolicyMode(restartName(d.HostConfig.RestartPolicy.Name)),
				MaximumRetryCount: int(d.HostConfig.RestartPolicy.MaximumRetryCount),
			},
			AutoRemove:     d.HostConfig.AutoRemove,
			CapAdd:         d.HostConfig.CapAdd,
			CapDrop:        d.HostConfig.CapDrop,
			Privileged:     d.HostConfig.Privileged,
			ReadonlyRootfs: d.HostConfig.ReadonlyRootfs,
			// The logs endpoint serves berth's k8s-file logs; clients (the
			// Python SDK's run) only read logs from drivers they know.
			LogConfig:   container.LogConfig{Type: "json-file", Config: map[string]string{}},
			Annotations: d.Config.Annotations,
		},
		Mounts: []container.MountPoint{},
		NetworkSettings: &container.NetworkSettings{
			Networks: map[string]*network.EndpointSettings{},
		},
	}
	inspectExtras(out, d)
	st2 := int(d.Config.StopTimeout)
	out.Config.StopTimeout = &st2
	if out.Config.Labels == nil {
		out.Config.Labels = map[string]string{}
	}
	for _, m := range d.Mounts {
		out.Mounts = append(out.Mounts, container.MountPoint{
			Type:        mount.Type(m.Type),
			Source:      m.Source,
			Destination: m.Destination,
			Mode:        strings.Join(modeOptions(m.Options), ","),
			RW:          m.RW,
			Propagation: mount.Propagation(m.Propagation),
			Name:        m.Name,
			Driver:      m.Driver,
		})
	}
	return out
}

func restartName(n string) string {
	if n == "" {
		return "no"
	}
	return n
}

// modeOptions drops the options berth adds itself (rbind), leaving what
// the user asked for, as docker's Mode shows.
func modeOptions(opts []string) []string {
	var out []string
	for _, o := range opts {
		if o != "rbind" && o != "bind" {
			out = append(out, o)
		}
	}
	return out
}
