package image

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.podman.io/image/v5/types"

	"github.com/berthproject/berth/engine"
)

// regFlags are the registry flags pull, push, login, search and manifest
// push share.
type regFlags struct {
	tlsVerify              bool
	creds, authfile        string
	certDir                string
	platform, os, arch, vr string
}

func (f *regFlags) register(fs *pflag.FlagSet, withPlatform bool) {
	fs.BoolVar(&f.tlsVerify, "tls-verify", true, "require HTTPS and verify certificates (false also allows plain HTTP); default: registries.conf decides")
	fs.StringVar(&f.creds, "creds", "", "registry credentials USER[:PASSWORD] (override the auth file)")
	fs.StringVar(&f.authfile, "authfile", "", "auth file to use (default: $REGISTRY_AUTH_FILE, else /run/berth/auth.json, then ~/.docker/config.json)")
	fs.StringVar(&f.certDir, "cert-dir", "", "directory of TLS certificates (*.crt) and client keys for the registry")
	if withPlatform {
		fs.StringVar(&f.platform, "platform", "", "pick this OS/ARCH[/VARIANT] from a multi-arch image (default: this host's)")
		fs.StringVar(&f.os, "os", "", "pick this OS from a multi-arch image")
		fs.StringVar(&f.arch, "arch", "", "pick this architecture from a multi-arch image (e.g. arm64)")
		fs.StringVar(&f.vr, "variant", "", "pick this architecture variant from a multi-arch image (e.g. v8)")
	}
}

// options turns the flags into engine options.
func (f *regFlags) options(cmd *cobra.Command) (engine.RegistryOptions, error) {
	o := engine.RegistryOptions{Creds: f.creds, AuthFile: f.authfile, CertDir: f.certDir,
		OS: f.os, Arch: f.arch, Variant: f.vr}
	if cmd.Flags().Changed("tls-verify") {
		o.TLSVerify = types.NewOptionalBool(f.tlsVerify)
	}
	if f.platform != "" {
		parts := strings.Split(f.platform, "/")
		if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
			return o, fmt.Errorf("invalid --platform %q: want OS/ARCH[/VARIANT]", f.platform)
		}
		o.OS, o.Arch = parts[0], parts[1]
		if len(parts) == 3 {
			o.Variant = parts[2]
		}
	}
	return o, nil
}

// progress is where the copy report goes: stderr unless quiet.
func progress(quiet bool) io.Writer {
	if quiet {
		return nil
	}
	return os.Stderr
}
