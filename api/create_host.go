package api

import (
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"

	"github.com/berthproject/berth/engine"
	"github.com/berthproject/berth/engine/spec"
)

// hostConfigSupported are the HostConfig fields berth honours (or that are
// client-side only); any other field with a non-zero value is refused
// rather than silently ignored.
var hostConfigSupported = map[string]bool{
	"Binds": true, "NetworkMode": true, "RestartPolicy": true, "AutoRemove": true,
	"CapAdd": true, "CapDrop": true, "Privileged": true, "ReadonlyRootfs": true,
	"SecurityOpt": true, "Annotations": true, "ConsoleSize": true, "LogConfig": true,
	"Mounts": true, "ContainerIDFile": true, "Resources": true, "Init": true,
	"PortBindings": true, "PublishAllPorts": true, "DNS": true, "DNSOptions": true,
	"DNSSearch": true, "ExtraHosts": true, "OomScoreAdj": true, "Tmpfs": true,
	"VolumesFrom": true,
}

// resourcesSupported are the HostConfig.Resources fields spec.Resources
// and spec.Ulimit can hold.
var resourcesSupported = map[string]bool{
	"CPUShares": true, "Memory": true, "NanoCPUs": true, "BlkioWeight": true,
	"CPUPeriod": true, "CPUQuota": true, "CpusetCpus": true, "CpusetMems": true,
	"MemoryReservation": true, "MemorySwap": true, "OomKillDisable": true,
	"PidsLimit": true, "Ulimits": true,
}

func applyHostConfig(cs *engine.ContainerSpec, hc *container.HostConfig) error {
	if f := firstUnsupported(reflect.ValueOf(*hc), hostConfigSupported); f != "" {
		return badRequestf("HostConfig.%s is not supported by berth yet", f)
	}
	if hc.Init != nil && *hc.Init {
		return badRequestf("HostConfig.Init is not supported by berth yet")
	}
	cs.Remove = hc.AutoRemove
	cs.Privileged = hc.Privileged
	cs.CapAdd, cs.CapDrop = hc.CapAdd, hc.CapDrop
	cs.ReadOnly = hc.ReadonlyRootfs
	cs.Annotations = hc.Annotations
	cs.VolumesFrom = hc.VolumesFrom
	if hc.OomScoreAdj != 0 {
		adj := hc.OomScoreAdj
		cs.OOMScoreAdj = &adj
	}
	switch p := string(hc.RestartPolicy.Name); p {
	case "", "no":
	default:
		cs.RestartPolicy = p
		if hc.RestartPolicy.MaximumRetryCount < 0 {
			return badRequestf("invalid RestartPolicy.MaximumRetryCount %d", hc.RestartPolicy.MaximumRetryCount)
		}
		cs.RestartRetries = uint(hc.RestartPolicy.MaximumRetryCount)
	}
	if err := applyResources(cs, hc.Resources); err != nil {
		return err
	}
	if err := applyMounts(cs, hc); err != nil {
		return err
	}
	for _, o := range hc.SecurityOpt {
		if err := spec.ApplySecurityOpt(cs, o, absOnly); err != nil {
			return err
		}
	}
	for _, a := range hc.DNS {
		cs.DNSServers = append(cs.DNSServers, a.String())
	}
	cs.DNSSearch, cs.DNSOptions = hc.DNSSearch, hc.DNSOptions
	for _, h := range hc.ExtraHosts {
		// Newer clients send NAME=IP; berth's form is NAME:IP.
		if name, ip, ok := strings.Cut(h, "="); ok {
			h = name + ":" + ip
		}
		cs.AddHosts = append(cs.AddHosts, h)
	}
	cs.Ports = portSpecs(hc.PortBindings)
	cs.PublishAll = hc.PublishAllPorts
	return nil
}

// absOnly accepts only absolute host paths: the service has no working
// directory of the client to resolve a relative one against.
func absOnly(p string) (string, error) {
	if !filepath.IsAbs(p) {
		return "", fmt.Errorf("%q is not an absolute path", p)
	}
	return filepath.Clean(p), nil
}

