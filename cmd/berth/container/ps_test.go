package container

import (
	"testing"

	"github.com/berthproject/berth/engine"
)

func TestFormatPorts(t *testing.T) {
	tests := []struct {
		name  string
		ports []engine.PortMapping
		want  string
	}{
		{"none", nil, ""},
		{"all addresses", []engine.PortMapping{{ContainerPort: 80, HostPort: 8080, Range: 1, Protocol: "tcp"}}, "0.0.0.0:8080->80/tcp"},
		{"one address and a range", []engine.PortMapping{
			{HostIP: "127.0.0.1", ContainerPort: 53, HostPort: 5353, Range: 1, Protocol: "udp"},
			{ContainerPort: 9000, HostPort: 19000, Range: 3, Protocol: "tcp"},
		}, "127.0.0.1:5353->53/udp, 0.0.0.0:19000-19002->9000-9002/tcp"},
		{"IPv6", []engine.PortMapping{{HostIP: "::1", ContainerPort: 80, HostPort: 8080, Range: 1, Protocol: "tcp"}}, "[::1]:8080->80/tcp"},
	}
	for _, tt := range tests {
		if got := formatPorts(tt.ports); got != tt.want {
			t.Errorf("%s: formatPorts = %q, want %q", tt.name, got, tt.want)
		}
	}
}
