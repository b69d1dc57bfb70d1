package spec

import (
	"errors"
	"slices"
	"testing"
)

func TestParseNetworkFlags(t *testing.T) {
	for _, tc := range []struct {
		in       []string
		mode     string
		networks []string
		bad      bool
	}{
		{in: nil, mode: ""},
		{in: []string{"bridge"}, mode: NetworkBridge},
		{in: []string{"pn1"}, mode: NetworkBridge, networks: []string{"pn1"}},
		{in: []string{"pn1,pn2"}, mode: NetworkBridge, networks: []string{"pn1", "pn2"}},
		{in: []string{"pn1", "pn2"}, mode: NetworkBridge, networks: []string{"pn1", "pn2"}},
		{in: []string{"pn1,bridge"}, mode: NetworkBridge, networks: []string{"pn1", "dflt"}},
		{in: []string{"default", "pn1"}, mode: NetworkBridge, networks: []string{"dflt", "pn1"}},
		{in: []string{"none"}, mode: NetworkNone},
		{in: []string{"host"}, mode: NetworkHost},
		{in: []string{"container:x"}, mode: "container:x"},
		{in: []string{"ns:/run/netns/x"}, mode: "ns:/run/netns/x"},
		{in: []string{"none,pn1"}, bad: true},
		{in: []string{"pn1", "host"}, bad: true},
		{in: []string{"pn1,"}, bad: true},
		{in: []string{""}, bad: true},
	} {
		mode, nets, err := ParseNetworkFlags(tc.in, "dflt")
		if tc.bad {
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("%q: err %v, want ErrInvalid", tc.in, err)
			}
			continue
		}
		if err != nil || mode != tc.mode || !slices.Equal(nets, tc.networks) {
			t.Errorf("%q: %q %q %v, want %q %q", tc.in, mode, nets, err, tc.mode, tc.networks)
		}
	}
}
