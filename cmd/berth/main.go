// Command berth is a daemonless OCI container engine with podman's and
// docker's command line.
package main

import (
	"os"
	"runtime/debug"

	"go.podman.io/storage/pkg/reexec"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/cmd/berth/container"
	"github.com/berthproject/berth/cmd/berth/image"
	"github.com/berthproject/berth/cmd/berth/network"
	"github.com/berthproject/berth/cmd/berth/pod"
	"github.com/berthproject/berth/cmd/berth/system"
	"github.com/berthproject/berth/cmd/berth/volume"
	"github.com/berthproject/berth/engine"
)

// version is set at build time (-ldflags -X main.version=...).
var version = "0.1.0-dev"

func main() {
	// containers/storage re-executes this binary for some of its work
	// (untar, mount helpers); those children must stop here.
	if reexec.Init() {
		return
	}
	// A command is a short process that allocates a few MB. At Go's default
	// target one collection runs during start-up anyway, and on a 2-core
	// machine its workers take the core that conmon and runc need (~2 ms of
	// a `run --rm`). A fivefold target puts it past what a command
	// allocates; the long-running API service sets the default back.
	debug.SetGCPercent(400)
	engine.Version = version
	root, g := cli.NewRoot()
	container.Register(root, g)
	image.Register(root, g)
	system.Register(root, g)
	volume.Register(root, g)
	network.Register(root, g)
	pod.Register(root, g)
	os.Exit(cli.Execute(root, g))
}
