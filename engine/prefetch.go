package engine

import (
	"context"
	"encoding/json"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// prefetch starts, on other goroutines, the work that a command creating
// or starting a container is sure to need and that does not depend on the
// state database: opening the image store and reading its image and layer
// lists, and building encoding/json's encoders for the types read and
// written on the way to `runc create`.
//
// Why: a `run` is one short process on a 2-core machine whose main
// goroutine is busy opening the database meanwhile. The image store takes
// ~1.3 ms to open and ~1 ms more to read its lists; encoding/json builds
// a type's encoder (reflection over every field of every nested type) the
// first time it meets the type, which for the OCI spec alone costs ~1.4 ms
// of each `run`. All of it moves off
// the critical path. The first user of the store, and Close, wait for
// both to finish.
func (r *Runtime) prefetch(ctx context.Context) {
	go r.storeOnce.Do(func() {
		if r.openStorage(ctx); r.store != nil {
			r.store.Warm()
		}
	})
	go warmEncoders()
}

// warmEncoders makes encoding/json build and cache the encoders of the
// types that create and start marshal (config.json, the container row).
// The encoder of a type is built for its whole type graph, whatever the
// value, so zero values suffice.
func warmEncoders() {
	for _, v := range []any{&rspec.Spec{}, &ContainerConfig{}, &ContainerState{}, &v1.Image{}} {
		_, _ = json.Marshal(v)
	}
}
