package network

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"slices"
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

// DefaultLeases is the host-wide lease file of the default bridge; it is
// its own lock.
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
// roots can pick the same address. Stale leases are dropped on the way.
// Without a lease file (d.Leases == "") alloc gets nil.
func (d *Driver) Lease(ctx context.Context, h Holder, alloc func(held map[netip.Addr]Holder) ([]string, error)) error {
	if d.Leases == "" {
		_, err := alloc(nil)
		return err
	}
	return updateLeases(ctx, d.Leases, func(lf *leaseFile) (bool, error) {
		held := make(map[netip.Addr]Holder, len(lf.Leases))
		keep := make([]Lease, 0, len(lf.Leases)+1)
		var mine []string
		gone := map[string]bool{} // roots checked in this call
		for _, l := range lf.Leases {
			if l.Root == h.Root && l.Container == h.Container {
				mine = append(mine, l.IP)
				continue
			}
			a, err := netip.ParseAddr(l.IP)
			if err != nil || stale(l.Holder, gone) {
				continue
			}
			held[a] = l.Holder
			keep = append(keep, l)
		}
		ips, err := alloc(held)
		if err != nil {
			return false, err
		}
		var now []string
		for _, ip := range ips {
			if ip != "" {
				keep = append(keep, Lease{IP: ip, Holder: h})
				now = append(now, ip)
			}
		}
		// A restart that keeps its addresses, with nothing stale, writes
		// nothing.
		changed := len(keep) != len(lf.Leases) || !slices.Equal(mine, now)
		lf.Leases = keep
		return changed, nil
	})
}

// Unlease drops h's leases. It is idempotent.
func (d *Driver) Unlease(ctx context.Context, h Holder) error {
	if d.Leases == "" {
		return nil
	}
	return updateLeases(ctx, d.Leases, func(lf *leaseFile) (bool, error) {
		n := len(lf.Leases)
		lf.Leases = slices.DeleteFunc(lf.Leases, func(l Lease) bool {
			return l.Root == h.Root && l.Container == h.Container
		})
		return len(lf.Leases) != n, nil
	})
}

// stale reports whether h's container can no longer hold its address: its
// record or its root is gone. gone caches the roots' answers.
func stale(h Holder, gone map[string]bool) bool {
	if h.Record == "" || !exists(h.Record) {
		return true
	}
	g, ok := gone[h.Root]
	if !ok {
		g = h.Root == "" || !exists(h.Root)
		gone[h.Root] = g
	}
	return g
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return !errors.Is(err, fs.ErrNotExist)
}

// updateLeases applies fn to the lease file under its lock and writes the
// result back if fn reports a change.
//
// The file is its own lock and is rewritten in place (no temporary file
// and rename): on a disk file system a new inode per container costs
// more than the rest of the update. The new content is padded with spaces
// to the old length before the file is cut to size, so a berth killed
// between the two steps still leaves valid JSON. A file that does not
// parse counts as empty: refusing every allocation forever would be worse
// than the conflict it might allow.
func updateLeases(ctx context.Context, path string, fn func(*leaseFile) (bool, error)) error {
	f, err := lockFile(ctx, path)
	if err != nil {
		return err
	}
	defer f.Close()
	old, err := io.ReadAll(f)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	var lf leaseFile
	if json.Unmarshal(old, &lf) != nil {
		lf = leaseFile{}
	}
	changed, err := fn(&lf)
	if err != nil || !changed {
		return err
	}
	b, err := json.Marshal(lf)
	if err != nil {
		return err
	}
	size := int64(len(b))
	if len(b) < len(old) {
		b = append(b, bytes.Repeat([]byte{' '}, len(old)-len(b))...)
	}
	if _, err := f.WriteAt(b, 0); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Truncate(size); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