// applyResources maps HostConfig's resource fields onto spec.Resources.
func applyResources(cs *engine.ContainerSpec, res container.Resources) error {
	// Values clients send to mean "the default".
	if res.MemorySwappiness != nil && *res.MemorySwappiness == -1 {
		res.MemorySwappiness = nil
	}
	if res.PidsLimit != nil && *res.PidsLimit == 0 {
		res.PidsLimit = nil
	}
	if f := firstUnsupported(reflect.ValueOf(res), resourcesSupported); f != "" {
		return badRequestf("HostConfig.%s is not supported by berth yet", f)
	}
	if res.CPUShares < 0 {
		return badRequestf("invalid CpuShares %d: must not be negative", res.CPUShares)
	}
	r := spec.Resources{
		Memory: res.Memory, MemorySwap: res.MemorySwap, MemoryReservation: res.MemoryReservation,
		CPUShares: uint64(res.CPUShares), CPUSetCPUs: res.CpusetCpus, CPUSetMems: res.CpusetMems,
		BlkioWeight: res.BlkioWeight,
	}
	switch {
	case res.NanoCPUs != 0 && res.CPUQuota != 0:
		return badRequestf("conflicting options: NanoCpus and CpuQuota cannot both be set")
	case res.NanoCPUs != 0:
		r.CPUs = float64(res.NanoCPUs) / 1e9
	case res.CPUQuota != 0:
		period := res.CPUPeriod
		if period == 0 {
			period = 100000
		}
		r.CPUs = float64(res.CPUQuota) / float64(period)
	}
	if res.CPUPeriod != 0 && res.CPUPeriod != 100000 {
		return badRequestf("CpuPeriod other than 100000 is not supported by berth yet (use NanoCpus)")
	}
	if res.PidsLimit != nil {
		r.PidsLimit = *res.PidsLimit
		if r.PidsLimit < 0 {
			r.PidsLimit = -1
		}
	}
	if res.OomKillDisable != nil {
		r.OOMKillDisable = *res.OomKillDisable
	}
	if r != (spec.Resources{}) {
		cs.Resources = &r
	}
	for _, u := range res.Ulimits {
		if u == nil {
			continue
		}
		ul, err := spec.ParseUlimit(fmt.Sprintf("%s=%d:%d", u.Name, u.Soft, u.Hard))
		if err != nil {
			return err
		}
		cs.Ulimits = append(cs.Ulimits, ul)
	}
	return nil
}

