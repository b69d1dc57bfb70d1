package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/berthproject/berth/engine/spec"
	"github.com/berthproject/berth/internal/lock"
	"github.com/berthproject/berth/internal/state"
)

// Pods: groups of containers sharing namespaces through an infra
// container, as in Kubernetes and podman. A pod is a document in the
// objects table (kind "pod"); its members are the containers whose
// ContainerSpec.Pod is the pod's ID, so membership is never stored twice.
// Its state is derived from its containers.

const kindPod = "pod"

// PodStatus is a pod's state, derived from its containers.
type PodStatus string

// Pod states, podman's vocabulary.
const (
	PodCreated  PodStatus = "Created"
	PodRunning  PodStatus = "Running"
	PodDegraded PodStatus = "Degraded" // some containers run, some do not
	PodPaused   PodStatus = "Paused"
	PodExited   PodStatus = "Exited"
)

// PodConfig is a pod's stored record.
type PodConfig struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Created   time.Time         `json:"created"`
	Labels    map[string]string `json:"labels,omitempty"`
	Hostname  string            `json:"hostname,omitempty"`
	Infra     bool              `json:"infra"`
	InfraName string            `json:"infraName,omitempty"`
	// InfraImage is the image the infra container runs ("" = berth's own
	// image holding the host's catatonit).
	InfraImage string `json:"infraImage,omitempty"`
	// Share lists the namespace kinds (spec.NS*) members join.
	Share []string `json:"share,omitempty"`
	// The infra container's network settings, where the pod's
	// --network, -p, --ip, --dns, --add-host etc. live (members join the
	// infra's network namespace, hosts and resolv.conf). NetworkMode and
	// Networks mean what they mean in a ContainerSpec.
	NetworkMode    string          `json:"networkMode,omitempty"`
	Networks       []string        `json:"networks,omitempty"`
	NetworkAliases []string        `json:"networkAliases,omitempty"`
	StaticIPs      []string        `json:"staticIPs,omitempty"`
	StaticMAC      string          `json:"staticMac,omitempty"`
	Ports          []string        `json:"ports,omitempty"`
	DNSServers     []string        `json:"dnsServers,omitempty"`
	DNSSearch      []string        `json:"dnsSearch,omitempty"`
	DNSOptions     []string        `json:"dnsOptions,omitempty"`
	AddHosts       []string        `json:"addHosts,omitempty"`
	NoHosts        bool            `json:"noHosts,omitempty"`
	PIDMode        string          `json:"pidMode,omitempty"`
	Resources      *spec.Resources `json:"resources,omitempty"`
	// Status is the state derived from the containers at the last pod
	// operation; readers derive it afresh (containers exit on their own).
	Status PodStatus `json:"status,omitempty"`
	// Removing marks a removal in progress; rm -f finishes it.
	Removing bool `json:"removing,omitempty"`
}

// Pod is a handle on one pod.
type Pod struct {
	r   *Runtime
	cfg PodConfig
}

// ID returns the pod's 64-hex ID.
func (p *Pod) ID() string { return p.cfg.ID }

// Name returns the pod's name.
func (p *Pod) Name() string { return p.cfg.Name }

// Config returns a copy of the pod's record.
func (p *Pod) Config() PodConfig { return p.cfg }

// CgroupParent is the cgroup every container of the pod is made under.
func (p *Pod) CgroupParent() string { return podCgroupParent(p.cfg.ID) }

func podCgroupParent(id string) string { return "/berth/pod-" + id }

// podLock locks one pod. Lock order: pod → container → volume.
func (r *Runtime) podLock(ctx context.Context, id string) (*lock.Lock, error) {
	return r.locks.Lock(ctx, "pod-"+id)
}

// LookupPod finds a pod by ID, name or unique ID prefix.
func (r *Runtime) LookupPod(ctx context.Context, ref string) (*Pod, error) {
	if ref == "" {
		return nil, fmt.Errorf("empty pod name: %w", ErrInvalidArg)
	}
	o, err := r.db.LookupObject(ctx, kindPod, ref)
	switch {
	case errors.Is(err, state.ErrNotFound):
		return nil, fmt.Errorf("no pod with name or ID %s found: %w", ref, ErrNoSuchPod)
	case errors.Is(err, state.ErrAmbiguous):
		return nil, fmt.Errorf("pod %q: %w", ref, ErrAmbiguous)
	case err != nil:
		return nil, err
	}
	return decodePod(r, o)
}

