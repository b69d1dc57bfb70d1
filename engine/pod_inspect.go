package engine

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/berthproject/berth/engine/spec"
	"github.com/berthproject/berth/internal/cgroups"
)

// PodContainer is one container of a pod as listings show it.
type PodContainer struct {
	ID     string `json:"Id"`
	Name   string `json:"Name"`
	Status string `json:"Status"`
}

// PodListEntry is one row of `pod ps`.
type PodListEntry struct {
	ID         string
	Name       string
	Created    time.Time
	Status     PodStatus
	InfraID    string
	Labels     map[string]string
	Networks   []string // the infra's networks (none for modes other than bridge)
	Cgroup     string
	Containers []PodContainer
}

var podFilterKeys = map[string]bool{
	"id": true, "name": true, "label": true, "status": true, "ctr-names": true,
	"ctr-ids": true, "ctr-status": true, "ctr-number": true,
}

// ListPods returns the pods matching filters (key=value; the same key ORs,
// different keys AND), newest first, from one query of pods and one of
// containers.
func (r *Runtime) ListPods(ctx context.Context, filters []string) ([]PodListEntry, error) {
	want := map[string][]string{}
	for _, e := range filters {
		k, v, ok := strings.Cut(e, "=")
		if !ok || !podFilterKeys[k] {
			return nil, fmt.Errorf("invalid pod filter %q: want KEY=VALUE with KEY one of id, name, label, status, ctr-names, ctr-ids, ctr-status, ctr-number: %w", e, ErrInvalidArg)
		}
		if k == "name" || k == "ctr-names" {
			if _, err := regexp.Compile(v); err != nil {
				return nil, fmt.Errorf("invalid pod filter %q: %v: %w", e, err, ErrInvalidArg)
			}
		}
		want[k] = append(want[k], v)
	}
	pods, err := r.AllPods(ctx)
	if err != nil {
		return nil, err
	}
	all, err := r.AllContainers(ctx)
	if err != nil {
		return nil, err
	}
	var out []PodListEntry
	for i := len(pods) - 1; i >= 0; i-- {
		e := pods[i].listEntry(podMembers(all, pods[i].cfg.ID))
		if podMatches(&e, want) {
			out = append(out, e)
		}
	}
	return out, nil
}

func (p *Pod) listEntry(members []*Container) PodListEntry {
	e := PodListEntry{
		ID: p.cfg.ID, Name: p.cfg.Name, Created: p.cfg.Created, Status: derivePodStatus(members),
		Labels: p.cfg.Labels, Networks: p.networks(), Cgroup: p.CgroupParent(),
	}
	if infra := infraOf(members); infra != nil {
		e.InfraID = infra.ID()
	}
	for _, c := range members {
		e.Containers = append(e.Containers, PodContainer{ID: c.ID(), Name: c.Name(), Status: c.state.Status.DisplayStatus()})
	}
	return e
}

// networks names the networks of the pod's infra container: the ones
// given, or the default one in bridge mode; none without an infra
// container or in the modes none, host, container: and ns:.
func (p *Pod) networks() []string {
	cs := &spec.ContainerSpec{NetworkMode: p.cfg.NetworkMode, Networks: p.cfg.Networks}
	if !p.cfg.Infra || spec.NetworkModeOf(cs) != spec.NetworkBridge {
		return nil
	}
	return networkNames(specAttachments(cs))
}

func podMatches(e *PodListEntry, want map[string][]string) bool {
	for k, vs := range want {
		if !slices.ContainsFunc(vs, func(v string) bool { return podMatchOne(e, k, v) }) {
			return false
		}
	}
	return true
}

