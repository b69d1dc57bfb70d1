package engine

import (
	"context"
	"encoding/json"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// prefetch starts, on other goroutines, the work that a command creating
// or starting a container is sure to need and that does not depend on the
// state database: opening the image store, and building encoding/json's
// encoders for the types written on the way to `runc create`.
//
// Why: a `run` is one short process on a 2-core machine whose main
// goroutine is busy opening the database meanwhile. The image store takes
// ~1.3 ms to open; encoding/json builds a type's encoder (reflection over
// every field of every nested type) the first time it meets the type, which
// for the OCI spec alone costs ~1.4 ms of each `run`. Both move off the
// critical path. Close waits for the store.
func (r *Runtime) prefetch(ctx context.Context) {
	go func() { _, _, _ = r.storage(ctx) }()
	go warmEncoders()
}

// warmEncoders makes encoding/json build and cache the encoders of the
// types that create and start marshal (config.json, the container row).
// The encoder of a type is built for its whole type graph, whatever the
// value, so zero values suffice.
func warmEncoders() {
	for _, v := range []any{&rspec.Spec{}, &ContainerConfig{}, &ContainerState{}} {
		_, _ = json.Marshal(v)
	}
}
