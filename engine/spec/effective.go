package spec

import "slices"

// What inspect shows as the container's command and environment, computed
// by the same rules Generate applies (without the rootfs: HOME is only
// known from the user database, so it is left to the image or the user).

// Command returns the effective entrypoint and command.
func Command(cs *ContainerSpec, img *ImageConfig) (entrypoint, cmd []string) {
	entry, c := img.Entrypoint, img.Cmd
	if cs.EntrypointSet {
		entry, c = cs.Entrypoint, nil
	}
	if len(cs.Command) > 0 {
		c = cs.Command
	}
	return slices.Clone(entry), slices.Clone(c)
}

// MergeEnv returns the environment the container's process starts with,
// except HOME when neither the image nor the user set it.
func MergeEnv(cs *ContainerSpec, img *ImageConfig, id string) []string {
	env := mergeEnv(img.Env, cs.Env, Hostname(cs, id), "", cs.Terminal)
	return slices.DeleteFunc(env, func(e string) bool { return e == "HOME=" })
}
