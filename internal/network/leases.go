package network

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"

	"golang.org/x/sys/unix"
)

// Host-wide leases of the shared default bridge.
//
// Every berth root keeps its own IPAM (ipam.go), but all roots on a host
// share the default network's bridge and subnet. An address one root hands
// out is therefore also recorded in one host-wide lease file, and every
// root allocating on that bridge leaves out what other roots' containers
// hold. The file lives in /run/lock, next to the netavark lock: /run is
// emptied at reboot, which ends every lease with the containers that held
// them.
//
// A lease names its holder: the berth root (state dir), the container, and
// a file of that root that exists exactly while the container may hold
// the address (the engine's network record in its run root, written
// before the allocation and removed after its release). A lease whose
// file or root is gone is stale and is dropped by the next update, so a
// berth killed half-way, or a test root deleted with its containers, does
// not keep an address forever.

// DefaultLeases is the host-wide lease file of the default bridge. Its
// lock is the same path with ".lock" appended.
const DefaultLeases = "/run/lock/berth-default.leases"

// Holder identifies who holds a lease.
type Holder struct {
	Root      string `json:"root"`      // the berth root (--root) of the container
	Container string `json:"container"` // container ID
	// Record is a file that exists as long as the container may hold its
	// address; once it is gone the lease is stale.
	Record string `json:"record"`
}

// Lease is one leased address.
type Lease struct {
	IP string `json:"ip"`
	Holder
}

type leaseFile struct {
	Leases []Lease `json:"leases"`
}

// Lease calls alloc with the addresses other holders' live leases hold and
// records the addresses alloc returns ("" entries skipped) as h's leases,
// replacing any h had. Both happen under the lease file's lock, so no two
// roots can pick the same address. Without a lease file (d.Leases == "")
// alloc gets nil.
func (d *Driver) Lease(ctx context.Context, h Holder, alloc func(held map[netip.Addr]Holder) ([]string, error)) error {
	if d.Leases == "" {
		_, err := alloc(nil)
		return err
	}
	unlock, err := flock(ctx, d.Leases+".lock")
	if err != nil {
		return err
	}
	defer unlock()
	lf := readLeases(d.Leases)
	held := make(map[netip.Addr]Holder, len(lf.Leases))
	keep := lf.Leases[:0]
	for _, l := range lf.Leases {
		if l.Root == h.Root && l.Container == h.Container || stale(l.Holder) {
			continue
		}
		if a, err := netip.ParseAddr(l.IP); err == nil {
			held[a] = l.Holder
			keep = append(keep, l)
		}
	}
	ips, err := alloc(held)
	if err != nil {
		return err
	}
	for _, ip := range ips {
		if ip != "" {
			keep = append(keep, Lease{IP: ip, Holder: h})
		}
	}
	lf.Leases = keep
	return writeLeases(d.Leases, lf)
}

// Unlease drops h's leases (and any stale ones). It is idempotent.
func (d *Driver) Unlease(ctx context.Context, h Holder) error {
	if d.Leases == "" {
		return nil
	}
	unlock, err := flock(ctx, d.Leases+".lock")
	if err != nil {
		return err
	}
	defer unlock()
	lf := readLeases(d.Leases)
	n := len(lf.Leases)
	lf.Leases = slices.DeleteFunc(lf.Leases, func(l Lease) bool {
		return l.Root == h.Root && l.Container == h.Container || stale(l.Holder)
	})
	if len(lf.Leases) == n {
		return nil
	}
	return writeLeases(d.Leases, lf)
}

// stale reports whether h's container can no longer hold its address.
func stale(h Holder) bool {
	for _, p := range []string{h.Record, h.Root} {
		if _, err := os.Stat(p); p == "" || errors.Is(err, fs.ErrNotExist) {
			return true
		}
	}
	return false
}

// readLeases reads the lease file. A missing file has no leases; so has an
// unreadable one, which writeLeases's rename makes impossible short of
// someone else writing it: refusing every allocation forever would be
// worse than the conflict it might allow.
func readLeases(path string) leaseFile {
	var lf leaseFile
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return lf
	}
	defer f.Close()
	if err := json.NewDecoder(f).Decode(&lf); err != nil {
		return leaseFile{}
	}
	return lf
}

// writeLeases replaces the lease file atomically: a berth killed while
// writing leaves the old file whole.
func writeLeases(path string, lf leaseFile) error {
	b, err := json.Marshal(lf)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing leases: %w", err)
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("writing leases: %w", err)
	}
	return nil
}
