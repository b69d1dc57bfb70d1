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

	Terminal bool `json:"terminal,omitempty"` // -t
	Stdin    bool `json:"stdin,omitempty"`    // -i

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

	// NetworkMode is "none" or "host" for now ("" means none until
	// networking lands).
	NetworkMode string `json:"networkMode,omitempty"`
}

// Mount is one bind mount requested with -v or --mount.
type Mount struct {
	Type        string   `json:"type"` // "bind"
	Source      string   `json:"source"`
	Destination string   `json:"destination"`
	Options     []string `json:"options,omitempty"` // ro, rw, ...
}
