package api

import (
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/system"
	"github.com/moby/moby/api/types/volume"

	"github.com/berthproject/berth/engine"
)

func (s *Server) systemRoutes() {
	s.handle("GET /_ping", s.ping)
	s.handle("HEAD /_ping", s.ping)
	s.handle("GET /version", s.version)
	s.handle("GET /info", s.info)
	s.handle("GET /system/df", s.diskUsage)
}

// GET|HEAD /_ping: "OK" plus the headers clients negotiate with
// (Api-Version, set for every response in ServeHTTP).
func (s *Server) ping(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Cache-Control", "no-cache, no-store, must-revalidate")
	h.Set("Pragma", "no-cache")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write([]byte("OK"))
	}
	return nil
}

// GET /version
func (s *Server) version(w http.ResponseWriter, r *http.Request) error {
	v := engine.EngineVersion()
	info, err := s.rt.Info(r.Context())
	if err != nil {
		return err
	}
	resp := system.VersionResponse{
		Platform:      system.PlatformInfo{Name: "berth"},
		Version:       v.Version,
		APIVersion:    APIVersion,
		MinAPIVersion: MinAPIVersion,
		Os:            runtime.GOOS,
		Arch:          runtime.GOARCH,
		GoVersion:     v.GoVersion,
		KernelVersion: info.Host.Kernel,
		Components: []system.ComponentVersion{
			{Name: "Engine", Version: v.Version, Details: map[string]string{
				"ApiVersion": APIVersion, "MinAPIVersion": MinAPIVersion, "GoVersion": v.GoVersion,
				"Os": runtime.GOOS, "Arch": runtime.GOARCH, "KernelVersion": info.Host.Kernel,
			}},
		},
	}
	if p := info.Host.OCIRuntime; p.Name != "" {
		resp.Components = append(resp.Components, system.ComponentVersion{Name: p.Name, Version: p.Version})
	}
	if p := info.Host.Conmon; p.Path != "" {
		resp.Components = append(resp.Components, system.ComponentVersion{Name: "conmon", Version: p.Version})
	}
	return writeJSON(w, http.StatusOK, resp)
}

// GET /info
func (s *Server) info(w http.ResponseWriter, r *http.Request) error {
	i, err := s.rt.Info(r.Context())
	if err != nil {
		return err
	}
	cgv := "1"
	if i.Host.CgroupVersion == "v2" {
		cgv = "2"
	}
	name := i.Host.OCIRuntime.Name
	resp := system.Info{
		ID:                "berth",
		Containers:        i.Store.ContainersTotal,
		ContainersRunning: i.Store.ContainersRunning,
		ContainersPaused:  i.Store.ContainersPaused,
		ContainersStopped: i.Store.ContainersStopped,
		Images:            i.Store.ImagesTotal,
		Driver:            i.Store.GraphDriverName,
		DriverStatus:      [][2]string{},
		SystemTime:        time.Now().Format(time.RFC3339Nano),
		LoggingDriver:     "k8s-file",
		CgroupDriver:      "cgroupfs",
		CgroupVersion:     cgv,
		NGoroutines:       runtime.NumGoroutine(),
		KernelVersion:     i.Host.Kernel,
		OperatingSystem:   osName(),
		OSType:            i.Host.OS,
		Architecture:      i.Host.Arch,
		NCPU:              i.Host.CPUs,
		MemTotal:          i.Host.MemTotal,
		DockerRootDir:     i.Store.GraphRoot,
		Name:              i.Host.Hostname,
		Labels:            []string{},
		ServerVersion:     i.Version.Version,
		Runtimes:          map[string]system.RuntimeWithStatus{},
		DefaultRuntime:    name,
		SecurityOptions:   []string{"name=seccomp,profile=default"},
		Warnings:          []string{},
	}
	if name != "" {
		resp.Runtimes[name] = system.RuntimeWithStatus{Runtime: system.Runtime{Path: i.Host.OCIRuntime.Path}}
	}
	resp.Driver = i.Store.GraphDriverName
	return writeJSON(w, http.StatusOK, resp)
}

// osName reads PRETTY_NAME from os-release, as docker shows it.
func osName() string {
	b, err := os.ReadFile("/etc/os-release")
	if err != nil {
		return runtime.GOOS
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return runtime.GOOS
}

// diskUsage is /system/df in both shapes: the per-type summaries of API
// 1.52+ and the item lists older clients (docker 28) read.
type diskUsage struct {
	system.DiskUsage
	LayersSize int64               `json:"LayersSize"`
	Images     []image.Summary     `json:"Images"`
	Containers []container.Summary `json:"Containers"`
	Volumes    []volume.Volume     `json:"Volumes"`
	BuildCache []any               `json:"BuildCache"`
}

// GET /system/df: images, container layers and volumes (no build cache).
func (s *Server) diskUsage(w http.ResponseWriter, r *http.Request) error {
	imgs, err := s.rt.Images(r.Context())
	if err != nil {
		return err
	}
	ctrs, err := s.rt.ListContainers(r.Context(), engine.ListOptions{All: true, Size: true})
	if err != nil {
		return err
	}
	used := map[string]int64{}
	for _, c := range ctrs {
		used[c.ImageID]++
	}
	now := time.Now()
	du := diskUsage{Images: []image.Summary{}, Containers: []container.Summary{}, Volumes: []volume.Volume{}, BuildCache: []any{}}
	iu := &image.DiskUsage{}
	for _, img := range imgs {
		sum := imageSummary(img)
		sum.Containers = used[img.ID]
		du.Images = append(du.Images, sum)
		du.LayersSize += img.Size
		iu.TotalCount++
		iu.TotalSize += img.Size
		if used[img.ID] > 0 {
			iu.ActiveCount++
		} else {
			iu.Reclaimable += img.Size
		}
	}
	iu.Items = du.Images
	cu := &container.DiskUsage{}
	for i := range ctrs {
		sum := summary(&ctrs[i], now)
		du.Containers = append(du.Containers, sum)
		cu.TotalCount++
		cu.TotalSize += ctrs[i].SizeRw
		if sum.State == container.StateRunning || sum.State == container.StatePaused {
			cu.ActiveCount++
		} else {
			cu.Reclaimable += ctrs[i].SizeRw
		}
	}
	cu.Items = du.Containers
	vu := &volume.DiskUsage{}
	vols, err := s.rt.ListVolumes(r.Context(), nil)
	if err != nil {
		return err
	}
	sizes, err := s.rt.DiskUsage(r.Context())
	if err != nil {
		return err
	}
	for _, v := range vols {
		item := volumeResp(v)
		item.UsageData = &volume.UsageData{Size: -1, RefCount: int64(v.InUse)}
		for _, u := range sizes.Volumes {
			if u.Name == v.Name {
				item.UsageData.Size, item.UsageData.RefCount = u.Size, int64(u.Links)
			}
		}
		du.Volumes = append(du.Volumes, item)
		vu.TotalCount++
		vu.TotalSize += max(item.UsageData.Size, 0)
		if item.UsageData.RefCount > 0 {
			vu.ActiveCount++
		} else {
			vu.Reclaimable += max(item.UsageData.Size, 0)
		}
	}
	vu.Items = du.Volumes
	du.ImageUsage, du.ContainerUsage, du.VolumeUsage = iu, cu, vu
	return writeJSON(w, http.StatusOK, du)
}
