// Package e2e runs the real berth binary, as root, against real runc,
// conmon, netavark and overlay mounts. Each test gets its own temporary
// --root/--runroot (NewEnv) and reads like the user's session:
//
//	e := NewEnv(t)
//	e.LoadImage()
//	e.Run("run", "--rm", TestImage, "echo", "hi").Success(t).StdoutIs(t, "hi")
//
// Environment:
//
//	BERTH_BINARY        use this binary instead of building ./cmd/berth
//	BERTH_TEST_ARCHIVE  use this oci-archive instead of running hack/testimage.sh
//	BERTH_TEST_ENGINE   "podman" runs the same tests against podman, to show
//	                    that an expectation is the ecosystem's and not ours
package e2e

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// buildTags must match the Makefile's TAGS.
const buildTags = "containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_zfs"

// TestImage is the name under which the shared test archive loads.
const TestImage = "localhost/busybox"

// suiteConfig is what TestMain prepares once for all tests.
type suiteConfig struct {
	engine   string // "berth" or "podman"
	binary   string // absolute path of the engine binary
	archive  string // oci-archive of TestImage
	repoRoot string
	skip     string // when set, every NewEnv skips with this reason
}

// suite is set by TestMain before any test runs and only read afterwards.
// It is the package's one variable: testing offers no other way to hand
// TestMain's work (one build, one image) to the tests.
var suite suiteConfig

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	flag.Parse()
	switch {
	case os.Geteuid() != 0:
		suite.skip = "e2e tests need root"
		return m.Run()
	case testing.Short():
		suite.skip = "e2e tests skipped in -short mode"
		return m.Run()
	}

	tmp, err := os.MkdirTemp("", "berth-e2e-suite-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	defer os.RemoveAll(tmp)

	if err := prepareSuite(tmp); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 1
	}
	code := m.Run()
	removeDefaultBridge(tmp)
	return code
}

// removeDefaultBridge removes the default network's bridge, which berth
// keeps between containers (like docker0) and which every test that used
// the default network shares: `system reset` in a scratch root removes its
// default network, and netavark then deletes the bridge and its rules
// unless containers outside the tests still use it.
func removeDefaultBridge(tmp string) {
	if suite.engine != "berth" {
		return
	}
	scratch := filepath.Join(tmp, "reset")
	cmd := exec.Command(suite.binary, "--root", filepath.Join(scratch, "root"), "--runroot", filepath.Join(scratch, "run"), "system", "reset", "--force")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: removing the default bridge: %v\n%s", err, out)
	}
	// The scratch run root is a tmpfs (internal/runroot).
	if err := unmountUnder(scratch); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
	}
}

// prepareSuite finds or builds the engine binary and the image archive.
func prepareSuite(tmp string) error {
	root, err := findRepoRoot()
	if err != nil {
		return err
	}
	suite.repoRoot = root
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	suite.engine = os.Getenv("BERTH_TEST_ENGINE")
	switch suite.engine {
	case "", "berth":
		suite.engine = "berth"
		if suite.binary, err = berthBinary(ctx, root, tmp); err != nil {
			return err
		}
	case "podman":
		if suite.binary, err = exec.LookPath("podman"); err != nil {
			return fmt.Errorf("BERTH_TEST_ENGINE=podman: %w", err)
		}
	default:
		return fmt.Errorf("BERTH_TEST_ENGINE=%q: want berth or podman", suite.engine)
	}

	suite.archive, err = testArchive(ctx, root, tmp)
	return err
}

func berthBinary(ctx context.Context, repoRoot, tmp string) (string, error) {
	if p := os.Getenv("BERTH_BINARY"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(abs); err != nil {
			return "", fmt.Errorf("BERTH_BINARY: %w", err)
		}
		return abs, nil
	}
	out := filepath.Join(tmp, "berth")
	// go test puts $GOROOT/bin first on the test's PATH, so "go" is the
	// toolchain running this test.
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", buildTags, "-trimpath",
		"-o", out, "./cmd/berth")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building berth: %w\n%s", err, b)
	}
	return out, nil
}

func testArchive(ctx context.Context, repoRoot, tmp string) (string, error) {
	if p := os.Getenv("BERTH_TEST_ARCHIVE"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", err
		}
		if _, err := os.Stat(abs); err != nil {
			return "", fmt.Errorf("BERTH_TEST_ARCHIVE: %w", err)
		}
		return abs, nil
	}
	out := filepath.Join(tmp, "busybox.oci.tar")
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(repoRoot, "hack", "testimage.sh"), out)
	cmd.Dir = repoRoot
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("hack/testimage.sh: %w\n%s", err, b)
	}
	return out, nil
}

// findRepoRoot walks up from the test's working directory (the package
// directory) to the directory holding go.mod.
func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the test directory")
		}
		dir = parent
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	e := NewEnv(t)
	e.Run("version").Success(t).StdoutContains(t, "Version")
}
