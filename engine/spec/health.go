package spec

import (
	"strings"
	"time"
)

// Healthcheck is docker's HEALTHCHECK / podman's --health-* settings.
type Healthcheck struct {
	// Test is ["CMD", args...], ["CMD-SHELL", "command"] or ["NONE"].
	Test        []string      `json:"test"`
	Interval    time.Duration `json:"interval,omitempty"`    // default 30s
	Timeout     time.Duration `json:"timeout,omitempty"`     // default 30s
	StartPeriod time.Duration `json:"startPeriod,omitempty"` // failures then do not count
	Retries     int           `json:"retries,omitempty"`     // default 3
	// OnFailure is what happens when the container turns unhealthy:
	// none, kill, restart or stop.
	OnFailure string `json:"onFailure,omitempty"`
}

// Healthcheck defaults, docker's.
const (
	DefaultHealthInterval = 30 * time.Second
	DefaultHealthTimeout  = 30 * time.Second
	DefaultHealthRetries  = 3
)

// Enabled reports whether h describes a check to run.
func (h *Healthcheck) Enabled() bool {
	return h != nil && len(h.Test) > 0 && h.Test[0] != "NONE"
}

// Args returns the command line to run inside the container.
func (h *Healthcheck) Args() []string {
	switch h.Test[0] {
	case "CMD":
		return h.Test[1:]
	case "CMD-SHELL":
		return []string{"/bin/sh", "-c", strings.Join(h.Test[1:], " ")}
	}
	return h.Test
}

// WithDefaults fills the zero durations and retries.
func (h Healthcheck) WithDefaults() Healthcheck {
	if h.Interval == 0 {
		h.Interval = DefaultHealthInterval
	}
	if h.Timeout == 0 {
		h.Timeout = DefaultHealthTimeout
	}
	if h.Retries == 0 {
		h.Retries = DefaultHealthRetries
	}
	if h.OnFailure == "" {
		h.OnFailure = "none"
	}
	return h
}

func (h *Healthcheck) validate() error {
	if h == nil {
		return nil
	}
	if len(h.Test) == 0 {
		return invalidf("healthcheck without a command")
	}
	switch h.Test[0] {
	case "NONE":
	case "CMD", "CMD-SHELL":
		if len(h.Test) < 2 || strings.TrimSpace(strings.Join(h.Test[1:], "")) == "" {
			return invalidf("healthcheck %s without a command", h.Test[0])
		}
	default:
		return invalidf("healthcheck test must start with CMD, CMD-SHELL or NONE, not %q", h.Test[0])
	}
	switch {
	case h.Interval < 0 || (h.Interval > 0 && h.Interval < time.Second):
		return invalidf("--health-interval must be at least 1s")
	case h.Timeout < 0 || (h.Timeout > 0 && h.Timeout < time.Second):
		return invalidf("--health-timeout must be at least 1s")
	case h.StartPeriod < 0:
		return invalidf("--health-start-period must not be negative")
	case h.Retries < 0:
		return invalidf("--health-retries must not be negative")
	}
	switch h.OnFailure {
	case "", "none", "kill", "restart", "stop":
	default:
		return invalidf("--health-on-failure %q: use none, kill, restart or stop", h.OnFailure)
	}
	return nil
}
