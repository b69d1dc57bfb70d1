// Command berth is a daemonless OCI container engine with podman's and
// docker's command line.
package main

import (
	"os"

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
