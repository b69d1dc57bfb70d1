package engine

import (
	"context"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// Info describes the host and the engine, for `berth info`.
type Info struct {
	Host    HostInfo    `json:"host"`
	Store   StoreInfo   `json:"store"`
	Version VersionInfo `json:"version"`
}

// HostInfo is the host part of Info.
type HostInfo struct {
	Arch          string      `json:"arch"`
	OS            string      `json:"os"`
	Kernel        string      `json:"kernel"`
	Hostname      string      `json:"hostname"`
	CPUs          int         `json:"cpus"`
	MemTotal      int64       `json:"memTotal"`
	CgroupVersion string      `json:"cgroupVersion"`
	OCIRuntime    ProgramInfo `json:"ociRuntime"`
	Conmon        ProgramInfo `json:"conmon"`
}

// ProgramInfo names a helper program and its version line.
type ProgramInfo struct {
	Name    string `json:"name"`
	Path    string `json:"path"`
	Version string `json:"version"`
}

// StoreInfo summarises what is stored.
type StoreInfo struct {
	GraphRoot         string `json:"graphRoot"`
	RunRoot           string `json:"runRoot"`
	GraphDriverName   string `json:"graphDriverName"`
	ContainersTotal   int    `json:"containers"`
	ContainersRunning int    `json:"running"`
	ContainersPaused  int    `json:"paused"`
	ContainersStopped int    `json:"stopped"`
	ImagesTotal       int    `json:"images"`
}

// VersionInfo is berth's own version.
type VersionInfo struct {
	Version    string `json:"Version"`
	APIVersion string `json:"APIVersion"`
	GoVersion  string `json:"GoVersion"`
	OsArch     string `json:"OsArch"`
}

// EngineVersion returns berth's version information.
func EngineVersion() VersionInfo {
	return VersionInfo{Version: Version, APIVersion: Version, GoVersion: runtime.Version(), OsArch: runtime.GOOS + "/" + runtime.GOARCH}
}

// Info gathers host and store figures. It runs the OCI runtime and conmon
// once each for their versions.
func (r *Runtime) Info(ctx context.Context) (*Info, error) {
	info := &Info{Version: EngineVersion()}
	h := &info.Host
	h.Arch, h.OS, h.CPUs = runtime.GOARCH, runtime.GOOS, runtime.NumCPU()
	var uts unix.Utsname
	if unix.Uname(&uts) == nil {
		h.Kernel = unix.ByteSliceToString(uts.Release[:])
	}
	h.Hostname, _ = os.Hostname()
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) == nil {
		h.MemTotal = int64(si.Totalram) * int64(si.Unit)
	}
	h.CgroupVersion = cgroupVersion()
	if rt, err := r.ociRuntime(ctx); err == nil {
		h.OCIRuntime = ProgramInfo{Name: rt.Name(), Path: rt.Path(), Version: firstLine(ctx, rt.Path(), "--version")}
		h.Conmon = ProgramInfo{Name: "conmon", Path: rt.ConmonPath(), Version: firstLine(ctx, rt.ConmonPath(), "--version")}
	}
	s := &info.Store
	s.GraphRoot, s.RunRoot, s.GraphDriverName = r.opts.Root, r.opts.RunRoot, r.opts.StorageDriver
	list, err := r.ListContainers(ctx, ListOptions{All: true})
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		s.ContainersTotal++
		switch c.Status {
		case StatusRunning, StatusStopping:
			s.ContainersRunning++
		case StatusPaused:
			s.ContainersPaused++
		default:
			s.ContainersStopped++
		}
	}
	imgs, err := r.Images(ctx)
	if err != nil {
		return nil, err
	}
	s.ImagesTotal = len(imgs)
	return info, nil
}

// cgroupVersion tells v1, v2 or hybrid (v1 controllers with a v2 tree).
func cgroupVersion() string {
	var st unix.Statfs_t
	if unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		return "v2"
	}
	if _, err := os.Stat("/sys/fs/cgroup/unified"); err == nil {
		return "v1 (hybrid)"
	}
	return "v1"
}

func firstLine(ctx context.Context, prog string, args ...string) string {
	out, err := exec.CommandContext(ctx, prog, args...).Output()
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(line)
}
