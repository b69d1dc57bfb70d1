package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/berthproject/berth/engine/spec"
	"github.com/berthproject/berth/internal/cgroups"
	"github.com/berthproject/berth/internal/state"
)

// PodCreateOptions are `pod create`'s settings.
type PodCreateOptions struct {
	Name       string // empty: a generated name
	NoInfra    bool   // --infra=false: no infra container, nothing shared
	InfraImage string // empty: berth's catatonit image
	InfraName  string // empty: <short pod ID>-infra
	// Share is --share: a comma list of ipc, net, uts, pid, cgroup; "+x"
	// adds to the default; "none" shares nothing. Empty: the default
	// (ipc,net,uts) with an infra container, nothing without.
	Share string
	// Networks are the --network values as given (spec.ParseNetworkFlags):
	// network names (eth0, eth1, ... of the infra) or one mode.
	Networks []string
	// The rest of the infra's network settings, as run's flags: aliases
	// on every network, static addresses and MAC on the first.
	NetworkAliases []string
	StaticIPs      []string
	StaticMAC      string
	Ports          []string
	Hostname       string // empty: the pod's name
	DNSServers     []string
	DNSSearch      []string
	DNSOptions     []string
	AddHosts       []string
	NoHosts        bool
	Labels         map[string]string
	PIDMode        string // the infra's --pid (host or private)
	Resources      *spec.Resources
}

// networkSet reports whether any infra-only network setting was given.
func (o *PodCreateOptions) networkSet() bool {
	return len(o.Networks) > 0 || len(o.NetworkAliases) > 0 || len(o.StaticIPs) > 0 || o.StaticMAC != "" ||
		len(o.Ports) > 0 || len(o.DNSServers) > 0 || len(o.DNSSearch) > 0 || len(o.DNSOptions) > 0 ||
		len(o.AddHosts) > 0 || o.NoHosts
}

// podNewPrefix in `--pod new:NAME` creates the pod with the container.
const podNewPrefix = "new:"

var defaultShare = []string{spec.NSIPC, spec.NSNetwork, spec.NSUTS}

// ParseShare reads --share into namespace kinds.
func ParseShare(s string, infra bool) ([]string, error) {
	if s == "" {
		if !infra {
			return nil, nil
		}
		return slices.Clone(defaultShare), nil
	}
	if s == "none" {
		return nil, nil
	}
	var out []string
	if strings.HasPrefix(s, "+") {
		out, s = slices.Clone(defaultShare), s[1:]
	}
	for _, k := range strings.Split(s, ",") {
		kind := strings.TrimSpace(k)
		switch kind {
		case "net", spec.NSNetwork:
			kind = spec.NSNetwork
		case spec.NSIPC, spec.NSUTS, spec.NSPID, spec.NSCgroup:
		default:
			return nil, fmt.Errorf("invalid --share %q: %q is not a namespace a pod can share (ipc, net, uts, pid, cgroup): %w", s, k, ErrInvalidArg)
		}
		if !slices.Contains(out, kind) {
			out = append(out, kind)
		}
	}
	if len(out) > 0 && !infra {
		return nil, fmt.Errorf("a pod without an infra container cannot share namespaces (--share %s): %w", s, ErrInvalidArg)
	}
	return out, nil
}

