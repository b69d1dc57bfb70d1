package engine

import "context"

// Network hooks of the lifecycle. Networking (issue #5) replaces these
// bodies; the call sites in lifecycle.go and cleanup.go stay as they are.

// setupNetwork prepares the container's network before the runtime
// creates it and returns the network namespace path for the OCI spec ("":
// the runtime makes a private one, as for --network none; host mode
// shares the host's and ignores the path).
func (l *Locked) setupNetwork(ctx context.Context) (netnsPath string, err error) {
	return "", nil
}

// teardownNetwork releases what setupNetwork made; it must tolerate being
// called again and after a crash half-way through setup.
func (l *Locked) teardownNetwork(ctx context.Context) error {
	return nil
}
