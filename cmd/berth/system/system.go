// Package system holds version, info and the `berth system` group.
package system

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berthproject/berth/cmd/berth/cli"
	"github.com/berthproject/berth/cmd/berth/format"
	"github.com/berthproject/berth/engine"
)

// Register adds version and info at the top level and under `system`.
func Register(root *cobra.Command, g *cli.Globals) {
	root.AddCommand(newVersion(), newInfo(g), newEvents(g))
	group := &cobra.Command{
		Use:   "system",
		Short: "Manage berth itself",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	group.AddCommand(newInfo(g), newEvents(g), newDf(g), newReset(g), newService(g), newPrune(g))
	root.AddCommand(group)
}

func newVersion() *cobra.Command {
	var tmpl string
	cmd := &cobra.Command{
		Use:   "version [flags]",
		Short: "Show berth's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := engine.EngineVersion()
			if tmpl == "" {
				fmt.Printf("Version:      %s\nAPI Version:  %s\nGo Version:   %s\nOS/Arch:      %s\n",
					v.Version, v.APIVersion, v.GoVersion, v.OsArch)
				return nil
			}
			return write(tmpl, struct{ Client engine.VersionInfo }{v})
		},
	}
	cmd.Flags().StringVarP(&tmpl, "format", "f", "", "format the output with a Go template ({{.Client.Version}}) or json")
	return cmd
}

func newInfo(g *cli.Globals) *cobra.Command {
	var tmpl string
	cmd := &cobra.Command{
		Use:   "info [flags]",
		Short: "Show host, runtime and storage information",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rt, err := g.Runtime(cmd.Context())
			if err != nil {
				return err
			}
			info, err := rt.Info(cmd.Context())
			if err != nil {
				return err
			}
			if tmpl == "" {
				printInfo(info)
				return nil
			}
			return write(tmpl, info)
		},
	}
	cmd.Flags().StringVarP(&tmpl, "format", "f", "", "format the output with a Go template ({{.Host.Kernel}}) or json")
	return cmd
}

func write(tmpl string, v any) error {
	f, err := format.New(tmpl, "json", nil)
	if err != nil {
		return cli.UsageError{Err: err}
	}
	if f.IsJSON() {
		return f.Write(os.Stdout, v)
	}
	return f.Write(os.Stdout, []any{v})
}

func printInfo(i *engine.Info) {
	var b strings.Builder
	fmt.Fprintf(&b, "host:\n  arch: %s\n  os: %s\n  kernel: %s\n  hostname: %s\n  cpus: %d\n  memTotal: %d\n  cgroupVersion: %s\n",
		i.Host.Arch, i.Host.OS, i.Host.Kernel, i.Host.Hostname, i.Host.CPUs, i.Host.MemTotal, i.Host.CgroupVersion)
	fmt.Fprintf(&b, "  ociRuntime:\n    name: %s\n    path: %s\n    version: %s\n", i.Host.OCIRuntime.Name, i.Host.OCIRuntime.Path, i.Host.OCIRuntime.Version)
	fmt.Fprintf(&b, "  conmon:\n    path: %s\n    version: %s\n", i.Host.Conmon.Path, i.Host.Conmon.Version)
	fmt.Fprintf(&b, "store:\n  graphRoot: %s\n  runRoot: %s\n  graphDriverName: %s\n  containerStore:\n    number: %d\n    running: %d\n    paused: %d\n    stopped: %d\n  imageStore:\n    number: %d\n",
		i.Store.GraphRoot, i.Store.RunRoot, i.Store.GraphDriverName, i.Store.ContainersTotal, i.Store.ContainersRunning,
		i.Store.ContainersPaused, i.Store.ContainersStopped, i.Store.ImagesTotal)
	fmt.Fprintf(&b, "version:\n  Version: %s\n  GoVersion: %s\n  OsArch: %s\n", i.Version.Version, i.Version.GoVersion, i.Version.OsArch)
	fmt.Print(b.String())
}