// applyMounts reads Binds, Mounts and Tmpfs.
func applyMounts(cs *engine.ContainerSpec, hc *container.HostConfig) error {
	for _, b := range hc.Binds {
		m, err := spec.ParseVolume(b)
		if err != nil {
			return err
		}
		if m.Type == spec.MountBind && !filepath.IsAbs(m.Source) {
			return badRequestf("invalid bind %q: the host path must be absolute", b)
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
	dsts := make([]string, 0, len(hc.Tmpfs))
	for dst := range hc.Tmpfs {
		dsts = append(dsts, dst)
	}
	sort.Strings(dsts)
	for _, dst := range dsts {
		m := spec.Mount{Type: spec.MountTmpfs, Destination: dst}
		if o := hc.Tmpfs[dst]; o != "" {
			m.Options = strings.Split(o, ",")
		}
		cs.Mounts = append(cs.Mounts, m)
	}
	return nil
}

// fromMount translates a HostConfig.Mounts entry (docker run --mount).
func fromMount(m mount.Mount) (spec.Mount, error) {
	sm := spec.Mount{Source: m.Source, Destination: m.Target}
	if m.Target == "" {
		return sm, badRequestf("invalid mount: Target is required")
	}
	if m.ReadOnly {
		sm.Options = append(sm.Options, "ro")
	}
	switch m.Type {
	case mount.TypeBind:
		if !filepath.IsAbs(m.Source) {
			return sm, badRequestf("invalid bind mount source %q: must be an absolute path", m.Source)
		}
		sm.Type, sm.Source = spec.MountBind, filepath.Clean(m.Source)
		if o := m.BindOptions; o != nil {
			if o.Propagation != "" {
				sm.Options = append(sm.Options, string(o.Propagation))
			}
			if o.NonRecursive {
				sm.Options = append(sm.Options, "bind")
			}
		}
	case mount.TypeVolume:
		sm.Type = spec.MountVolume
		if o := m.VolumeOptions; o != nil {
			switch {
			case o.Subpath != "":
				return sm, badRequestf("volume mount Subpath is not supported by berth yet")
			case len(o.Labels) > 0:
				return sm, badRequestf("volume mount Labels are not supported by berth yet (create the volume first)")
			case o.DriverConfig != nil && o.DriverConfig.Name != "" && o.DriverConfig.Name != "local":
				return sm, badRequestf("volume driver %q is not available (only local)", o.DriverConfig.Name)
			}
			if o.NoCopy {
				sm.Options = append(sm.Options, "nocopy")
			}
		}
	case mount.TypeTmpfs:
		if m.Source != "" {
			return sm, badRequestf("invalid tmpfs mount: a tmpfs takes no Source")
		}
		sm.Type = spec.MountTmpfs
		if o := m.TmpfsOptions; o != nil {
			if o.SizeBytes > 0 {
				sm.Options = append(sm.Options, fmt.Sprintf("size=%d", o.SizeBytes))
			}
			if o.Mode != 0 {
				sm.Options = append(sm.Options, fmt.Sprintf("mode=%o", o.Mode.Perm()))
			}
			for _, kv := range o.Options {
				sm.Options = append(sm.Options, strings.Join(kv, "="))
			}
		}
	case mount.TypeImage:
		if m.ImageOptions != nil && m.ImageOptions.Subpath != "" {
			return sm, badRequestf("image mount Subpath is not supported by berth yet")
		}
		sm.Type = spec.MountImage
	default:
		return sm, badRequestf("mount type %q is not supported by berth yet (bind, volume, tmpfs, image)", m.Type)
	}
	return sm, nil
}

// portSpecs turns PortBindings into berth's -p values, sorted.
func portSpecs(pm network.PortMap) []string {
	var out []string
	for port, bindings := range pm {
		cport := port.String()
		for _, b := range bindings {
			ip := ""
			if b.HostIP.IsValid() {
				ip = b.HostIP.String()
				if b.HostIP.Is6() && !b.HostIP.Is4In6() {
					ip = "[" + ip + "]"
				}
			}
			switch {
			case ip == "" && b.HostPort == "":
				out = append(out, cport)
			case ip == "":
				out = append(out, b.HostPort+":"+cport)
			default:
				out = append(out, ip+":"+b.HostPort+":"+cport)
			}
		}
	}
	sort.Strings(out)
	return out
}

// applyNetworkingConfig sets the network mode and networks from
// HostConfig.NetworkMode and NetworkingConfig.EndpointsConfig. Aliases
// apply on every network (berth keeps one alias list per container);
// static addresses and MAC on the first network only.
func applyNetworkingConfig(cs *engine.ContainerSpec, hc *container.HostConfig, nc *network.NetworkingConfig) error {
	mode := ""
	if hc != nil {
		mode = string(hc.NetworkMode)
	}
	isDefault := func(n string) bool { return n == "" || n == "default" || n == "bridge" }
	switch {
	case cs.NetworkMode == spec.NetworkNone && isDefault(mode):
	case isDefault(mode):
		cs.NetworkMode = spec.NetworkBridge
	case mode == spec.NetworkNone || mode == spec.NetworkHost || strings.HasPrefix(mode, spec.NetworkContainerPrefix):
		cs.NetworkMode = mode
	default:
		cs.NetworkMode = spec.NetworkBridge
		cs.Networks = []string{mode}
	}
	if nc == nil || len(nc.EndpointsConfig) == 0 {
		return nil
	}
	names := make([]string, 0, len(nc.EndpointsConfig))
	for n := range nc.EndpointsConfig {
		names = append(names, n)
	}
	// The network of NetworkMode first: it is the container's eth0.
	sort.Slice(names, func(i, j int) bool {
		pi, pj := names[i] == mode || isDefault(names[i]) && isDefault(mode), names[j] == mode || isDefault(names[j]) && isDefault(mode)
		if pi != pj {
			return pi
		}
		return names[i] < names[j]
	})
	for i, n := range names {
		ep := nc.EndpointsConfig[n]
		primary := n == mode || isDefault(n) && isDefault(mode)
		if cs.NetworkMode != spec.NetworkBridge {
			if primary || ep == nil || reflect.ValueOf(*ep).IsZero() {
				continue
			}
			return badRequestf("network mode %s cannot be combined with network %q", cs.NetworkMode, n)
		}
		if !primary {
			if len(cs.Networks) == 0 {
				cs.Networks = []string{engine.DefaultNetwork}
			}
			if isDefault(n) {
				n = engine.DefaultNetwork
			}
			cs.Networks = append(cs.Networks, n)
		}
		if ep == nil {
			continue
		}
		if len(ep.Links) > 0 || len(ep.DriverOpts) > 0 {
			return badRequestf("EndpointsConfig[%q]: Links and DriverOpts are not supported by berth yet", n)
		}
		for _, a := range ep.Aliases {
			if !containsStr(cs.NetworkAliases, a) {
				cs.NetworkAliases = append(cs.NetworkAliases, a)
			}
		}
		var ips []string
		if c := ep.IPAMConfig; c != nil {
			for _, a := range []interface {
				IsValid() bool
				String() string
			}{c.IPv4Address, c.IPv6Address} {
				if a.IsValid() {
					ips = append(ips, a.String())
				}
			}
		}
		mac := ep.MacAddress.String()
		if len(ips) > 0 || mac != "" {
			if i != 0 {
				return badRequestf("EndpointsConfig[%q]: berth sets static addresses on the first network only", n)
			}
			cs.StaticIPs, cs.StaticMAC = ips, mac
		}
	}
	return nil
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
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
