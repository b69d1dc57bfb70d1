package network

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// PortMapping is one published port range in netavark 1.4.0's format, where
// all five fields are required (notes/netavark.md §3). HostPort 0 asks for
// a free port chosen at start.
type PortMapping struct {
	HostIP        string `json:"host_ip"`
	ContainerPort uint16 `json:"container_port"`
	HostPort      uint16 `json:"host_port"`
	Range         uint16 `json:"range"`
	Protocol      string `json:"protocol"`
}

// String renders m in docker's `port` style: "80/tcp -> 0.0.0.0:8080"
// (for the first port of a range).
func (m PortMapping) String() string {
	return fmt.Sprintf("%d/%s -> %s", m.ContainerPort, m.Protocol, net.JoinHostPort(m.HostAddr(), strconv.Itoa(int(m.HostPort))))
}

// HostAddr is the host address the mapping listens on: 0.0.0.0 when it
// names none (every address).
func (m PortMapping) HostAddr() string {
	if m.HostIP == "" {
		return "0.0.0.0"
	}
	return m.HostIP
}

// Published renders m as podman's and docker's ps print it:
// "0.0.0.0:8080->80/tcp", "[::1]:9000-9001->9000-9001/udp".
func (m PortMapping) Published() string {
	host, ctr := strconv.Itoa(int(m.HostPort)), strconv.Itoa(int(m.ContainerPort))
	if m.Range > 1 {
		host += "-" + strconv.Itoa(int(m.HostPort+m.Range-1))
		ctr += "-" + strconv.Itoa(int(m.ContainerPort+m.Range-1))
	}
	return net.JoinHostPort(m.HostAddr(), host) + "->" + ctr + "/" + m.Protocol
}

// ParsePublish reads one -p value in any of podman's forms:
//
//	CPORT[-CEND][/PROTO]                       random host port(s)
//	HPORT[-HEND]:CPORT[-CEND][/PROTO]
//	:CPORT                                     random host port
//	IP:[HPORT[-HEND]]:CPORT[-CEND][/PROTO]     IPv6 as [ADDR]
//
// PROTO is tcp, udp, sctp or a comma list of them; each protocol becomes
// its own mapping, as netavark takes one protocol per mapping.
func ParsePublish(s string) ([]PortMapping, error) {
	bad := func(why string) error { return invalidf("invalid port mapping %q: %s", s, why) }
	rest, protos := s, "tcp"
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		rest, protos = rest[:i], rest[i+1:]
	}
	var hostIP, hostPart, ctrPart string
	if strings.HasPrefix(rest, "[") {
		end := strings.Index(rest, "]:")
		if end < 0 {
			return nil, bad("an IPv6 address must be written [ADDR]:HOSTPORT:CONTAINERPORT")
		}
		hostIP, rest = rest[1:end], rest[end+2:]
		if a, err := netip.ParseAddr(hostIP); err != nil || !a.Is6() {
			return nil, bad("invalid IPv6 address")
		}
		var ok bool
		if hostPart, ctrPart, ok = strings.Cut(rest, ":"); !ok {
			return nil, bad("an IPv6 address must be written [ADDR]:HOSTPORT:CONTAINERPORT")
		}
	} else {
		parts := strings.Split(rest, ":")
		switch len(parts) {
		case 1:
			ctrPart = parts[0]
		case 2:
			hostPart, ctrPart = parts[0], parts[1]
		case 3:
			hostIP, hostPart, ctrPart = parts[0], parts[1], parts[2]
			if a, err := netip.ParseAddr(hostIP); err != nil || !a.Is4() {
				return nil, bad("invalid host IP (write IPv6 addresses as [ADDR])")
			}
		default:
			return nil, bad("too many colons (write IPv6 addresses as [ADDR])")
		}
	}
	cStart, cN, err := portRange(ctrPart)
	if err != nil {
		return nil, bad("container port: " + err.Error())
	}
	var hStart uint16
	if hostPart != "" {
		var hN uint16
		if hStart, hN, err = portRange(hostPart); err != nil {
			return nil, bad("host port: " + err.Error())
		}
		if hN != cN {
			return nil, bad("host and container port ranges differ in length")
		}
	}
	var out []PortMapping
	for _, p := range strings.Split(protos, ",") {
		switch p {
		case "tcp", "udp", "sctp":
		default:
			return nil, bad("protocol must be tcp, udp or sctp")
		}
		out = append(out, PortMapping{HostIP: hostIP, ContainerPort: cStart, HostPort: hStart, Range: cN, Protocol: p})
	}
	return out, nil
}

