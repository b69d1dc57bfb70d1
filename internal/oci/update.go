package oci

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
)

// Update changes the cgroup limits of a running container
// (`runtime update --resources FILE`). The file is written in dir (the
// container's bundle) so nothing lands in a shared temp dir.
func (r *Runtime) Update(ctx context.Context, id, dir string, res *rspec.LinuxResources) error {
	if err := checkID(id); err != nil {
		return err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "resources-*.json")
	if err != nil {
		return fmt.Errorf("writing resources: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("writing resources: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	_, err = r.run(ctx, "update", "--resources", filepath.Clean(f.Name()), id)
	return err
}
