package engine

import (
	"fmt"
	"path"
	"strings"
	"time"
)

// FilterImages keeps the images matching every filter key (values of one
// key OR): dangling=true|false, label=KEY[=VALUE], reference=PATTERN (a
// shell pattern over the names, with or without the registry part),
// before=IMAGE and since=IMAGE (created before or after that image).
func FilterImages(list []Image, filters []string) ([]Image, error) {
	byKey := map[string][]string{}
	created := map[string]time.Time{} // before/since value -> its image's time
	for _, f := range filters {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("invalid filter %q: want key=value: %w", f, ErrInvalidArg)
		}
		switch k {
		case "dangling":
			if v != "true" && v != "false" {
				return nil, fmt.Errorf("invalid filter %q: dangling takes true or false: %w", f, ErrInvalidArg)
			}
		case "label":
		case "before", "since":
			img, ok := findInList(list, v)
			if !ok {
				return nil, fmt.Errorf("invalid filter %q: no such image %q: %w", f, v, ErrNoSuchImage)
			}
			created[v] = img.Created
		case "reference":
			if _, err := path.Match(v, ""); err != nil {
				return nil, fmt.Errorf("invalid filter %q: %v: %w", f, err, ErrInvalidArg)
			}
		default:
			return nil, fmt.Errorf("invalid filter %q: unknown key %q (use dangling, label, reference, before, since): %w", f, k, ErrInvalidArg)
		}
		byKey[k] = append(byKey[k], v)
	}
	var out []Image
	for _, img := range list {
		ok := true
		for k, vs := range byKey {
			any := false
			for _, v := range vs {
				if imageMatches(img, k, v, created[v]) {
					any = true
					break
				}
			}
			ok = ok && any
		}
		if !ok {
			continue
		}
		// Like docker, a reference filter also narrows the names shown.
		if refs := byKey["reference"]; len(refs) > 0 {
			img.Names = matchingNames(img.Names, refs)
		}
		out = append(out, img)
	}
	return out, nil
}

func matchingNames(names, patterns []string) []string {
	var out []string
	for _, n := range names {
		for _, p := range patterns {
			if nameMatches(n, p) {
				out = append(out, n)
				break
			}
		}
	}
	return out
}

// nameMatches matches a shell pattern against a full name, the name
// without its registry, or that without its tag.
func nameMatches(name, pattern string) bool {
	short := name
	if i := strings.Index(name, "/"); i >= 0 {
		short = name[i+1:]
	}
	repo, _, _ := strings.Cut(short, ":")
	fullRepo := strings.TrimSuffix(name, ":"+strings.TrimPrefix(short, repo+":"))
	for _, cand := range []string{name, short, repo, fullRepo} {
		if m, _ := path.Match(pattern, cand); m {
			return true
		}
	}
	return false
}

func imageMatches(img Image, key, val string, ref time.Time) bool {
	switch key {
	case "before":
		return img.Created.Before(ref)
	case "since":
		return img.Created.After(ref)
	case "dangling":
		return img.Dangling == (val == "true")
	case "label":
		k, v, hasV := strings.Cut(val, "=")
		got, ok := img.Labels[k]
		return ok && (!hasV || got == v)
	case "reference":
		return len(matchingNames(img.Names, []string{val})) > 0
	}
	return false
}

// findInList finds the image ref names among list: an ID (prefix, with or
// without sha256:), a stored name, or a short name with or without tag.
func findInList(list []Image, ref string) (Image, bool) {
	id := strings.TrimPrefix(ref, "sha256:")
	for _, img := range list {
		if len(id) >= 3 && strings.HasPrefix(img.ID, id) {
			return img, true
		}
	}
	for _, img := range list {
		for _, n := range img.Names {
			if n == ref || n == ref+":latest" || strings.HasSuffix(n, "/"+ref) || strings.HasSuffix(n, "/"+ref+":latest") {
				return img, true
			}
		}
	}
	return Image{}, false
}
