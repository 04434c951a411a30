package feed

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// errBlockedAddress refuses a connection to a non-public address.
var errBlockedAddress = errors.New("address is not public")

// cgnat is the shared address space of RFC 6598, private in practice.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

// publicAddr reports whether ip is a globally routable unicast address.
func publicAddr(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsValid() && ip.IsGlobalUnicast() && !ip.IsPrivate() && !cgnat.Contains(ip)
}

// guardedTransport returns a transport that refuses to connect to loopback,
// private, link-local and other non-public addresses. Article links come
// from feed content — that is, from whoever writes the feed — and
// following one to http://169.254.169.254/ or an intranet page would turn
// tocsin into a proxy whose output ends up in a Discord channel. The check
// runs on the address actually dialled, after DNS, so a name that resolves
// to 127.0.0.1 is refused too. Article pages are fetched directly, not
// through HTTP(S)_PROXY: behind a proxy the final address cannot be checked.
func guardedTransport(timeout time.Duration, perHost int) *http.Transport {
	d := &net.Dialer{
		Timeout:   timeout,
		KeepAlive: 30 * time.Second,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: %s", errBlockedAddress, address)
			}
			if !publicAddr(ap.Addr()) {
				return fmt.Errorf("%w: %s", errBlockedAddress, ap.Addr())
			}
			return nil
		},
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = d.DialContext
	t.ResponseHeaderTimeout = timeout
	t.MaxIdleConnsPerHost = perHost
	return t
}
