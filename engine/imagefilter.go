package engine

import (
	"fmt"
	"path"
	"strings"
)

// FilterImages keeps the images matching every filter key (values of one
// key OR): dangling=true|false, label=KEY[=VALUE], reference=PATTERN (a
// shell pattern over the names, with or without the registry part).
func FilterImages(list []Image, filters []string) ([]Image, error) {
	type cond struct{ key, val string }
	byKey := map[string][]string{}
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
		case "reference":
			if _, err := path.Match(v, ""); err != nil {
				return nil, fmt.Errorf("invalid filter %q: %v: %w", f, err, ErrInvalidArg)
			}
		default:
			return nil, fmt.Errorf("invalid filter %q: unknown key %q (use dangling, label, reference): %w", f, k, ErrInvalidArg)
		}
		byKey[k] = append(byKey[k], v)
	}
	var out []Image
	for _, img := range list {
		ok := true
		for k, vs := range byKey {
			any := false
			for _, v := range vs {
				if imageMatches(img, k, v) {
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

func imageMatches(img Image, key, val string) bool {
	switch key {
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
