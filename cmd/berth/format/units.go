package format

import (
	"time"

	units "github.com/docker/go-units"
)

// HumanDuration renders d the way docker and podman print ages and uptimes
// ("Less than a second", "About a minute", "3 hours", "2 weeks", ...). It is
// go-units' HumanDuration, the function both CLIs use, so the wording and the
// rounding (hours round to nearest, other units truncate) match exactly.
func HumanDuration(d time.Duration) string {
	return units.HumanDuration(d)
}

// HumanSize renders a byte count in decimal units with three significant
// digits ("0B", "1.15kB", "2.1MB"), as the SIZE columns of `docker images`
// and `podman images` do (go-units HumanSizeWithPrecision(size, 3)). Like
// theirs, a value just under a unit boundary prints as "1e+03kB".
func HumanSize(bytes int64) string {
	return units.HumanSizeWithPrecision(float64(bytes), 3)
}

// TimeAgo renders the age of t relative to now, e.g. "5 minutes ago", as the
// CREATED columns do. now is a parameter so callers (and tests) use one clock
// for a whole listing.
func TimeAgo(t, now time.Time) string {
	return HumanDuration(now.Sub(t)) + " ago"
}
