package system

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/berthproject/berth/api"
	"github.com/berthproject/berth/cmd/berth/cli"
)

func newService(g *cli.Globals) *cobra.Command {
	var idle uint
	cmd := &cobra.Command{
		Use:   "service [flags] [URI]",
		Short: "Serve the Docker Engine API (docker CLI, Docker SDKs) on a socket",
		Long: `Serve the Docker Engine REST API so that Docker API clients (the docker CLI,
the Docker SDKs) drive berth with DOCKER_HOST set to the URI.

URI is unix:///path/to/socket (default: berth.sock in the --runroot, mode 0660)
or tcp://127.0.0.1:PORT. The API is unauthenticated: a TCP address other than
a loopback one lets anyone who reaches it run containers as root.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			// A daemon, unlike a command (main.go): Go's default GC target.
			debug.SetGCPercent(100)
			uri := "unix://" + filepath.Join(g.RunRoot, "berth.sock")
			if len(args) == 1 {
				uri = args[0]
			}
			l, cleanup, err := listen(uri)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			defer cleanup()
			rt, err := g.Runtime(cmd.Context())
			if err != nil {
				return err
			}
			logrus.Infof("berth API service listening on %s", uri)
			return api.New(rt).Serve(cmd.Context(), l, time.Duration(idle)*time.Second)
		},
	}
	cmd.Flags().UintVarP(&idle, "time", "t", 5, "exit after this many seconds without a request in flight (0: never)")
	return cmd
}

// listen opens the listener for uri; cleanup removes a unix socket file.
func listen(uri string) (net.Listener, func(), error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, nil, fmt.Errorf("invalid URI %q: %w", uri, err)
	}
	switch u.Scheme {
	case "unix":
		path := u.Path
		if path == "" {
			path = u.Opaque
		}
		if !filepath.IsAbs(path) {
			return nil, nil, fmt.Errorf("invalid URI %q: want unix:///absolute/path", uri)
		}
		return listenUnix(path)
	case "tcp":
		if u.Host == "" || u.Port() == "" {
			return nil, nil, fmt.Errorf("invalid URI %q: want tcp://HOST:PORT", uri)
		}
		if ip := net.ParseIP(u.Hostname()); (ip == nil || !ip.IsLoopback()) && u.Hostname() != "localhost" {
			logrus.Warnf("serving the API unauthenticated on %s: anyone who reaches it can run containers as root", u.Host)
		}
		l, err := net.Listen("tcp", u.Host)
		if err != nil {
			return nil, nil, err
		}
		return l, func() {}, nil
	}
	return nil, nil, fmt.Errorf("invalid URI %q: use unix:///PATH or tcp://HOST:PORT", uri)
}

// listenUnix listens on path with mode 0660, replacing a stale socket that
// nobody serves any more (a killed service leaves one) but never one that
// is in use.
func listenUnix(path string) (net.Listener, func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o711); err != nil {
		return nil, nil, err
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, nil, fmt.Errorf("%s exists and is not a socket", path)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, nil, fmt.Errorf("%s is in use by another service", path)
		} else if !errors.Is(err, syscall.ECONNREFUSED) {
			return nil, nil, fmt.Errorf("checking %s: %w", path, err)
		}
		os.Remove(path)
	}
	// The umask makes the socket 0660 from birth: no moment where others
	// could connect.
	old := syscall.Umask(0o117)
	l, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, nil, err
	}
	if err := os.Chmod(path, 0o660); err != nil {
		l.Close()
		return nil, nil, err
	}
	// Close removes the socket file (net.UnixListener unlinks on Close).
	return l, func() { l.Close() }, nil
}
