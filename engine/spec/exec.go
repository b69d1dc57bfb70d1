package spec

import (
	"context"
	"errors"
	"path"
	"slices"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// ExecOptions is what the user asked for one exec session.
type ExecOptions struct {
	Command []string
	// Env is KEY=VALUE, applied over the container's environment.
	Env []string
	// User is user[:group]; "" runs as the container's user.
	User string
	// WorkDir must be absolute; "" is the container's working directory.
	WorkDir    string
	Terminal   bool
	Privileged bool // all capabilities, even in an unprivileged container
}

// ExecProcess builds the OCI process of an exec session in a container
// created from cs and img, whose rootfs is mounted at rootfs. The rules are
// Generate's: the container's environment with the session's variables on
// top, its user unless -u says otherwise (resolved in the rootfs's
// /etc/passwd), the same capabilities for that user (all of berth's with
// Privileged), rlimits, and no-new-privileges.
//
// Where each setting lands:
//
//	exec COMMAND        Command     process.args
//	exec -e/--env-file  Env         process.env (over the container's)
//	exec -u             User        process.user
//	exec -w             WorkDir     process.cwd
//	exec -t             Terminal    process.terminal, TERM=xterm
//	exec --privileged   Privileged  process.capabilities
func ExecProcess(ctx context.Context, cs *ContainerSpec, img *ImageConfig, id, rootfs string, o ExecOptions) (*rspec.Process, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if cs == nil {
		return nil, errors.New("spec: nil ContainerSpec")
	}
	if img == nil {
		img = &ImageConfig{}
	}
	if len(o.Command) == 0 || o.Command[0] == "" {
		return nil, invalidf("no command given to exec")
	}
	for _, e := range o.Env {
		if err := validateEnv(e); err != nil {
			return nil, err
		}
	}
	cwd := o.WorkDir
	if cwd == "" {
		cwd = cs.WorkDir
	}
	if cwd == "" {
		cwd = img.WorkingDir
	}
	if cwd == "" {
		cwd = "/"
	}
	if !path.IsAbs(cwd) {
		return nil, invalidf("working directory %q is not an absolute path", cwd)
	}
	userSpec := o.User
	if userSpec == "" {
		userSpec = cs.User
	}
	if userSpec == "" {
		userSpec = img.User
	}
	user, err := ResolveUser(rootfs, userSpec)
	if err != nil {
		return nil, err
	}
	capSpec := *cs
	if o.Privileged {
		// Every capability berth holds, whatever the container dropped.
		capSpec.Privileged, capSpec.CapAdd, capSpec.CapDrop = true, nil, nil
	}
	caps, err := capabilities(&capSpec, user.UID)
	if err != nil {
		return nil, err
	}
	rlimits, err := currentRlimits()
	if err != nil {
		return nil, err
	}
	userEnv := append(slices.Clone(cs.Env), o.Env...)
	return &rspec.Process{
		Terminal: o.Terminal,
		User: rspec.User{
			UID:            user.UID,
			GID:            user.GID,
			AdditionalGids: user.AdditionalGids,
		},
		Args:            slices.Clone(o.Command),
		Env:             mergeEnv(img.Env, userEnv, Hostname(cs, id), user.Home, o.Terminal),
		Cwd:             cwd,
		Capabilities:    caps,
		Rlimits:         rlimits,
		NoNewPrivileges: cs.NoNewPrivileges,
	}, nil
}
