package api

import (
	"net/netip"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"

	"github.com/berthproject/berth/engine"
)

// inspectExtras fills the parts of docker's inspect document that came
// with volumes, networks and supervision: resource limits, health,
// networks and published ports.
func inspectExtras(out *container.InspectResponse, d *engine.InspectData) {
	hc, res := out.HostConfig, &out.HostConfig.Resources
	res.Memory, res.MemorySwap, res.MemoryReservation = d.HostConfig.Memory, d.HostConfig.MemorySwap, d.HostConfig.MemoryReservation
	res.NanoCPUs, res.CPUShares = d.HostConfig.NanoCpus, int64(d.HostConfig.CpuShares)
	res.CpusetCpus, res.CpusetMems, res.BlkioWeight = d.HostConfig.CpusetCpus, d.HostConfig.CpusetMems, d.HostConfig.BlkioWeight
	if d.HostConfig.PidsLimit != 0 {
		pl := d.HostConfig.PidsLimit
		res.PidsLimit = &pl
	}
	oom := d.HostConfig.OomKillDisable
	res.OomKillDisable = &oom
	for _, u := range d.HostConfig.Ulimits {
		res.Ulimits = append(res.Ulimits, &container.Ulimit{Name: u.Name, Soft: int64(u.Soft), Hard: int64(u.Hard)})
	}
	hc.OomScoreAdj = d.HostConfig.OomScoreAdj
	if h := d.State.Health; h != nil {
		dh := &container.Health{Status: container.HealthStatus(h.Status), FailingStreak: h.FailingStreak}
		for _, l := range h.Log {
			dh.Log = append(dh.Log, &container.HealthcheckResult{Start: l.Start, End: l.End, ExitCode: l.ExitCode, Output: l.Output})
		}
		out.State.Health = dh
	}
	ns := d.NetworkSettings
	out.NetworkSettings.SandboxKey = ns.SandboxKey
	out.NetworkSettings.Ports = network.PortMap{}
	for key, bs := range ns.Ports {
		p, err := network.ParsePort(key)
		if err != nil {
			continue
		}
		for _, b := range bs {
			pb := network.PortBinding{HostPort: b.HostPort}
			pb.HostIP, _ = netip.ParseAddr(b.HostIP)
			out.NetworkSettings.Ports[p] = append(out.NetworkSettings.Ports[p], pb)
		}
	}
	for name, ep := range ns.Networks {
		es := &network.EndpointSettings{NetworkID: ep.NetworkID, Aliases: ep.Aliases, IPPrefixLen: ep.IPPrefixLen}
		es.IPAddress, _ = netip.ParseAddr(ep.IPAddress)
		es.Gateway, _ = netip.ParseAddr(ep.Gateway)
		_ = es.MacAddress.UnmarshalText([]byte(ep.MacAddress))
		out.NetworkSettings.Networks[name] = es
	}
}
