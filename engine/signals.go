package engine

import (
	"fmt"
	"syscall"

	"github.com/berthproject/berth/internal/signals"
)

// ParseSignal parses a signal name ("TERM", "SIGKILL") or number.
func ParseSignal(s string) (syscall.Signal, error) {
	sig, err := signals.Parse(s)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrInvalidArg, err)
	}
	return sig, nil
}

func signalName(sig syscall.Signal) string { return signals.Name(sig) }
