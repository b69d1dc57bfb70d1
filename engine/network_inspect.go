package engine

import (
	"context"
	"fmt"
	"strconv"
)

// NetworkSettings is the NetworkSettings block of container inspect, in
// docker's shape: the first network's address at the top, every network
// under Networks, published ports keyed "PORT/PROTO".
type NetworkSettings struct {
	SandboxKey  string                   `json:"SandboxKey"`
	IPAddress   string                   `json:"IPAddress"`
	IPPrefixLen int                      `json:"IPPrefixLen"`
	Gateway     string                   `json:"Gateway"`
	MacAddress  string                   `json:"MacAddress"`
	Ports       map[string][]PortBinding `json:"Ports"`
	Networks    map[string]EndpointInfo  `json:"Networks"`
}

// PortBinding is one host side of a published port.
type PortBinding struct {
	HostIP   string `json:"HostIp"`
	HostPort string `json:"HostPort"`
}

func (c *Container) networkSettings(ctx context.Context) NetworkSettings {
	ns := NetworkSettings{Ports: map[string][]PortBinding{}, Networks: map[string]EndpointInfo{}}
	info, err := c.NetworkInfo(ctx)
	if err != nil {
		return ns
	}
	ns.SandboxKey, ns.Networks = info.NetNS, info.Networks
	if atts, err := c.attachments(ctx); err == nil && len(atts) > 0 {
		if ep, ok := info.Networks[atts[0].Network]; ok {
			ns.IPAddress, ns.IPPrefixLen, ns.Gateway, ns.MacAddress = ep.IPAddress, ep.IPPrefixLen, ep.Gateway, ep.MacAddress
		}
		// Not running: the networks it will join, without addresses, as
		// docker and podman show them.
		if len(ns.Networks) == 0 {
			for _, a := range atts {
				ns.Networks[a.Network] = EndpointInfo{Aliases: a.Aliases}
			}
		}
	}
	for _, p := range info.Ports {
		for i := uint16(0); i < max(p.Range, 1); i++ {
			key := fmt.Sprintf("%d/%s", p.ContainerPort+i, p.Protocol)
			ns.Ports[key] = append(ns.Ports[key], PortBinding{HostIP: p.HostIP, HostPort: strconv.Itoa(int(p.HostPort + i))})
		}
	}
	return ns
}

// PublishedPorts returns the container's published ports with their host
// ports as bound at start (random ones resolved); empty when not running.
func (c *Container) PublishedPorts(ctx context.Context) ([]PortMapping, error) {
	info, err := c.NetworkInfo(ctx)
	return info.Ports, err
}
