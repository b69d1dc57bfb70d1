// Package cli holds what every berth command shares: the root command and
// its global flags, the lazily opened engine runtime, and the mapping of
// errors to exit codes.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/berthproject/berth/engine"
)

// Globals are the global flags and the runtime they open. It is the one
// piece of state the CLI root owns; commands receive it explicitly.
type Globals struct {
	Root, RunRoot string
	OCIRuntime    string
	LogLevel      string
	// Prefetch is set by commands that create or start containers, before
	// they open the runtime (engine.Options.Prefetch).
	Prefetch bool

	rt *engine.Runtime
	// sigProxy, when set, receives the signals Execute would otherwise
	// turn into cancelling the command (see ProxySignals).
	sigProxy atomic.Pointer[func(os.Signal)]
	sigs     chan os.Signal
}

// NewRoot builds the root command.
func NewRoot() (*cobra.Command, *Globals) {
	g := &Globals{}
	root := &cobra.Command{
		Use:   "berth",
		Short: "Manage OCI containers and images, without a daemon",
		Long: `berth runs OCI containers with runc or crun under conmon, with the command
line of podman and docker. There is no daemon: every command is a short
process, and each running container is watched by its own conmon.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return g.setupLogging()
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&g.Root, "root", "/var/lib/berth", "directory for persistent data (state database, images, container layers, logs)")
	pf.StringVar(&g.RunRoot, "runroot", "/run/berth", "directory for volatile data (locks, bundles, exit files); emptied by a reboot")
	pf.StringVar(&g.OCIRuntime, "runtime", "", "OCI runtime: a path or name of runc or crun (default: the first that works on this host)")
	pf.StringVar(&g.LogLevel, "log-level", "warn", "log messages at or above this level: debug, info, warn, error")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return UsageError{fmt.Errorf("%w\nSee '%s --help'", err, c.CommandPath())}
	})
	return root, g
}

func (g *Globals) setupLogging() error {
	lvl, err := logrus.ParseLevel(g.LogLevel)
	if err != nil {
		return UsageError{fmt.Errorf("invalid --log-level %q: use debug, info, warn or error", g.LogLevel)}
	}
	logrus.SetLevel(lvl)
	logrus.SetOutput(os.Stderr)
	return nil
}

// Runtime opens the engine once, on first use: commands that need no
// engine (help, version) never pay for it.
func (g *Globals) Runtime(ctx context.Context) (*engine.Runtime, error) {
	if g.rt != nil {
		return g.rt, nil
	}
	rt, err := engine.Open(ctx, engine.Options{
		Root:           g.Root,
		RunRoot:        g.RunRoot,
		OCIRuntime:     g.OCIRuntime,
		CleanupCommand: g.selfCommand(),
		PullProgress:   os.Stderr,
		Prefetch:       g.Prefetch,
	})
	if err != nil {
		return nil, err
	}
	g.rt = rt
	return rt, nil
}

// selfCommand is how conmon calls this berth back (exit command), with
// the same global flags so that it finds the same state.
func (g *Globals) selfCommand() []string {
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	cmd := []string{self, "--root", g.Root, "--runroot", g.RunRoot, "--log-level", g.LogLevel}
	if g.OCIRuntime != "" {
		cmd = append(cmd, "--runtime", g.OCIRuntime)
	}
	return cmd
}

// Close releases the runtime.
func (g *Globals) Close() {
	if g.rt != nil {
		g.rt.Close()
	}
}

// Execute runs the command line and returns the process exit code.
func Execute(root *cobra.Command, g *Globals) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// SIGINT and SIGTERM cancel the command, unless it proxies signals to
	// a container (ProxySignals).
	sigs := make(chan os.Signal, 4)
	g.sigs = sigs
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case sig := <-sigs:
				if fn := g.sigProxy.Load(); fn != nil {
					(*fn)(sig)
				} else if sig == syscall.SIGINT || sig == syscall.SIGTERM {
					cancel()
				}
			}
		}
	}()
	err := root.ExecuteContext(ctx)
	g.Close()
	if err == nil {
		return 0
	}
	code := ExitCode(err)
	var ee ExitError
	if !errors.As(err, &ee) {
		PrintError(os.Stderr, err)
	}
	return code
}

// extraProxied are the signals forwarded to a container besides INT and
// TERM (docker forwards every catchable signal but CHLD, PIPE, URG and
// WINCH; these are the ones a user sends).
func extraProxied() []os.Signal {
	return []os.Signal{syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGALRM}
}

// ProxySignals hands the signals berth receives to fn (which forwards them
// to a container) instead of cancelling the command, until stop is called.
// It only works under Execute.
func (g *Globals) ProxySignals(fn func(os.Signal)) (stop func()) {
	g.sigProxy.Store(&fn)
	if g.sigs != nil {
		signal.Notify(g.sigs, extraProxied()...)
	}
	return func() {
		g.sigProxy.Store(nil)
		signal.Reset(extraProxied()...)
	}
}

// PrintError prints err the way podman does: "Error: message".
func PrintError(w io.Writer, err error) {
	fmt.Fprintf(w, "Error: %v\n", err)
}
