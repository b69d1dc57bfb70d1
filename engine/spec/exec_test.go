package spec

import (
	"slices"
	"testing"
)

func TestExecProcess(t *testing.T) {
	root := fakeRootfs(t)
	cs := &ContainerSpec{Env: []string{"FROM_RUN=1", "SHARED=run"}, WorkDir: "/srv", User: "app", CapDrop: []string{"CHOWN"}}
	img := &ImageConfig{Env: []string{"PATH=/img/bin", "FROM_IMAGE=1"}, WorkingDir: "/img"}

	p, err := ExecProcess(t.Context(), cs, img, "0123456789abcdef", root, ExecOptions{
		Command: []string{"sh", "-c", "true"}, Env: []string{"SHARED=exec", "NEW=2"}, Terminal: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Args, []string{"sh", "-c", "true"}) || p.Cwd != "/srv" || !p.Terminal {
		t.Errorf("args %q cwd %q terminal %v", p.Args, p.Cwd, p.Terminal)
	}
	for _, want := range []string{"PATH=/img/bin", "FROM_IMAGE=1", "FROM_RUN=1", "SHARED=exec", "NEW=2", "TERM=xterm", "HOME=/home/app"} {
		if !slices.Contains(p.Env, want) {
			t.Errorf("env %q lacks %q", p.Env, want)
		}
	}
	if p.User.UID != 1000 {
		t.Errorf("user %+v, want the container's (app, 1000)", p.User)
	}
	// A non-root user keeps capabilities only in the bounding set.
	if len(p.Capabilities.Effective) != 0 || slices.Contains(p.Capabilities.Bounding, "CAP_CHOWN") {
		t.Errorf("capabilities %+v", p.Capabilities)
	}

	// -u and -w override; --privileged grants what the container dropped.
	p, err = ExecProcess(t.Context(), cs, img, "id", root, ExecOptions{Command: []string{"id"}, User: "0", WorkDir: "/tmp", Privileged: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.User.UID != 0 || p.Cwd != "/tmp" || !slices.Contains(p.Capabilities.Effective, "CAP_CHOWN") {
		t.Errorf("override: user %+v cwd %q caps %v", p.User, p.Cwd, p.Capabilities.Effective)
	}

	for name, o := range map[string]ExecOptions{
		"no command":   {},
		"relative dir": {Command: []string{"true"}, WorkDir: "tmp"},
		"bad env":      {Command: []string{"true"}, Env: []string{"=x"}},
		"unknown user": {Command: []string{"true"}, User: "nobody-here"},
	} {
		if _, err := ExecProcess(t.Context(), cs, img, "id", root, o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
