package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/berthproject/berth/engine"
)

// ParseTime reads an RFC 3339 time, Unix seconds (with fraction), or a
// duration counted back from now.
func ParseTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if sec, frac, ok := strings.Cut(s, "."); ok || sec != "" {
		n, err := strconv.ParseInt(sec, 10, 64)
		if err == nil {
			var ns int64
			if ok {
				f, _ := strconv.ParseFloat("0."+frac, 64)
				ns = int64(f * 1e9)
			}
			return time.Unix(n, ns), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a time, a Unix timestamp or a duration", s)
}

// ParseLogOptions reads the --tail, --since and --until values that logs
// and pod logs share ("all" or "" for every line; times as for ParseTime).
func ParseLogOptions(tail, since, until string, follow bool) (engine.LogOptions, error) {
	opts := engine.LogOptions{Tail: -1, Follow: follow}
	var err error
	if tail != "" && tail != "all" {
		if opts.Tail, err = strconv.Atoi(tail); err != nil || opts.Tail < 0 {
			return opts, UsageError{Err: fmt.Errorf("invalid --tail %q: want a number of lines or all", tail)}
		}
	}
	now := time.Now()
	if opts.Since, err = ParseTime(since, now); err != nil {
		return opts, UsageError{Err: fmt.Errorf("invalid --since: %v", err)}
	}
	if opts.Until, err = ParseTime(until, now); err != nil {
		return opts, UsageError{Err: fmt.Errorf("invalid --until: %v", err)}
	}
	return opts, nil
}
