// Package signals converts between Linux signal names and numbers the way
// users write them on command lines and in image configs ("TERM",
// "SIGTERM", "15", "RTMIN+3", "SIGRTMAX-2").
package signals

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// ErrUnknown is wrapped by every error Parse returns.
var ErrUnknown = errors.New("unknown signal")

// Real-time signal bounds as seen by programs linked against glibc or musl:
// the kernel's first two real-time signals (32, 33) are reserved by the C
// library's threading implementation, so SIGRTMIN is 34 (signal(7), "Real-time
// signals"). SIGRTMAX is the kernel's _NSIG-1 = 64 on every Linux arch Go
// supports except MIPS (127), where containers are not a concern for berth.
const (
	rtMin = 34
	rtMax = 64
)

// aliases are historical names the kernel headers define for existing
// signals; unix.SignalNum does not know them.
var aliases = map[string]syscall.Signal{
	"SIGIOT":  syscall.SIGABRT,
	"SIGCLD":  syscall.SIGCHLD,
	"SIGPOLL": syscall.SIGIO,
}

// Parse converts a signal name or number into a signal. Names are case
// insensitive and the "SIG" prefix is optional.
func Parse(s string) (syscall.Signal, error) {
	if s == "" {
		return 0, fmt.Errorf("%w: empty signal", ErrUnknown)
	}
	if s[0] >= '0' && s[0] <= '9' {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > rtMax {
			return 0, fmt.Errorf("%w: %q is not a signal number (1-%d)", ErrUnknown, s, rtMax)
		}
		return syscall.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	if sig, ok := aliases[name]; ok {
		return sig, nil
	}
	if sig, ok := parseRealtime(name); ok {
		return sig, nil
	}
	return 0, fmt.Errorf("%w: %q", ErrUnknown, s)
}

// parseRealtime handles SIGRTMIN, SIGRTMIN+N, SIGRTMAX and SIGRTMAX-N.
func parseRealtime(name string) (syscall.Signal, bool) {
	var base, sign int
	var rest string
	switch {
	case strings.HasPrefix(name, "SIGRTMIN"):
		base, sign, rest = rtMin, 1, name[len("SIGRTMIN"):]
	case strings.HasPrefix(name, "SIGRTMAX"):
		base, sign, rest = rtMax, -1, name[len("SIGRTMAX"):]
	default:
		return 0, false
	}
	if rest == "" {
		return syscall.Signal(base), true
	}
	op := "+"
	if sign < 0 {
		op = "-"
	}
	digits, ok := strings.CutPrefix(rest, op)
	if !ok || digits == "" {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 || n > rtMax-rtMin {
		return 0, false
	}
	return syscall.Signal(base + sign*n), true
}

// Name returns the conventional name of sig ("SIGTERM", "SIGRTMIN+3").
// Real-time signals are named like kill -l does: SIGRTMIN+N for the lower
// half, SIGRTMAX-N for the upper half. Signals without a name come back as
// their decimal number, which Parse accepts.
func Name(sig syscall.Signal) string {
	if n := unix.SignalName(sig); n != "" {
		return n
	}
	switch {
	case sig == rtMin:
		return "SIGRTMIN"
	case sig == rtMax:
		return "SIGRTMAX"
	case sig > rtMin && sig <= (rtMin+rtMax)/2:
		return "SIGRTMIN+" + strconv.Itoa(int(sig-rtMin))
	case sig > (rtMin+rtMax)/2 && sig < rtMax:
		return "SIGRTMAX-" + strconv.Itoa(int(rtMax-sig))
	}
	return strconv.Itoa(int(sig))
}
