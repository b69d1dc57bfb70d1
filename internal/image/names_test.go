package image

import (
	"errors"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	cstorage "go.podman.io/storage"
)

func TestNormalizeForTag(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"foo", "localhost/foo:latest"},
		{"foo:1", "localhost/foo:1"},
		{"team/foo", "localhost/team/foo:latest"},
		{"localhost/foo", "localhost/foo:latest"},
		{"quay.io/foo", "quay.io/foo:latest"},
		{"localhost:5000/foo:2", "localhost:5000/foo:2"},
		{"docker.io/library/alpine:3", "docker.io/library/alpine:3"},
		{"Foo", ""},
		{"foo@sha256:" + strings.Repeat("a", 64), ""},
		{"", ""},
	} {
		got, err := NormalizeForTag(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("NormalizeForTag(%q) = %q, want error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeForTag(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestNormalizeReference(t *testing.T) {
	d := "sha256:" + strings.Repeat("a", 64)
	for _, tc := range []struct{ in, want string }{
		{"busybox", "docker.io/library/busybox:latest"},
		{"team/foo:1", "docker.io/team/foo:1"},
		{"quay.io/foo", "quay.io/foo:latest"},
		{"localhost/busybox", "localhost/busybox:latest"},
		{"foo@" + d, "docker.io/library/foo@" + d},
		{"UPPER", ""},
	} {
		got, err := NormalizeReference(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("NormalizeReference(%q) = %q, want error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeReference(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestSplitStored(t *testing.T) {
	for _, tc := range []struct{ in, repo, tag, dgst string }{
		{"localhost/busybox:latest", "localhost/busybox", "latest", ""},
		{"localhost:5000/a/b:1", "localhost:5000/a/b", "1", ""},
		{"localhost:5000/a/b", "localhost:5000/a/b", "", ""},
		{"docker.io/library/x@sha256:ab", "docker.io/library/x", "", "sha256:ab"},
	} {
		r, tg, d := splitStored(tc.in)
		if r != tc.repo || tg != tc.tag || d != tc.dgst {
			t.Errorf("splitStored(%q) = %q %q %q", tc.in, r, tg, d)
		}
	}
}

func TestFindImage(t *testing.T) {
	id := func(c string) string { return strings.Repeat(c, 64) }
	dg := digest.Digest("sha256:" + strings.Repeat("d", 64))
	imgs := []cstorage.Image{
		{ID: "abc1" + id("0")[4:], Names: []string{"localhost/busybox:latest"}},
		{ID: "abc2" + id("0")[4:], Names: []string{"docker.io/library/busybox:latest", "docker.io/library/busybox:1"}},
		{ID: id("e"), Names: []string{"quay.io/team/tool:2", "registry.example:5000/other/tool:2"}, Digest: dg},
		{ID: id("f"), Names: []string{"quay.io/solo/app:latest", "docker.io/library/alpine:3"}},
		{ID: id("9")},
	}
	for _, tc := range []struct {
		ref  string
		want int    // index, or -1 for an error
		name string // matched stored name
		err  error
	}{
		{"busybox", 0, "localhost/busybox:latest", nil},
		{"busybox:latest", 0, "localhost/busybox:latest", nil},
		{"busybox:1", 1, "docker.io/library/busybox:1", nil},
		{"docker.io/library/busybox", 1, "docker.io/library/busybox:latest", nil},
		{"docker.io/busybox", 1, "docker.io/library/busybox:latest", nil},
		{"library/busybox:1", 1, "docker.io/library/busybox:1", nil},
		{"localhost/busybox", 0, "localhost/busybox:latest", nil},
		{"app", 3, "quay.io/solo/app:latest", nil},
		{"solo/app", 3, "quay.io/solo/app:latest", nil},
		{"alpine:3", 3, "docker.io/library/alpine:3", nil},
		{"tool:2", 2, "quay.io/team/tool:2", nil},
		{"tool", -1, "", ErrNotFound},
		{"quay.io/app", -1, "", ErrNotFound},
		{"team/tool@" + string(dg), 2, "", nil},
		{"quay.io/team/tool@" + string(dg), 2, "", nil},
		{"quay.io/solo/app@" + string(dg), -1, "", ErrNotFound},
		{"abc", -1, "", ErrAmbiguous},
		{"abc1", 0, "", nil},
		{"sha256:abc2", 1, "", nil},
		{id("e"), 2, "", nil},
		{"sha256:" + id("9"), 4, "", nil},
		{"eee", 2, "", nil},
		{id("7"), -1, "", ErrNotFound},
		{"sha256:zz", -1, "", ErrNotFound},
		{"", -1, "", ErrNotFound},
		{"NotValid", -1, "", ErrNotFound},
	} {
		got, name, err := findImage(imgs, tc.ref)
		if tc.want < 0 {
			if !errors.Is(err, tc.err) {
				t.Errorf("findImage(%q) = %d, %v; want %v", tc.ref, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want || name != tc.name {
			t.Errorf("findImage(%q) = %d, %q, %v; want %d, %q", tc.ref, got, name, err, tc.want, tc.name)
		}
	}
}

func TestFindImageAmbiguousShortName(t *testing.T) {
	imgs := []cstorage.Image{
		{ID: strings.Repeat("1", 64), Names: []string{"quay.io/a/tool:latest"}},
		{ID: strings.Repeat("2", 64), Names: []string{"quay.io/b/tool:latest"}},
	}
	if _, _, err := findImage(imgs, "tool"); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("got %v, want ErrAmbiguous", err)
	}
	if i, _, err := findImage(imgs, "b/tool"); err != nil || i != 1 {
		t.Errorf("b/tool: %d, %v", i, err)
	}
}

func TestLayoutNames(t *testing.T) {
	for _, tc := range []struct {
		ann  map[string]string
		want string
	}{
		{nil, ""},
		{map[string]string{"org.opencontainers.image.ref.name": "latest"}, ""},
		{map[string]string{"org.opencontainers.image.ref.name": "localhost/busybox:latest"}, "localhost/busybox:latest"},
		{map[string]string{"org.opencontainers.image.ref.name": "busybox:1"}, "docker.io/library/busybox:1"},
		{map[string]string{
			"org.opencontainers.image.ref.name": "latest",
			"io.containerd.image.name":          "docker.io/library/alpine:3",
		}, "docker.io/library/alpine:3"},
	} {
		got, err := layoutNames(tc.ann)
		if err != nil {
			t.Errorf("layoutNames(%v): %v", tc.ann, err)
			continue
		}
		if (tc.want == "" && len(got) != 0) || (tc.want != "" && (len(got) != 1 || got[0] != tc.want)) {
			t.Errorf("layoutNames(%v) = %v, want %q", tc.ann, got, tc.want)
		}
	}
}