// CreatePod creates a pod and, unless NoInfra, its infra container
// (created, not started). Order for crash safety: the pod record first,
// then the infra container; a pod whose infra container a crash prevented
// gets it at its next start or join (ensureInfra).
func (r *Runtime) CreatePod(ctx context.Context, o PodCreateOptions) (*Pod, error) {
	share, err := ParseShare(o.Share, !o.NoInfra)
	if err != nil {
		return nil, err
	}
	if o.Name != "" && !nameRE.MatchString(o.Name) {
		return nil, fmt.Errorf("invalid pod name %q: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: %w", o.Name, ErrInvalidArg)
	}
	if err := o.Resources.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArg, err)
	}
	if o.NoInfra && (o.networkSet() || o.InfraImage != "" || o.PIDMode != "") {
		return nil, fmt.Errorf("the network flags (-p, --network, --ip, --dns, --add-host, ...), --pid and --infra-image need an infra container (--infra=false was given): %w", ErrInvalidArg)
	}
	mode, networks, err := spec.ParseNetworkFlags(o.Networks, DefaultNetwork)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArg, err)
	}
	// As in podman: the infra container is what others join, and a pod
	// whose namespace another container owned would outlive its network.
	if strings.HasPrefix(mode, spec.NetworkContainerPrefix) {
		return nil, fmt.Errorf("a pod cannot use --network %s: its containers share the infra container's network (join a container's with run --network container:NAME instead): %w", mode, ErrInvalidArg)
	}
	id, err := newID()
	if err != nil {
		return nil, err
	}
	cfg := PodConfig{
		ID: id, Name: o.Name, Created: time.Now(), Labels: o.Labels, Hostname: o.Hostname,
		Infra: !o.NoInfra, InfraName: o.InfraName, Share: share,
		NetworkMode: mode, Networks: networks, NetworkAliases: o.NetworkAliases,
		StaticIPs: o.StaticIPs, StaticMAC: o.StaticMAC, Ports: o.Ports,
		DNSServers: o.DNSServers, DNSSearch: o.DNSSearch, DNSOptions: o.DNSOptions,
		AddHosts: o.AddHosts, NoHosts: o.NoHosts, PIDMode: o.PIDMode,
		Resources: o.Resources, Status: PodCreated,
	}
	if cfg.Infra {
		if cfg.InfraName == "" {
			cfg.InfraName = id[:12] + "-infra"
		}
		// The infra's spec is checked before anything is stored.
		probe := infraSpec(&cfg)
		probe.Image = "-"
		if err := probe.Validate(); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidArg, err)
		}
		if cfg.InfraImage, err = r.infraImage(ctx, o.InfraImage); err != nil {
			return nil, err
		}
	}
	if err := r.insertPod(ctx, &cfg); err != nil {
		return nil, err
	}
	p := &Pod{r: r, cfg: cfg}
	lk, err := r.podLock(ctx, id)
	if err != nil {
		return nil, err
	}
	defer lk.Unlock()
	if err := p.applyCgroupLimits(); err != nil {
		p.destroy(context.WithoutCancel(ctx))
		return nil, err
	}
	if cfg.Infra {
		if _, err := p.ensureInfra(ctx, nil); err != nil {
			p.destroy(context.WithoutCancel(ctx))
			return nil, err
		}
	}
	p.emit("create")
	return p, nil
}

func (r *Runtime) insertPod(ctx context.Context, cfg *PodConfig) error {
	named := cfg.Name != ""
	for attempt := 0; ; attempt++ {
		if !named {
			cfg.Name = generateName(attempt)
		}
		data, err := json.Marshal(cfg)
		if err != nil {
			return err
		}
		err = r.db.AddObject(ctx, state.Object{Kind: kindPod, ID: cfg.ID, Name: cfg.Name, Created: cfg.Created, Data: data})
		if err == nil {
			return nil
		}
		if !errors.Is(err, state.ErrExists) {
			return err
		}
		if named || attempt > 20 {
			return fmt.Errorf("pod name %s is in use: %w", cfg.Name, ErrPodExists)
		}
	}
}

// infraSpec is the infra container of a pod: it owns the shared
// namespaces, and the pod's network settings are its own.
func infraSpec(cfg *PodConfig) ContainerSpec {
	hostname := cfg.Hostname
	if hostname == "" {
		hostname = cfg.Name
	}
	cs := ContainerSpec{
		Name: cfg.InfraName, Image: cfg.InfraImage, Hostname: hostname,
		Pod: cfg.ID, PodInfra: true, CgroupParent: podCgroupParent(cfg.ID),
		NetworkMode: cfg.NetworkMode, Networks: slices.Clone(cfg.Networks),
		NetworkAliases: cfg.NetworkAliases, StaticIPs: cfg.StaticIPs, StaticMAC: cfg.StaticMAC,
		Ports: cfg.Ports, DNSServers: cfg.DNSServers, DNSSearch: cfg.DNSSearch,
		DNSOptions: cfg.DNSOptions, AddHosts: cfg.AddHosts, NoHosts: cfg.NoHosts,
		PIDMode: cfg.PIDMode,
	}
	if slices.Contains(cfg.Share, spec.NSIPC) {
		cs.IPCMode = spec.NSModeShareable
	}
	if slices.Contains(cfg.Share, spec.NSCgroup) {
		cs.CgroupNSMode = spec.NSModePrivate
	}
	return cs
}

// ensureInfra returns the pod's infra container, creating it when a crash
// (or an interrupted pod create) left the pod without one. members is the
// pod's containers when the caller has them. The pod lock is held.
func (p *Pod) ensureInfra(ctx context.Context, members []*Container) (*Container, error) {
	if !p.cfg.Infra {
		return nil, nil
	}
	if members == nil {
		var err error
		if members, err = p.Containers(ctx); err != nil {
			return nil, err
		}
	}
	if c := infraOf(members); c != nil {
		return c, nil
	}
	img, err := p.r.infraImage(ctx, p.cfg.InfraImage)
	if err != nil {
		return nil, err
	}
	if img != p.cfg.InfraImage {
		p.cfg.InfraImage = img
		if err := p.save(ctx); err != nil {
			return nil, err
		}
	}
	return p.r.newContainer(ctx, infraSpec(&p.cfg))
}