func podMatchOne(e *PodListEntry, k, v string) bool {
	anyCtr := func(f func(PodContainer) bool) bool { return slices.ContainsFunc(e.Containers, f) }
	switch k {
	case "id":
		return strings.HasPrefix(e.ID, v)
	case "name":
		re, err := regexp.Compile(v)
		return err == nil && re.MatchString(e.Name)
	case "label":
		key, val, hasVal := strings.Cut(v, "=")
		got, ok := e.Labels[key]
		return ok && (!hasVal || got == val)
	case "status":
		return strings.EqualFold(string(e.Status), v)
	case "ctr-names":
		re, err := regexp.Compile(v)
		return err == nil && anyCtr(func(c PodContainer) bool { return re.MatchString(c.Name) })
	case "ctr-ids":
		return anyCtr(func(c PodContainer) bool { return strings.HasPrefix(c.ID, v) })
	case "ctr-status":
		return anyCtr(func(c PodContainer) bool { return c.Status == v || (v == "stopped" && c.Status == "exited") })
	case "ctr-number":
		n, err := strconv.Atoi(v)
		return err == nil && len(e.Containers) == n
	}
	return false
}

// PodInspect is `pod inspect`'s document, in podman's shape.
type PodInspect struct {
	ID               string            `json:"Id"`
	Name             string            `json:"Name"`
	Created          time.Time         `json:"Created"`
	State            PodStatus         `json:"State"`
	Hostname         string            `json:"Hostname"`
	Labels           map[string]string `json:"Labels"`
	CreateInfra      bool              `json:"CreateInfra"`
	InfraContainerID string            `json:"InfraContainerId,omitempty"`
	InfraConfig      *PodInfraConfig   `json:"InfraConfig,omitempty"`
	SharedNamespaces []string          `json:"SharedNamespaces"`
	CgroupParent     string            `json:"CgroupParent"`
	MemoryLimit      int64             `json:"MemoryLimit,omitempty"`
	CPUQuota         int64             `json:"CPUQuota,omitempty"`
	CPUPeriod        int64             `json:"CPUPeriod,omitempty"`
	NumContainers    int               `json:"NumContainers"`
	Containers       []PodContainer    `json:"Containers"`
}

// PodInfraConfig is the infra container's part of `pod inspect`.
type PodInfraConfig struct {
	NetworkMode    string   `json:"NetworkMode"`
	Networks       []string `json:"Networks"`
	NetworkAliases []string `json:"NetworkAliases,omitempty"`
	StaticIPs      []string `json:"StaticIPs,omitempty"`
	StaticMAC      string   `json:"StaticMAC"`
	PortBindings   []string `json:"PortBindings"`
	DNSServer      []string `json:"DNSServer"`
	DNSSearch      []string `json:"DNSSearch"`
	DNSOption      []string `json:"DNSOption"`
	HostAdd        []string `json:"HostAdd"`
	NoManageHosts  bool     `json:"NoManageHosts"`
	PIDMode        string   `json:"PidNS,omitempty"`
	Image          string   `json:"Image"`
}

