// Package spec describes the container a user asked for (ContainerSpec),
// validates it, and turns it into an OCI runtime spec for one container.
//
// ContainerSpec is transport-neutral: the CLI fills it from flags, the
// Docker API service from a create body. It is stored as JSON in the state
// database, so field names are part of the on-disk format: add fields, do not
// rename them.
package spec

// ContainerSpec is everything the user asked for when creating a container.
// Fields left empty fall back to the image's configuration or engine
// defaults at generation time.
type ContainerSpec struct {
	Name  string `json:"name,omitempty"`
	Image string `json:"image,omitempty"` // reference as the user typed it
	// PullPolicy is --pull: missing (default), always, never or newer.
	PullPolicy string `json:"pullPolicy,omitempty"`

	// Command replaces the image's CMD when non-empty.
	Command []string `json:"command,omitempty"`
	// Entrypoint replaces the image's ENTRYPOINT when EntrypointSet is true
	// (an empty Entrypoint with EntrypointSet clears it: --entrypoint "").
	Entrypoint    []string `json:"entrypoint,omitempty"`
	EntrypointSet bool     `json:"entrypointSet,omitempty"`

	Env         []string          `json:"env,omitempty"` // KEY=VALUE, applied over the image's ENV
	WorkDir     string            `json:"workDir,omitempty"`
	User        string            `json:"user,omitempty"` // user[:group], names or numbers
	Hostname    string            `json:"hostname,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`

	StopSignal  string `json:"stopSignal,omitempty"`  // name or number; empty = image's or SIGTERM
	StopTimeout *uint  `json:"stopTimeout,omitempty"` // seconds; nil = 10

	Mounts []Mount `json:"mounts,omitempty"`
	// VolumesFrom lists CTR[:ro|rw]: that container's volumes and binds
	// are mounted here too, at the same places (--volumes-from).
	VolumesFrom []string `json:"volumesFrom,omitempty"`
	// ReadOnlyNoTmpfs drops the tmpfs on /run, /tmp and /var/tmp that a
	// --read-only container gets (--read-only-tmpfs=false).
	ReadOnlyNoTmpfs bool `json:"readOnlyNoTmpfs,omitempty"`

	Terminal bool `json:"terminal,omitempty"` // -t
	Stdin    bool `json:"stdin,omitempty"`    // -i
	// StdinOnce closes the container's stdin when the first attached
	// client's input ends (docker's StdinOnce, set by `docker run -i`).
	StdinOnce bool `json:"stdinOnce,omitempty"`

	Remove         bool   `json:"remove,omitempty"`         // --rm
	RestartPolicy  string `json:"restartPolicy,omitempty"`  // no|on-failure|always|unless-stopped
	RestartRetries uint   `json:"restartRetries,omitempty"` // on-failure:N

	Privileged bool     `json:"privileged,omitempty"`
	CapAdd     []string `json:"capAdd,omitempty"`
	CapDrop    []string `json:"capDrop,omitempty"`
	ReadOnly   bool     `json:"readOnly,omitempty"`

	// SeccompProfile is "" (the default filter), "unconfined", or the
	// absolute path of a JSON profile (--security-opt seccomp=...).
	SeccompProfile  string `json:"seccompProfile,omitempty"`
	NoNewPrivileges bool   `json:"noNewPrivileges,omitempty"`

	Resources   *Resources `json:"resources,omitempty"`   // --memory, --cpus, --pids-limit, ...
	Ulimits     []Ulimit   `json:"ulimits,omitempty"`     // --ulimit
	OOMScoreAdj *int       `json:"oomScoreAdj,omitempty"` // --oom-score-adj

	Healthcheck *Healthcheck `json:"healthcheck,omitempty"` // --health-*; Test ["NONE"] disables

	// NetworkMode is "bridge" ("" means bridge too), "none", "host",
	// "container:NAME-OR-ID" or "ns:PATH".
	NetworkMode string `json:"networkMode,omitempty"`
	// Networks are the networks a bridge-mode container joins, in order
	// (eth0, eth1, ...); empty means the default network.
	Networks []string `json:"networks,omitempty"`
	// NetworkAliases are extra DNS names on every network (--network-alias).
	NetworkAliases []string `json:"networkAliases,omitempty"`
	// StaticIPs (--ip, --ip6) and StaticMAC (--mac-address) apply to the
	// first network.
	StaticIPs []string `json:"staticIPs,omitempty"`
	StaticMAC string   `json:"staticMac,omitempty"`
	// Ports are -p values, parsed by the engine at start; PublishAll (-P)
	// publishes every port the image EXPOSEs on a random host port.
	Ports      []string `json:"ports,omitempty"`
	PublishAll bool     `json:"publishAll,omitempty"`
	DNSServers []string `json:"dnsServers,omitempty"` // --dns
	DNSSearch  []string `json:"dnsSearch,omitempty"`  // --dns-search ("." = none)
	DNSOptions []string `json:"dnsOptions,omitempty"` // --dns-option
	AddHosts   []string `json:"addHosts,omitempty"`   // --add-host NAME:IP
	NoHosts    bool     `json:"noHosts,omitempty"`    // --no-hosts: keep the image's /etc/hosts

	// Namespace modes (see namespaces_join.go): "" or "private" (the
	// default), "host", or "container:ID" to join that container's
	// namespace (--ipc, --pid, --uts, --userns, --cgroupns). The engine
	// stores container references as full IDs.
	IPCMode      string `json:"ipcMode,omitempty"`
	PIDMode      string `json:"pidMode,omitempty"`
	UTSMode      string `json:"utsMode,omitempty"`
	UserNSMode   string `json:"userNSMode,omitempty"`
	CgroupNSMode string `json:"cgroupNSMode,omitempty"`
	// Pod is the ID of the pod the container belongs to; PodInfra marks
	// the pod's infra container, which owns the shared namespaces.
	Pod      string `json:"pod,omitempty"`
	PodInfra bool   `json:"podInfra,omitempty"`
	// CgroupParent is the cgroup the container's cgroup is made under
	// ("" = /berth); a pod's containers live under /berth/pod-<id>.
	CgroupParent string `json:"cgroupParent,omitempty"`
}

// Mount is one mount requested with -v, --mount or --tmpfs.
type Mount struct {
	// Type is "bind" (Source: host path), "volume" (Source: volume name,
	// "" for an anonymous volume), "tmpfs" (no Source) or "image"
	// (Source: image reference, mounted read-only).
	Type        string   `json:"type"`
	Source      string   `json:"source"`
	Destination string   `json:"destination"`
	Options     []string `json:"options,omitempty"` // ro, rw, ...
}