// portRange reads "P" or "P-Q" (1 ≤ P ≤ Q ≤ 65535).
func portRange(s string) (start, n uint16, err error) {
	a, b, isRange := strings.Cut(s, "-")
	lo, err := strconv.ParseUint(a, 10, 16)
	if err != nil || lo == 0 {
		return 0, 0, fmt.Errorf("%q is not a port number (1-65535)", a)
	}
	hi := lo
	if isRange {
		if hi, err = strconv.ParseUint(b, 10, 16); err != nil || hi < lo {
			return 0, 0, fmt.Errorf("%q is not a valid range", s)
		}
	}
	return uint16(lo), uint16(hi - lo + 1), nil
}

// ParseExposed reads an image's EXPOSE key ("80/tcp", "53/udp", "8000-8010").
func ParseExposed(s string) (PortMapping, error) {
	port, proto, _ := strings.Cut(s, "/")
	if proto == "" {
		proto = "tcp"
	}
	start, n, err := portRange(port)
	if err != nil {
		return PortMapping{}, invalidf("exposed port %q: %v", s, err)
	}
	return PortMapping{ContainerPort: start, Range: n, Protocol: proto}, nil
}

// Reserve binds every host port of ms so that nothing else takes them while
// the container runs: the returned files are handed to conmon, which keeps
// them open until the container exits (netavark only adds DNAT rules and
// cannot notice a conflict). Mappings with HostPort 0 get free ports here.
// On error nothing stays bound.
func Reserve(ms []PortMapping) ([]*os.File, []PortMapping, error) {
	var files []*os.File
	fail := func(err error) ([]*os.File, []PortMapping, error) {
		CloseAll(files)
		return nil, nil, err
	}
	out := make([]PortMapping, len(ms))
	for i, m := range ms {
		if m.Range == 0 {
			m.Range = 1
		}
		if m.Protocol == "sctp" {
			// Go's net package cannot bind SCTP; the DNAT rule still works.
			out[i] = m
			continue
		}
		if m.HostPort == 0 {
			fs, port, err := bindRandom(m)
			if err != nil {
				return fail(err)
			}
			files = append(files, fs...)
			m.HostPort = port
		} else {
			if int(m.HostPort)+int(m.Range)-1 > 65535 {
				return fail(invalidf("host port range %d+%d goes beyond 65535", m.HostPort, m.Range))
			}
			for p := m.HostPort; p < m.HostPort+m.Range; p++ {
				f, _, err := bind(m.Protocol, m.HostIP, p)
				if err != nil {
					return fail(err)
				}
				files = append(files, f)
			}
		}
		out[i] = m
	}
	return files, out, nil
}

// bindRandom finds Range consecutive free ports: one at once from the
// kernel, a run of them by trying random starts in the ephemeral range.
func bindRandom(m PortMapping) ([]*os.File, uint16, error) {
	if m.Range == 1 {
		f, port, err := bind(m.Protocol, m.HostIP, 0)
		if err != nil {
			return nil, 0, err
		}
		return []*os.File{f}, port, nil
	}
	for try := 0; try < 50; try++ {
		start := uint16(32768 + rand.IntN(60999-32768-int(m.Range)))
		var fs []*os.File
		ok := true
		for p := start; p < start+m.Range; p++ {
			f, _, err := bind(m.Protocol, m.HostIP, p)
			if err != nil {
				ok = false
				break
			}
			fs = append(fs, f)
		}
		if ok {
			return fs, start, nil
		}
		CloseAll(fs)
	}
	return nil, 0, fmt.Errorf("no run of %d free host ports found: %w", m.Range, ErrPortInUse)
}

// bind listens on (proto, ip, port) and returns the socket as a file (a
// duplicate: the net listener is closed) and the bound port.
func bind(proto, ip string, port uint16) (*os.File, uint16, error) {
	addr := net.JoinHostPort(ip, strconv.Itoa(int(port)))
	var f *os.File
	var bound uint16
	var err error
	switch proto {
	case "udp":
		var c net.PacketConn
		if c, err = net.ListenPacket("udp", addr); err == nil {
			bound = uint16(c.LocalAddr().(*net.UDPAddr).Port)
			f, err = c.(*net.UDPConn).File()
			c.Close()
		}
	default:
		var l net.Listener
		if l, err = net.Listen("tcp", addr); err == nil {
			bound = uint16(l.Addr().(*net.TCPAddr).Port)
			f, err = l.(*net.TCPListener).File()
			l.Close()
		}
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, 0, &PortInUseError{Addr: addr + "/" + proto}
	}
	if err != nil {
		return nil, 0, fmt.Errorf("reserving host port %s/%s: %w", addr, proto, err)
	}
	return f, bound, nil
}

// PortInUseError names the host port that could not be reserved; it is
// ErrPortInUse.
type PortInUseError struct{ Addr string }

func (e *PortInUseError) Error() string        { return "host port " + e.Addr + " is already in use" }
func (e *PortInUseError) Is(target error) bool { return target == ErrPortInUse }

// CloseAll closes files, ignoring errors.
func CloseAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}
