package e2e

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// registryBinary is the distribution registry of Debian's docker-registry
// package.
const registryBinary = "/usr/bin/docker-registry"

// Registry is a private registry on 127.0.0.1 for one test, stopped (by
// pid) and its storage removed when the test ends.
type Registry struct {
	Addr string // 127.0.0.1:PORT
	// User and Password are set when the registry requires them.
	User, Password string
	// Data is the registry's storage root (filesystem driver).
	Data string
}

// startRegistry starts a plain-HTTP registry; withAuth adds htpasswd
// authentication with a generated bcrypt entry (apache2-utils' htpasswd is
// not needed).
func startRegistry(t *testing.T, withAuth bool) *Registry {
	t.Helper()
	if _, err := os.Stat(registryBinary); err != nil {
		t.Skipf("%s not installed", registryBinary)
	}
	dir, err := os.MkdirTemp("", "berth-e2e-registry-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	r := &Registry{Data: filepath.Join(dir, "data")}
	authConf := ""
	if withAuth {
		r.User, r.Password = "berth", "s3cret-pass"
		hash, err := bcrypt.GenerateFromPassword([]byte(r.Password), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		htpasswd := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(htpasswd, []byte(r.User+":"+string(hash)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		authConf = fmt.Sprintf("auth:\n  htpasswd:\n    realm: berth-test\n    path: %s\n", htpasswd)
	}
	// A port taken between freePort and the registry's bind makes the
	// start fail; a few tries make that harmless.
	for attempt := 0; attempt < 3; attempt++ {
		port, err := pickFreePort()
		if err != nil {
			t.Fatal(err)
		}
		r.Addr = "127.0.0.1:" + strconv.Itoa(port)
		conf := fmt.Sprintf(`version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: %s
  delete:
    enabled: true
http:
  addr: %s
%s`, filepath.Join(dir, "data"), r.Addr, authConf)
		confPath := filepath.Join(dir, "config.yml")
		if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
			t.Fatal(err)
		}
		logPath := filepath.Join(dir, "registry.log")
		logf, err := os.Create(logPath)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(registryBinary, "serve", confPath)
		cmd.Stdout, cmd.Stderr = logf, logf
		err = cmd.Start()
		logf.Close()
		if err != nil {
			t.Fatalf("starting %s: %v", registryBinary, err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		stop := func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(3 * time.Second):
				_ = cmd.Process.Kill()
				<-done
			}
		}
		if err := waitRegistry(r.Addr, done); err == nil {
			t.Cleanup(stop)
			return r
		}
		stop()
		log, _ := os.ReadFile(logPath)
		t.Logf("registry attempt %d failed: %s", attempt+1, log)
	}
	t.Fatal("could not start a registry")
	return nil
}

// waitRegistry waits until GET /v2/ answers (200, or 401 with auth).
func waitRegistry(addr string, exited <-chan struct{}) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("registry exited")
		default:
		}
		if resp, err := client.Get("http://" + addr + "/v2/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusUnauthorized {
				return nil
			}
		}
		time.Sleep(30 * time.Millisecond)
	}
	return errors.New("registry did not answer within 10s")
}

// regEnv is an Env with the test image loaded, using its own
// registries.conf and auth file so that the host's never matter.
func regEnv(t *testing.T) *Env {
	e := newImageEnv(t)
	conf := filepath.Join(e.Dir, "registries.conf")
	if err := os.WriteFile(conf, []byte("unqualified-search-registries = []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.ExtraEnv = append(e.ExtraEnv, "CONTAINERS_REGISTRIES_CONF="+conf, "REGISTRY_AUTH_FILE="+filepath.Join(e.Dir, "auth.json"),
		"HOME="+e.Dir)
	return e
}

func TestRegistryPushPullRun(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, false)
	e := regEnv(t)
	ref := reg.Addr + "/team/busybox:1"
	// Without --tls-verify=false the plain-HTTP registry is refused.
	e.Run("push", TestImage, "docker://"+ref).Exit(t, 125).StderrContains(t, "HTTP")
	e.Run("push", "--tls-verify=false", TestImage, "docker://"+ref).Success(t)
	e.Run("push", "-q", "--tls-verify=false", TestImage, ref).Success(t).StdoutIs(t, "")
	id := e.Run("images", "-q", "--no-trunc").Success(t).Out()
	e.Run("rmi", TestImage).Success(t)
	e.Run("images", "-q").Success(t).StdoutIs(t, "")

	r := e.Run("pull", "--tls-verify=false", ref).Success(t)
	r.StdoutIs(t, strings.TrimPrefix(id, "sha256:"))
	// Not a terminal: line-based progress on stderr.
	r.StderrContains(t, "Copying blob", "Writing manifest")
	e.Run("run", "--rm", ref, "echo", "pulled").Success(t).StdoutIs(t, "pulled")
	e.Run("images", "--format", "{{.Repository}}:{{.Tag}}").Success(t).StdoutIs(t, ref)

	// By digest, quietly: only the ID.
	dgst := e.Run("images", "--digests", "--format", "{{.Digest}}").Success(t).Out()
	e.Run("rmi", ref).Success(t)
	e.Run("pull", "-q", "--tls-verify=false", reg.Addr+"/team/busybox@"+dgst).Success(t).StdoutIs(t, strings.TrimPrefix(id, "sha256:"))
	e.Run("image", "inspect", "--format", "{{.Digest}}", reg.Addr+"/team/busybox@"+dgst).Success(t).StdoutIs(t, dgst)

	// --all-tags gets both tags.
	e.Run("tag", reg.Addr+"/team/busybox@"+dgst, reg.Addr+"/team/busybox:2").Success(t)
	e.Run("push", "-q", "--tls-verify=false", reg.Addr+"/team/busybox:2").Success(t)
	e.Run("rmi", "-f", strings.TrimPrefix(id, "sha256:")).Success(t)
	e.Run("pull", "-q", "--all-tags", "--tls-verify=false", reg.Addr+"/team/busybox").Success(t)
	e.Run("images", "--format", "{{.Tag}}").Success(t).StdoutContains(t, "1", "2")
	assertNoLeftovers(t, e)
}

