package image

import (
	"fmt"
	"strings"

	cstorage "go.podman.io/storage"
)

// minPrefix is the shortest ID prefix accepted, as in the storage library.
const minPrefix = 3

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return s != ""
}

// findImage resolves ref among imgs (see Service.Lookup for the rules) and
// returns the index of the image and, for a tagged-name match, the stored
// name that matched.
func findImage(imgs []cstorage.Image, ref string) (int, string, error) {
	if ref == "" {
		return -1, "", fmt.Errorf("empty image reference: %w", ErrNotFound)
	}
	if hex, ok := strings.CutPrefix(ref, "sha256:"); ok {
		if !isHex(hex) || len(hex) < minPrefix {
			return -1, "", fmt.Errorf("%s: invalid image ID: %w", ref, ErrNotFound)
		}
		i, err := findID(imgs, hex)
		if err != nil {
			return -1, "", err
		}
		if i < 0 {
			return -1, "", fmt.Errorf("%s: %w", ref, ErrNotFound)
		}
		return i, "", nil
	}
	if isHex(ref) && len(ref) >= minPrefix {
		i, err := findID(imgs, ref)
		if err != nil {
			return -1, "", err
		}
		if i >= 0 {
			return i, "", nil
		}
		if len(ref) == 64 { // a 64-hex string is never a valid name
			return -1, "", fmt.Errorf("%s: %w", ref, ErrNotFound)
		}
	}
	q, err := parseNameQuery(ref)
	if err != nil {
		return -1, "", fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	for _, repo := range q.repos {
		for i := range imgs {
			for _, n := range imgs[i].Names {
				if q.matches(&imgs[i], n, func(r string) bool { return r == repo }) {
					return i, matchedName(q, n), nil
				}
			}
		}
	}
	if q.suffix != "" {
		found, name := -1, ""
		for i := range imgs {
			for _, n := range imgs[i].Names {
				if q.matches(&imgs[i], n, func(r string) bool { return strings.HasSuffix(r, q.suffix) }) {
					if found >= 0 && found != i {
						return -1, "", fmt.Errorf("%s matches %s and %s: %w", ref, name, n, ErrAmbiguous)
					}
					if found < 0 {
						found, name = i, n
					}
				}
			}
		}
		if found >= 0 {
			return found, matchedName(q, name), nil
		}
	}
	return -1, "", fmt.Errorf("%s: %w", ref, ErrNotFound)
}

// matchedName is the stored name a tag query matched; digest queries name
// the image itself rather than one of its tags.
func matchedName(q nameQuery, stored string) string {
	if q.dgst != "" {
		return ""
	}
	return stored
}

// findID returns the index of the image whose ID is id or starts with it,
// -1 if none, or ErrAmbiguous.
func findID(imgs []cstorage.Image, id string) (int, error) {
	found := -1
	for i := range imgs {
		if imgs[i].ID == id {
			return i, nil
		}
		if strings.HasPrefix(imgs[i].ID, id) {
			if found >= 0 {
				return -1, fmt.Errorf("%s: %w", id, ErrAmbiguous)
			}
			found = i
		}
	}
	return found, nil
}