func (r *Runtime) podByID(ctx context.Context, id string) (*Pod, error) {
	return r.LookupPod(ctx, id)
}

// PodExists reports whether ref names a pod.
func (r *Runtime) PodExists(ctx context.Context, ref string) (bool, error) {
	_, err := r.LookupPod(ctx, ref)
	if errors.Is(err, ErrNoSuchPod) {
		return false, nil
	}
	return err == nil, err
}

func decodePod(r *Runtime, o state.Object) (*Pod, error) {
	p := &Pod{r: r}
	if err := json.Unmarshal(o.Data, &p.cfg); err != nil {
		return nil, fmt.Errorf("pod %s: corrupt record: %w", o.Name, err)
	}
	p.cfg.ID, p.cfg.Name = o.ID, o.Name
	return p, nil
}

// AllPods returns every pod, oldest first.
func (r *Runtime) AllPods(ctx context.Context) ([]*Pod, error) {
	objs, err := r.db.Objects(ctx, kindPod)
	if err != nil {
		return nil, err
	}
	out := make([]*Pod, 0, len(objs))
	for _, o := range objs {
		p, err := decodePod(r, o)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// reload re-reads the pod's record (with the pod lock held).
func (p *Pod) reload(ctx context.Context) error {
	fresh, err := p.r.LookupPod(ctx, p.cfg.ID)
	if err != nil {
		return err
	}
	p.cfg = fresh.cfg
	return nil
}

func (p *Pod) save(ctx context.Context) error {
	b, err := json.Marshal(p.cfg)
	if err != nil {
		return err
	}
	return p.r.db.SetObjectData(ctx, kindPod, p.cfg.ID, b)
}

// Containers returns the pod's containers, oldest first (the infra, when
// there is one, comes first: it is created first), with exit files applied.
func (p *Pod) Containers(ctx context.Context) ([]*Container, error) {
	all, err := p.r.AllContainers(ctx)
	if err != nil {
		return nil, err
	}
	return podMembers(all, p.cfg.ID), nil
}

func podMembers(all []*Container, podID string) []*Container {
	var out []*Container
	for _, c := range all {
		if c.config.Spec.Pod == podID {
			c.applyExitFile()
			out = append(out, c)
		}
	}
	return out
}

// infra returns the pod's infra container, nil when it has none (yet).
func infraOf(members []*Container) *Container {
	i := slices.IndexFunc(members, func(c *Container) bool { return c.config.Spec.PodInfra })
	if i < 0 {
		return nil
	}
	return members[i]
}

// derivePodStatus applies podman's rules: no containers or none started
// → Created; all running → Running; all paused → Paused; none running →
// Exited; a mix → Degraded.
func derivePodStatus(members []*Container) PodStatus {
	var running, paused, exited, created int
	for _, c := range members {
		switch c.state.Status {
		case StatusRunning, StatusStopping:
			running++
		case StatusPaused:
			paused++
		case StatusExited:
			exited++
		default:
			created++
		}
	}
	n := len(members)
	switch {
	case n == 0 || created == n:
		return PodCreated
	case running == n:
		return PodRunning
	case paused == n:
		return PodPaused
	case running == 0 && paused == 0:
		return PodExited
	}
	return PodDegraded
}

// Status derives the pod's state from its containers now.
func (p *Pod) Status(ctx context.Context) (PodStatus, error) {
	members, err := p.Containers(ctx)
	if err != nil {
		return "", err
	}
	return derivePodStatus(members), nil
}

// storeStatus records the derived state after a pod operation, so the
// record agrees with the containers when the operation ends.
func (p *Pod) storeStatus(ctx context.Context) error {
	st, err := p.Status(ctx)
	if err != nil {
		return err
	}
	if st == p.cfg.Status {
		return nil
	}
	p.cfg.Status = st
	return p.save(ctx)
}

// emit records a pod event.
func (p *Pod) emit(status string) {
	e := Event{Time: time.Now(), Type: "pod", Status: status, ID: p.cfg.ID, Name: p.cfg.Name,
		Attributes: map[string]string{"name": p.cfg.Name}}
	if err := p.r.journal().Append(e); err != nil {
		logWarn("recording pod %s event: %v", status, err)
	}
}
