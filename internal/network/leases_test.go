package network

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestLeasesAcrossRoots: two roots with their own IPAM on one shared
// bridge never hand out the same address, a static address leased by one
// is refused in the other, and a lease ends with its release, its record
// or its root.
func TestLeasesAcrossRoots(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	d := &Driver{Leases: filepath.Join(dir, "lock", "leases")}
	newRoot := func(name string) (*Network, string) {
		root := filepath.Join(dir, name)
		if err := os.MkdirAll(root, 0o700); err != nil {
			t.Fatal(err)
		}
		n, err := Build(CreateOptions{Name: "berth", Subnets: []string{"10.89.0.0/24"}}, "id", time.Now(), nil, "berth0")
		if err != nil {
			t.Fatal(err)
		}
		return n, root
	}
	holder := func(root, id string) Holder {
		rec := filepath.Join(root, id+".json")
		if err := os.WriteFile(rec, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		return Holder{Root: root, Container: id, Record: rec}
	}
	alloc := func(n *Network, h Holder, static ...string) ([]string, error) {
		var ips []string
		err := d.Lease(ctx, h, func(held map[netip.Addr]Holder) (out []string, err error) {
			ips, err = n.Allocate(h.Container, static, held)
			return ips, err
		})
		return ips, err
	}

	na, ra := newRoot("a")
	nb, rb := newRoot("b")
	ha, hb := holder(ra, "ca"), holder(rb, "cb")
	a, err := alloc(na, ha)
	if err != nil {
		t.Fatal(err)
	}
	b, err := alloc(nb, hb)
	if err != nil || a[0] == b[0] {
		t.Fatalf("root a got %v, root b got %v (%v)", a, b, err)
	}
	// Idempotent for its holder.
	if again, err := alloc(na, ha); err != nil || again[0] != a[0] {
		t.Fatalf("again: %v %v, want %v", again, err, a)
	}

	// A static address of root a is refused in root b, until a releases it.
	hs := holder(ra, "static")
	if _, err := alloc(na, hs, "10.89.0.240"); err != nil {
		t.Fatal(err)
	}
	hb2 := holder(rb, "cb2")
	if _, err := alloc(nb, hb2, "10.89.0.240"); !errors.Is(err, ErrIPInUse) {
		t.Fatalf("static address of another root: %v, want ErrIPInUse", err)
	}
	na.Release(hs.Container)
	if err := d.Unlease(ctx, hs); err != nil {
		t.Fatal(err)
	}
	if got, err := alloc(nb, hb2, "10.89.0.240"); err != nil || got[0] != "10.89.0.240" {
		t.Fatalf("after release: %v %v", got, err)
	}

	// A lease whose record is gone (a crash) is stale; so is one whose
	// root is gone. Root a's first address is free for root b then.
	if err := os.Remove(ha.Record); err != nil {
		t.Fatal(err)
	}
	if got, err := alloc(nb, holder(rb, "cb3"), a[0]); err != nil || got[0] != a[0] {
		t.Fatalf("stale lease by record: %v %v", got, err)
	}
	if err := os.RemoveAll(rb); err != nil {
		t.Fatal(err)
	}
	nc, rc := newRoot("c")
	if got, err := alloc(nc, holder(rc, "cc"), "10.89.0.240"); err != nil || got[0] != "10.89.0.240" {
		t.Fatalf("stale lease by root: %v %v", got, err)
	}

	// An allocation kept from before a reboot that another root now
	// holds is replaced by a free address.
	nd, rd := newRoot("d")
	nd.Allocations = map[string][]string{"old": {"10.89.0.240"}}
	if got, err := alloc(nd, holder(rd, "old")); err != nil || got[0] == "10.89.0.240" {
		t.Fatalf("stale allocation: %v %v", got, err)
	}
	if got := readLeasesForTest(t, d.Leases); len(got) != 2 {
		t.Fatalf("leases left: %+v", got)
	}
}

// BenchmarkLeaseCycle is what a container on the default bridge adds:
// one lease at setup and its release at teardown, with a few other
// roots' leases in the file.
func BenchmarkLeaseCycle(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	d := &Driver{Leases: filepath.Join(dir, "leases")}
	rec := filepath.Join(dir, "rec")
	if err := os.WriteFile(rec, nil, 0o600); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		h := Holder{Root: dir, Container: "other" + string(rune('a'+i)), Record: rec}
		ip := "10.89.0." + string(rune('2'+i))
		if err := d.Lease(ctx, h, func(map[netip.Addr]Holder) ([]string, error) { return []string{ip}, nil }); err != nil {
			b.Fatal(err)
		}
	}
	n, err := Build(CreateOptions{Name: "berth", Subnets: []string{"10.89.0.0/24"}}, "id", time.Now(), nil, "berth0")
	if err != nil {
		b.Fatal(err)
	}
	h := Holder{Root: dir, Container: "me", Record: rec}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		err := d.Lease(ctx, h, func(held map[netip.Addr]Holder) ([]string, error) { return n.Allocate(h.Container, nil, held) })
		if err != nil {
			b.Fatal(err)
		}
		n.Release(h.Container)
		if err := d.Unlease(ctx, h); err != nil {
			b.Fatal(err)
		}
	}
}

func readLeasesForTest(t *testing.T, path string) []Lease {
	t.Helper()
	var lf leaseFile
	if err := updateLeases(context.Background(), path, func(l *leaseFile) (bool, error) { lf = *l; return false, nil }); err != nil {
		t.Fatal(err)
	}
	return lf.Leases
}
