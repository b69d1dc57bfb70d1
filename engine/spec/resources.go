package spec

import (
	"fmt"
	"strconv"
	"strings"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Resources are the cgroup limits of a container (--memory, --cpus, ...).
// Zero values mean "no limit set".
type Resources struct {
	Memory            int64   `json:"memory,omitempty"`            // bytes
	MemorySwap        int64   `json:"memorySwap,omitempty"`        // memory+swap bytes; -1 unlimited
	MemoryReservation int64   `json:"memoryReservation,omitempty"` // bytes (soft limit)
	CPUs              float64 `json:"cpus,omitempty"`              // number of CPUs (quota/period)
	CPUShares         uint64  `json:"cpuShares,omitempty"`
	CPUSetCPUs        string  `json:"cpusetCpus,omitempty"`
	CPUSetMems        string  `json:"cpusetMems,omitempty"`
	PidsLimit         int64   `json:"pidsLimit,omitempty"` // -1 unlimited
	BlkioWeight       uint16  `json:"blkioWeight,omitempty"`
	OOMKillDisable    bool    `json:"oomKillDisable,omitempty"`
}

// Ulimit is one --ulimit TYPE=SOFT[:HARD].
type Ulimit struct {
	Name string `json:"name"` // nofile, nproc, core, ... (without RLIMIT_)
	Soft uint64 `json:"soft"`
	Hard uint64 `json:"hard"`
}

// cpuPeriod is the CFS period --cpus is expressed in (docker's).
const cpuPeriod = 100000

// Validate checks the limits on their own.
func (r *Resources) Validate() error {
	if r == nil {
		return nil
	}
	switch {
	case r.Memory < 0 || r.MemoryReservation < 0:
		return invalidf("memory limits must not be negative")
	case r.Memory > 0 && r.Memory < 6*1024*1024:
		return invalidf("minimum memory limit allowed is 6MB")
	case r.MemorySwap > 0 && r.Memory > 0 && r.MemorySwap < r.Memory:
		return invalidf("--memory-swap (%d) must be at least --memory (%d)", r.MemorySwap, r.Memory)
	case r.MemorySwap > 0 && r.Memory == 0:
		return invalidf("--memory-swap needs --memory")
	case r.CPUs < 0:
		return invalidf("--cpus must not be negative")
	case r.BlkioWeight != 0 && (r.BlkioWeight < 10 || r.BlkioWeight > 1000):
		return invalidf("--blkio-weight must be between 10 and 1000")
	case r.PidsLimit < -1:
		return invalidf("--pids-limit must be -1 (unlimited) or positive")
	}
	for _, set := range []string{r.CPUSetCPUs, r.CPUSetMems} {
		if set != "" && !validCPUSet(set) {
			return invalidf("invalid cpuset %q: want a list like 0-2,4", set)
		}
	}
	return nil
}

func validCPUSet(s string) bool {
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil {
			return false
		}
		if isRange {
			b, err := strconv.ParseUint(hi, 10, 16)
			if err != nil || b < a {
				return false
			}
		}
	}
	return true
}