func TestRegistryBadInput(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, false)
	e := regEnv(t)
	port, err := pickFreePort()
	if err != nil {
		t.Fatal(err)
	}
	before := e.Run("images", "-q").Success(t).Out()
	// Refused connection, unknown manifest, bad reference, unknown host.
	e.Run("pull", "--tls-verify=false", "127.0.0.1:"+strconv.Itoa(port)+"/x/y:1").Exit(t, 125).StderrContains(t, "connection refused")
	e.Run("pull", "--tls-verify=false", reg.Addr+"/no/such:1").Exit(t, 125).StderrContains(t, "manifest unknown")
	e.Run("pull", "--tls-verify=false", "UPPER/Case").Exit(t, 125).StderrContains(t, "invalid")
	e.Run("pull", "--tls-verify=false", "no-such-host.invalid/x:1").Exit(t, 125).StderrContains(t, "no-such-host.invalid")
	e.Run("pull", "--tls-verify=false", reg.Addr+"/x@sha256:"+strings.Repeat("0", 64)).Exit(t, 125)
	e.Run("push", "--tls-verify=false", "nosuchimage", reg.Addr+"/x:1").Exit(t, 125).StderrContains(t, "nosuchimage")
	// A registry serving a layer whose content does not match its digest.
	ref := reg.Addr + "/bad/blob:1"
	e.Run("push", "-q", "--tls-verify=false", TestImage, ref).Success(t)
	layers, err := filepath.Glob(filepath.Join(reg.Data, "docker/registry/v2/blobs/sha256/*/*/data"))
	if err != nil || len(layers) == 0 {
		t.Fatalf("no blobs in the registry: %v", err)
	}
	for _, l := range layers {
		if fi, err := os.Stat(l); err == nil && fi.Size() > 100000 { // the layer, not manifest or config
			writeFile(t, l, strings.Repeat("x", int(fi.Size())))
		}
	}
	e.Run("rmi", TestImage).Success(t)
	e.Run("pull", "--tls-verify=false", ref).Exit(t, 125).StderrContains(t, "Digest did not match")
	e.Run("images", "-q").Success(t).StdoutIs(t, "")
	e.LoadImage()

	// A short name with no search registry configured.
	e.Run("pull", "shortonly").Exit(t, 125).StderrContains(t, "shortonly")
	e.Run("images", "-q").Success(t).StdoutIs(t, before)
}

// kill -9 of a pull at any moment leaves either no image or the whole
// image, never a named half; the next pull completes, and the temporary
// directory is emptied by the next command.
func TestRegistryKilledPull(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, false)
	e := regEnv(t)
	ref := reg.Addr + "/kill/busybox:1"
	e.Run("push", "-q", "--tls-verify=false", TestImage, ref).Success(t)
	id := e.Run("images", "-q").Success(t).Out()
	for _, delay := range []time.Duration{5, 30, 60, 90, 120, 160, 220} {
		e.Run("rmi", "-a", "-f").Success(t)
		p := e.Start("pull", "-q", "--tls-verify=false", ref)
		time.Sleep(delay * time.Millisecond)
		p.Cmd.Process.Signal(syscall.SIGKILL) // it may have finished already
		p.Wait(t)
		got := e.Run("images", "-q").Success(t).Out()
		if got != "" && got != id {
			t.Fatalf("after a kill at %v: images %q", delay, got)
		}
		e.Run("pull", "-q", "--tls-verify=false", ref).Success(t)
		e.Run("run", "--rm", ref, "true").Success(t)
	}
	tmp, err := os.ReadDir(filepath.Join(e.Root, "tmp"))
	if err != nil || len(tmp) != 0 {
		t.Errorf("temporary directory not emptied: %v %v", tmp, err)
	}
}