// NewContainer creates a container from cs (see newContainer in
// create.go): a member of a pod when cs.Pod is set (`new:NAME` creates the
// pod too), with its container:NAME namespace references resolved to IDs.
func (r *Runtime) NewContainer(ctx context.Context, cs ContainerSpec) (*Container, error) {
	if err := cs.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArg, err)
	}
	if name, ok := strings.CutPrefix(cs.Pod, podNewPrefix); ok {
		return r.newContainerInNewPod(ctx, cs, name)
	}
	if cs.Pod == "" {
		if err := r.resolveNamespaceRefs(ctx, &cs); err != nil {
			return nil, err
		}
		return r.newContainer(ctx, cs)
	}
	p, err := r.LookupPod(ctx, cs.Pod)
	if err != nil {
		return nil, err
	}
	lk, err := r.podLock(ctx, p.cfg.ID)
	if err != nil {
		return nil, err
	}
	defer lk.Unlock()
	if err := p.reload(ctx); err != nil {
		return nil, err
	}
	if p.cfg.Removing {
		return nil, fmt.Errorf("pod %s is being removed: %w", p.cfg.Name, ErrPodStateInvalid)
	}
	if len(cs.Ports) > 0 {
		return nil, fmt.Errorf("ports cannot be published by a container in pod %s: publish them on the pod (pod create -p): %w", p.cfg.Name, ErrInvalidArg)
	}
	infra, err := p.ensureInfra(ctx, nil)
	if err != nil {
		return nil, err
	}
	cs.Pod, cs.PodInfra, cs.CgroupParent = p.cfg.ID, false, p.CgroupParent()
	modes := spec.NamespaceModes(&cs)
	for _, kind := range p.cfg.Share {
		if modes[kind] != "" {
			return nil, fmt.Errorf("pod %s shares its %s namespace: the container cannot set its own: %w", p.cfg.Name, kind, ErrInvalidArg)
		}
		spec.SetNamespaceMode(&cs, kind, spec.NSContainerPrefix+infra.ID())
	}
	// A member sharing the network copies the infra's /etc/hosts, which
	// berth writes even when it does not mount it: the pod's --no-hosts
	// must keep the members' image files too.
	if p.cfg.NoHosts && slices.Contains(p.cfg.Share, spec.NSNetwork) {
		cs.NoHosts = true
	}
	if err := r.resolveNamespaceRefs(ctx, &cs); err != nil {
		return nil, err
	}
	return r.newContainer(ctx, cs)
}

// newContainerInNewPod is `--pod new:NAME`: the pod is created with
// default settings, and removed again when the container cannot be.
func (r *Runtime) newContainerInNewPod(ctx context.Context, cs ContainerSpec, name string) (*Container, error) {
	if name == "" {
		return nil, fmt.Errorf("--pod new: needs a pod name: %w", ErrInvalidArg)
	}
	if _, err := r.LookupPod(ctx, name); err == nil {
		return nil, fmt.Errorf("pod name %s is in use: %w", name, ErrPodExists)
	}
	p, err := r.CreatePod(ctx, PodCreateOptions{Name: name})
	if err != nil {
		return nil, err
	}
	cs.Pod = p.cfg.ID
	c, err := r.NewContainer(ctx, cs)
	if err != nil {
		if rerr := p.Remove(context.WithoutCancel(ctx), true); rerr != nil {
			err = fmt.Errorf("%w (and removing pod %s: %v)", err, name, rerr)
		}
		return nil, err
	}
	return c, nil
}

// applyCgroupLimits creates the pod's cgroup with the pod's limits
// (--memory, --cpus); its containers' cgroups are made inside it. The
// cgroup file system is volatile, so this runs again at every start.
func (p *Pod) applyCgroupLimits() error {
	res := p.cfg.Resources
	var lim cgroups.Limits
	if res != nil {
		lim.Memory = res.Memory
		if res.CPUs > 0 {
			lim.CPUPeriod = 100000
			lim.CPUQuota = int64(res.CPUs * 100000)
		}
	}
	if err := cgroups.SetParent(p.CgroupParent(), lim); err != nil {
		return fmt.Errorf("pod %s: %w", p.cfg.Name, err)
	}
	return nil
}
