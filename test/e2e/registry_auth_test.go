package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRegistryLoginLogout(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, true)
	e := regEnv(t)
	ref := reg.Addr + "/private/busybox:latest"
	authFile := filepath.Join(e.Dir, "auth.json")

	e.Run("push", "--tls-verify=false", TestImage, ref).Exit(t, 125).StderrContains(t, "authentication required")
	e.Run("login", "--tls-verify=false", "-u", reg.User, "-p", "wrong", reg.Addr).Exit(t, 125).StderrContains(t, "invalid username/password")
	if _, err := os.Stat(authFile); err == nil {
		t.Error("a failed login wrote the auth file")
	}
	e.RunWithStdin(reg.Password+"\n", "login", "--tls-verify=false", "-u", reg.User, "--password-stdin", reg.Addr).
		Success(t).StdoutIs(t, "Login Succeeded!")
	if got := readFile(t, authFile); !strings.Contains(got, reg.Addr) {
		t.Errorf("auth file lacks the registry: %s", got)
	}
	e.Run("push", "-q", "--tls-verify=false", TestImage, ref).Success(t)
	e.Run("rmi", TestImage).Success(t)
	e.Run("pull", "-q", "--tls-verify=false", ref).Success(t)
	e.Run("logout", reg.Addr).Success(t).StdoutIs(t, "Removed login credentials for "+reg.Addr)
	e.Run("logout", reg.Addr).Exit(t, 125).StderrContains(t, "not logged in")
	e.Run("rmi", ref).Success(t)
	e.Run("pull", "--tls-verify=false", ref).Exit(t, 125).StderrContains(t, "authentication required")
	// --creds works without a login; wrong creds are refused.
	e.Run("pull", "-q", "--tls-verify=false", "--creds", reg.User+":nope", ref).Exit(t, 125)
	e.Run("pull", "-q", "--tls-verify=false", "--creds", reg.User+":"+reg.Password, ref).Success(t)
	e.Run("rmi", ref).Success(t)
	// An explicit --authfile, and ~/.docker/config.json (docker's format).
	other := filepath.Join(e.Dir, "other.json")
	e.Run("login", "--tls-verify=false", "--authfile", other, "-u", reg.User, "-p", reg.Password, reg.Addr).Success(t)
	e.Run("pull", "-q", "--tls-verify=false", "--authfile", other, ref).Success(t)
	e.Run("rmi", ref).Success(t)
	if err := os.MkdirAll(filepath.Join(e.Dir, ".docker"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, filepath.Join(e.Dir, ".docker", "config.json")); err != nil {
		t.Fatal(err)
	}
	e.Run("pull", "-q", "--tls-verify=false", ref).Exit(t, 125) // REGISTRY_AUTH_FILE is explicit
	e.RunWith(RunOptions{Env: []string{"REGISTRY_AUTH_FILE="}}, "pull", "-q", "--tls-verify=false", ref).Success(t)
	// search lists the catalog (login needed for it too).
	e.Run("search", "--tls-verify=false", "--creds", reg.User+":"+reg.Password, reg.Addr+"/busy").
		Success(t).StdoutContains(t, reg.Addr+"/private/busybox")
}

func TestRegistryPolicyAndShortNames(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, false)
	e := regEnv(t)
	ref := reg.Addr + "/lib/busybox:latest"
	e.Run("push", "-q", "--tls-verify=false", TestImage, ref).Success(t)
	e.Run("rmi", TestImage).Success(t)

	// A registries.conf with an unqualified-search registry and an alias.
	conf := filepath.Join(e.Dir, "registries.conf")
	writeFile(t, conf, `unqualified-search-registries = ["`+reg.Addr+`"]
short-name-mode = "permissive"
[[registry]]
location = "`+reg.Addr+`"
insecure = true
[aliases]
"boxy" = "`+reg.Addr+`/lib/busybox"
`)
	e.Run("pull", "-q", "lib/busybox").Success(t)
	e.Run("images", "--format", "{{.Repository}}").Success(t).StdoutIs(t, reg.Addr+"/lib/busybox")
	e.Run("rmi", ref).Success(t)
	e.Run("pull", "boxy").Success(t).StderrContains(t, "Trying to pull "+ref)
	e.Run("rmi", ref).Success(t)
	// run pulls a missing image first (--pull missing is the default).
	e.Run("run", "--rm", "lib/busybox", "echo", "auto").Success(t).StdoutContains(t, "auto")
	e.Run("run", "--rm", "--pull", "never", "boxy:nosuchtag", "true").Exit(t, 125)
	e.Run("create", "--pull", "sometimes", "boxy", "true").Exit(t, 125)
	e.Run("run", "--rm", "--pull", "always", "boxy", "true").Success(t).StderrContains(t, "Copying")

	// A policy that rejects everything: a clear error, nothing stored.
	e.Run("rmi", "-a", "-f").Success(t)
	policy := filepath.Join(e.Dir, "policy.json")
	writeFile(t, policy, `{"default":[{"type":"reject"}]}`)
	e.RunWith(RunOptions{Env: []string{"CONTAINERS_POLICY_JSON=" + policy}}, "pull", ref).
		Exit(t, 125).StderrContains(t, "rejected by policy")
	e.Run("images", "-q").Success(t).StdoutIs(t, "")
	writeFile(t, policy, `{"default":[{"type":"insecureAcceptAnything"}]}`)
	e.RunWith(RunOptions{Env: []string{"CONTAINERS_POLICY_JSON=" + policy}}, "pull", "-q", ref).Success(t)
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