// Inspect describes the pod.
func (p *Pod) Inspect(ctx context.Context) (*PodInspect, error) {
	members, err := p.Containers(ctx)
	if err != nil {
		return nil, err
	}
	e := p.listEntry(members)
	hostname := p.cfg.Hostname
	if hostname == "" && p.cfg.Infra {
		hostname = p.cfg.Name
	}
	in := &PodInspect{
		ID: p.cfg.ID, Name: p.cfg.Name, Created: p.cfg.Created, State: e.Status, Hostname: hostname,
		Labels: p.cfg.Labels, CreateInfra: p.cfg.Infra, InfraContainerID: e.InfraID,
		SharedNamespaces: []string{}, CgroupParent: p.CgroupParent(), NumContainers: len(members),
		Containers: e.Containers,
	}
	if in.Labels == nil {
		in.Labels = map[string]string{}
	}
	if in.Containers == nil {
		in.Containers = []PodContainer{}
	}
	for _, k := range p.cfg.Share {
		if k == spec.NSNetwork {
			k = "net"
		}
		in.SharedNamespaces = append(in.SharedNamespaces, k)
	}
	if p.cfg.Infra {
		in.InfraConfig = &PodInfraConfig{
			NetworkMode: spec.NetworkModeOf(&spec.ContainerSpec{NetworkMode: p.cfg.NetworkMode}),
			Networks:    orEmpty(p.networks()), NetworkAliases: p.cfg.NetworkAliases,
			StaticIPs: p.cfg.StaticIPs, StaticMAC: p.cfg.StaticMAC,
			PortBindings: orEmpty(p.cfg.Ports), DNSServer: orEmpty(p.cfg.DNSServers),
			DNSSearch: orEmpty(p.cfg.DNSSearch), DNSOption: orEmpty(p.cfg.DNSOptions),
			HostAdd: orEmpty(p.cfg.AddHosts), NoManageHosts: p.cfg.NoHosts,
			PIDMode: p.cfg.PIDMode, Image: p.cfg.InfraImage,
		}
	}
	lim := cgroups.ReadParentLimits(p.CgroupParent())
	in.MemoryLimit, in.CPUQuota, in.CPUPeriod = lim.Memory, lim.CPUQuota, lim.CPUPeriod
	if lim.CPUQuota == 0 {
		in.CPUPeriod = 0
	}
	return in, nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// PodStats samples every running container of the pod; prev holds the
// previous samples by container ID, for CPU percentages.
func (p *Pod) Stats(ctx context.Context, prev map[string]*Stats) ([]*Stats, error) {
	members, err := p.Containers(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Stats
	for _, c := range members {
		if c.state.Status != StatusRunning && c.state.Status != StatusPaused {
			continue
		}
		s, err := c.Stats(ctx, prev[c.ID()])
		if err != nil {
			continue // it stopped between the listing and the sample
		}
		out = append(out, s)
	}
	return out, nil
}

// Logs reads the logs of the pod's containers (not the infra's, which
// writes nothing) and calls fn for each line with its container. Without
// Follow the lines of all containers are merged in time order; with
// Follow, lines are passed on as they come until every container stops.
func (p *Pod) Logs(ctx context.Context, o LogOptions, fn func(*Container, LogLine) error) error {
	members, err := p.Containers(ctx)
	if err != nil {
		return err
	}
	members = slices.DeleteFunc(members, func(c *Container) bool { return c.config.Spec.PodInfra })
	if !o.Follow {
		type entry struct {
			c *Container
			l LogLine
		}
		var lines []entry
		for _, c := range members {
			err := c.Logs(ctx, o, func(l LogLine) error {
				lines = append(lines, entry{c, l})
				return nil
			})
			if err != nil {
				return err
			}
		}
		sort.SliceStable(lines, func(i, j int) bool { return lines[i].l.Time.Before(lines[j].l.Time) })
		for _, e := range lines {
			if err := fn(e.c, e.l); err != nil {
				return err
			}
		}
		return nil
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, len(members))
	for i, c := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = c.Logs(ctx, o, func(l LogLine) error {
				mu.Lock()
				defer mu.Unlock()
				return fn(c, l)
			})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// podNames maps pod IDs to names for container listings, and turns the
// pod= filter values (names or ID prefixes) into pod IDs. A pod filter
// that names no pod matches no container.
func (r *Runtime) podNames(ctx context.Context, f *ContainerFilter) (map[string]string, error) {
	pods, err := r.AllPods(ctx)
	if err != nil || len(pods) == 0 {
		return nil, err
	}
	names := make(map[string]string, len(pods))
	for _, p := range pods {
		names[p.cfg.ID] = p.cfg.Name
	}
	if refs := f.values["pod"]; len(refs) > 0 {
		var ids []string
		for _, ref := range refs {
			for _, p := range pods {
				if p.cfg.Name == ref || strings.HasPrefix(p.cfg.ID, ref) {
					ids = append(ids, p.cfg.ID)
				}
			}
		}
		if len(ids) == 0 {
			ids = []string{"-"}
		}
		f.values["pod"] = ids
	}
	return names, nil
}