// LinuxResources is the OCI form of r (also what `runtime update` takes).
func (r *Resources) LinuxResources() *rspec.LinuxResources {
	out := &rspec.LinuxResources{}
	if r == nil {
		return out
	}
	if r.Memory != 0 || r.MemorySwap != 0 || r.MemoryReservation != 0 || r.OOMKillDisable {
		m := &rspec.LinuxMemory{}
		if r.Memory != 0 {
			m.Limit = ptr(r.Memory)
			// docker's default: as much swap as memory, unless told.
			m.Swap = ptr(2 * r.Memory)
		}
		if r.MemorySwap != 0 {
			m.Swap = ptr(r.MemorySwap)
		}
		if r.MemoryReservation != 0 {
			m.Reservation = ptr(r.MemoryReservation)
		}
		if r.OOMKillDisable {
			m.DisableOOMKiller = ptr(true)
		}
		out.Memory = m
	}
	if r.CPUs != 0 || r.CPUShares != 0 || r.CPUSetCPUs != "" || r.CPUSetMems != "" {
		c := &rspec.LinuxCPU{Cpus: r.CPUSetCPUs, Mems: r.CPUSetMems}
		if r.CPUs != 0 {
			c.Period = ptr(uint64(cpuPeriod))
			c.Quota = ptr(int64(r.CPUs * cpuPeriod))
		}
		if r.CPUShares != 0 {
			c.Shares = ptr(r.CPUShares)
		}
		out.CPU = c
	}
	if r.PidsLimit != 0 {
		out.Pids = &rspec.LinuxPids{Limit: ptr(r.PidsLimit)}
	}
	if r.BlkioWeight != 0 {
		out.BlockIO = &rspec.LinuxBlockIO{Weight: ptr(r.BlkioWeight)}
	}
	return out
}

// rlimitNames maps --ulimit names to RLIMIT_ constants (for validation).
var rlimitNames = map[string]int{
	"core": unix.RLIMIT_CORE, "cpu": unix.RLIMIT_CPU, "data": unix.RLIMIT_DATA,
	"fsize": unix.RLIMIT_FSIZE, "locks": unix.RLIMIT_LOCKS, "memlock": unix.RLIMIT_MEMLOCK,
	"msgqueue": unix.RLIMIT_MSGQUEUE, "nice": unix.RLIMIT_NICE, "nofile": unix.RLIMIT_NOFILE,
	"nproc": unix.RLIMIT_NPROC, "rss": unix.RLIMIT_RSS, "rtprio": unix.RLIMIT_RTPRIO,
	"rttime": unix.RLIMIT_RTTIME, "sigpending": unix.RLIMIT_SIGPENDING, "stack": unix.RLIMIT_STACK,
	"as": unix.RLIMIT_AS,
}

// ParseUlimit reads TYPE=SOFT[:HARD] ("-1" or "unlimited" for no limit).
func ParseUlimit(s string) (Ulimit, error) {
	name, vals, ok := strings.Cut(s, "=")
	if !ok {
		return Ulimit{}, invalidf("invalid --ulimit %q: want TYPE=SOFT[:HARD]", s)
	}
	if _, known := rlimitNames[name]; !known {
		return Ulimit{}, invalidf("invalid --ulimit %q: unknown limit %q", s, name)
	}
	softS, hardS, hasHard := strings.Cut(vals, ":")
	soft, err := parseLimit(softS)
	if err != nil {
		return Ulimit{}, invalidf("invalid --ulimit %q: %v", s, err)
	}
	hard := soft
	if hasHard {
		if hard, err = parseLimit(hardS); err != nil {
			return Ulimit{}, invalidf("invalid --ulimit %q: %v", s, err)
		}
	}
	if soft > hard {
		return Ulimit{}, invalidf("invalid --ulimit %q: soft limit above hard limit", s)
	}
	return Ulimit{Name: name, Soft: soft, Hard: hard}, nil
}

func parseLimit(s string) (uint64, error) {
	if s == "-1" || s == "unlimited" {
		return unix.RLIM_INFINITY, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return v, nil
}

// applyUlimits replaces or adds the user's limits over the inherited ones.
// A hard limit above what berth itself has needs CAP_SYS_RESOURCE: the
// runtime then reports it at start; nothing here raises limits silently.
func applyUlimits(base []rspec.POSIXRlimit, ulimits []Ulimit) []rspec.POSIXRlimit {
	for _, u := range ulimits {
		typ := "RLIMIT_" + strings.ToUpper(u.Name)
		replaced := false
		for i := range base {
			if base[i].Type == typ {
				base[i].Soft, base[i].Hard, replaced = u.Soft, u.Hard, true
			}
		}
		if !replaced {
			base = append(base, rspec.POSIXRlimit{Type: typ, Soft: u.Soft, Hard: u.Hard})
		}
	}
	return base
}
