package container

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berthproject/berth/engine/spec"
)

// healthFlags are podman's --health-* flags of create and run.
type healthFlags struct {
	cmd                            string
	interval, timeout, startPeriod time.Duration
	retries                        int
	onFailure                      string
	none                           bool
}

func (f *healthFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.cmd, "health-cmd", "", `healthcheck command: a shell command, or a JSON array run without a shell ('["CMD","wget","-q","localhost"]')`)
	fs.DurationVar(&f.interval, "health-interval", spec.DefaultHealthInterval, "time between healthchecks")
	fs.DurationVar(&f.timeout, "health-timeout", spec.DefaultHealthTimeout, "time a healthcheck may take before it counts as failed")
	fs.DurationVar(&f.startPeriod, "health-start-period", 0, "time after start during which failures do not count")
	fs.IntVar(&f.retries, "health-retries", spec.DefaultHealthRetries, "consecutive failures that make the container unhealthy")
	fs.StringVar(&f.onFailure, "health-on-failure", "none", "what to do when the container turns unhealthy: none, kill, restart or stop")
	fs.BoolVar(&f.none, "no-healthcheck", false, "disable any healthcheck")
}

// healthcheck returns the configured check, or nil when none was asked.
func (f *healthFlags) healthcheck(cmd *cobra.Command) (*spec.Healthcheck, error) {
	if f.none {
		if f.cmd != "" {
			return nil, usageErr("--no-healthcheck conflicts with --health-cmd")
		}
		return &spec.Healthcheck{Test: []string{"NONE"}}, nil
	}
	if f.cmd == "" {
		for _, name := range []string{"health-interval", "health-timeout", "health-start-period", "health-retries", "health-on-failure"} {
			if cmd.Flags().Changed(name) {
				return nil, usageErr("--%s needs --health-cmd", name)
			}
		}
		return nil, nil
	}
	h := &spec.Healthcheck{Interval: f.interval, Timeout: f.timeout, StartPeriod: f.startPeriod,
		Retries: f.retries, OnFailure: f.onFailure}
	if strings.HasPrefix(strings.TrimSpace(f.cmd), "[") {
		var args []string
		if err := json.Unmarshal([]byte(f.cmd), &args); err != nil {
			return nil, usageErr("invalid --health-cmd JSON array: %v", err)
		}
		if len(args) > 0 && (args[0] == "CMD" || args[0] == "CMD-SHELL" || args[0] == "NONE") {
			h.Test = args
		} else {
			h.Test = append([]string{"CMD"}, args...)
		}
	} else {
		h.Test = []string{"CMD-SHELL", f.cmd}
	}
	return h, nil
}
