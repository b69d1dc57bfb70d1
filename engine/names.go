package engine

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"regexp"
)

// Container names follow docker's rule, so names move between engines.
var nameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

func validateName(name string) error {
	if !nameRE.MatchString(name) {
		return fmt.Errorf("invalid container name %q: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: %w", name, ErrInvalidArg)
	}
	return nil
}

// newID returns a random 64-hex ID whose 12-char short form is not all
// digits, so a short ID can never be mistaken for a number.
func newID() (string, error) {
	b := make([]byte, 32)
	for {
		if _, err := rand.Read(b); err != nil {
			return "", fmt.Errorf("generating ID: %w", err)
		}
		id := hex.EncodeToString(b)
		for _, c := range id[:12] {
			if c >= 'a' {
				return id, nil
			}
		}
	}
}

// Generated names are "adjective_noun", like docker's, from our own lists:
// sea and harbour words, since containers here are berthed.
var (
	nameAdjectives = []string{
		"amber", "brave", "brisk", "calm", "clever", "coastal", "cosy", "crisp",
		"daring", "deep", "eager", "fair", "fleet", "gentle", "glad", "golden",
		"hardy", "humble", "jolly", "keen", "kind", "lively", "lucid", "mellow",
		"merry", "mighty", "nimble", "noble", "patient", "plucky", "proud", "quiet",
		"rapid", "salty", "serene", "sharp", "silent", "sleek", "snug", "sober",
		"steady", "stout", "sturdy", "swift", "tidy", "trusty", "vivid", "wise",
	}
	nameNouns = []string{
		"anchor", "atoll", "ballast", "barge", "beacon", "bollard", "bow", "buoy",
		"cabin", "capstan", "cove", "crane", "dinghy", "dock", "ferry", "fjord",
		"galley", "gull", "harbour", "hull", "inlet", "jetty", "keel", "ketch",
		"lagoon", "lantern", "lighthouse", "mast", "mooring", "oar", "pier", "pilot",
		"quay", "reef", "rudder", "sail", "schooner", "skiff", "slipway", "sloop",
		"starboard", "stern", "tide", "tugboat", "wharf", "windlass", "yacht", "yawl",
	}
)

func pick(list []string) string {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(list))))
	if err != nil {
		return list[0]
	}
	return list[n.Int64()]
}

// generateName returns a random name; after a few collisions the caller
// asks for a suffixed one (attempt > 0) to widen the space.
func generateName(attempt int) string {
	name := pick(nameAdjectives) + "_" + pick(nameNouns)
	if attempt > 2 {
		name += fmt.Sprintf("%d", attempt)
	}
	return name
}
