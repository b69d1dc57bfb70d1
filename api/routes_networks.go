package api

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/moby/moby/api/types/network"

	"github.com/berthproject/berth/engine"
)

func (s *Server) networkRoutes() {
	s.handle("GET /networks", s.listNetworks)
	s.handle("POST /networks/create", s.createNetwork)
	s.handle("POST /networks/prune", s.pruneNetworks)
	s.handle("GET /networks/{id}", s.inspectNetwork)
	s.handle("DELETE /networks/{id}", s.removeNetwork)
	s.handle("POST /networks/{id}/connect", s.connectNetwork)
	s.handle("POST /networks/{id}/disconnect", s.disconnectNetwork)
}

// networkResp is docker's shape of a network.
func networkResp(n *engine.Network) network.Network {
	out := network.Network{
		Name: n.Name, ID: n.ID, Created: n.Created, Scope: "local", Driver: n.Driver,
		EnableIPv4: true, EnableIPv6: n.IPv6, Internal: n.Internal,
		IPAM:    network.IPAM{Driver: "default", Options: map[string]string{}, Config: []network.IPAMConfig{}},
		Options: n.Options, Labels: n.Labels,
	}
	if out.Options == nil {
		out.Options = map[string]string{}
	}
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	for _, sn := range n.Subnets {
		var c network.IPAMConfig
		c.Subnet, _ = netip.ParsePrefix(sn.Subnet)
		c.Gateway, _ = netip.ParseAddr(sn.Gateway)
		out.IPAM.Config = append(out.IPAM.Config, c)
	}
	return out
}

// GET /networks?filters=: name, id, driver, label, dangling.
func (s *Server) listNetworks(w http.ResponseWriter, r *http.Request) error {
	filters, err := filterParam(r)
	if err != nil {
		return err
	}
	nets, err := s.rt.ListNetworks(r.Context(), filters)
	if err != nil {
		return err
	}
	out := make([]network.Summary, 0, len(nets))
	for _, n := range nets {
		out = append(out, network.Summary{Network: networkResp(n)})
	}
	return writeJSON(w, http.StatusOK, out)
}

// GET /networks/{id}: the network and the running containers on it.
func (s *Server) inspectNetwork(w http.ResponseWriter, r *http.Request) error {
	d, err := s.rt.InspectNetwork(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	out := network.Inspect{Network: networkResp(d.Network), Containers: map[string]network.EndpointResource{}}
	for id, c := range d.Containers {
		ep := network.EndpointResource{Name: c.Name}
		if a, err := netip.ParseAddr(c.IPAddress); err == nil {
			bits := 32
			if a.Is6() {
				bits = 128
			}
			for _, sn := range d.Subnets {
				if p, err := netip.ParsePrefix(sn.Subnet); err == nil && p.Contains(a) {
					bits = p.Bits()
				}
			}
			if a.Is4() {
				ep.IPv4Address = netip.PrefixFrom(a, bits)
			} else {
				ep.IPv6Address = netip.PrefixFrom(a, bits)
			}
		}
		_ = ep.MacAddress.UnmarshalText([]byte(c.MacAddress))
		out.Containers[id] = ep
	}
	return writeJSON(w, http.StatusOK, out)
}

// POST /networks/create
func (s *Server) createNetwork(w http.ResponseWriter, r *http.Request) error {
	var req network.CreateRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	switch {
	case req.Name == "":
		return badRequestf("network name is required")
	case req.Scope != "" && req.Scope != "local":
		return badRequestf("network scope %q is not supported by berth (local only)", req.Scope)
	case req.Ingress || req.ConfigOnly || req.ConfigFrom != nil:
		return badRequestf("swarm network settings (Ingress, ConfigOnly, ConfigFrom) are not supported by berth")
	case req.EnableIPv4 != nil && !*req.EnableIPv4:
		return badRequestf("EnableIPv4=false is not supported by berth")
	}
	o := engine.NetworkCreateOptions{Name: req.Name, Internal: req.Internal, Labels: req.Labels, Options: map[string]string{}}
	for k, v := range req.Options {
		// docker's name for the bridge; berth's --interface-name.
		if k == "com.docker.network.bridge.name" {
			o.Interface = v
			continue
		}
		o.Options[k] = v
	}
	if req.Driver != "bridge" {
		o.Driver = req.Driver
	}
	if req.EnableIPv6 != nil {
		o.IPv6 = *req.EnableIPv6
	}
	if ipam := req.IPAM; ipam != nil {
		if ipam.Driver != "" && ipam.Driver != "default" {
			return badRequestf("IPAM driver %q is not supported by berth (default only)", ipam.Driver)
		}
		for _, c := range ipam.Config {
			if len(c.AuxAddress) > 0 {
				return badRequestf("IPAM AuxiliaryAddresses are not supported by berth yet")
			}
			if !c.Subnet.IsValid() {
				return badRequestf("IPAM Config entries need a Subnet")
			}
			o.Subnets = append(o.Subnets, c.Subnet.String())
			gw, rng := "", ""
			if c.Gateway.IsValid() {
				gw = c.Gateway.String()
			}
			if c.IPRange.IsValid() {
				rng = c.IPRange.String()
			}
			o.Gateways, o.IPRanges = append(o.Gateways, gw), append(o.IPRanges, rng)
		}
	}
	n, err := s.rt.CreateNetwork(r.Context(), o)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, network.CreateResponse{ID: n.ID})
}

// DELETE /networks/{id}
func (s *Server) removeNetwork(w http.ResponseWriter, r *http.Request) error {
	if err := s.rt.RemoveNetwork(r.Context(), r.PathValue("id"), engine.NetworkRemoveOptions{}); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// POST /networks/prune?filters=label...
func (s *Server) pruneNetworks(w http.ResponseWriter, r *http.Request) error {
	filters, err := filterParam(r)
	if err != nil {
		return err
	}
	removed, err := s.rt.PruneNetworksFiltered(r.Context(), filters)
	if err != nil {
		return err
	}
	if removed == nil {
		removed = []string{}
	}
	return writeJSON(w, http.StatusOK, network.PruneReport{NetworksDeleted: removed})
}

// POST /networks/{id}/connect
func (s *Server) connectNetwork(w http.ResponseWriter, r *http.Request) error {
	var req network.ConnectRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Container == "" {
		return badRequestf("connect needs a Container")
	}
	var o engine.ConnectOptions
	if ep := req.EndpointConfig; ep != nil {
		if len(ep.Links) > 0 || len(ep.DriverOpts) > 0 {
			return badRequestf("Links and DriverOpts are not supported by berth yet")
		}
		o.Aliases = ep.Aliases
		if c := ep.IPAMConfig; c != nil {
			if c.IPv4Address.IsValid() {
				o.StaticIPs = append(o.StaticIPs, c.IPv4Address.String())
			}
			if c.IPv6Address.IsValid() {
				o.StaticIPs = append(o.StaticIPs, c.IPv6Address.String())
			}
		}
		o.StaticMAC = ep.MacAddress.String()
	}
	if err := s.rt.ConnectContainer(r.Context(), strings.TrimPrefix(req.Container, "/"), r.PathValue("id"), o); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// POST /networks/{id}/disconnect
func (s *Server) disconnectNetwork(w http.ResponseWriter, r *http.Request) error {
	var req network.DisconnectRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Container == "" {
		return badRequestf("disconnect needs a Container")
	}
	if err := s.rt.DisconnectContainer(r.Context(), strings.TrimPrefix(req.Container, "/"), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
