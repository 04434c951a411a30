package feed

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Kind classifies a fetch failure. The values are stable strings meant for
// status output, metrics labels and logs.
type Kind string

// The kinds of fetch failure.
const (
	KindDNS        Kind = "dns"         // the host name did not resolve
	KindConnect    Kind = "connect"     // TCP connection refused or unreachable
	KindTimeout    Kind = "timeout"     // the request deadline passed (slow server, slow drip)
	KindTLS        Kind = "tls"         // certificate or handshake failure
	KindHTTPStatus Kind = "http_status" // a non-2xx, non-304 answer
	KindTooLarge   Kind = "too_large"   // the body is larger than MaxBodyBytes
	KindRedirect   Kind = "redirect"    // too many redirects, or a loop
	KindParse      Kind = "parse"       // the body is not a feed we can read
	KindFile       Kind = "file"        // a file:// feed could not be read
	KindInvalidURL Kind = "invalid_url" // the configured URL is unusable
	KindBlocked    Kind = "blocked"     // an article link pointed at a non-public address
	KindCanceled   Kind = "canceled"    // the caller's context ended (shutdown), not the source's fault
	KindNetwork    Kind = "network"     // any other transport failure
)

// Error is a classified fetch failure. Its message names the redacted URL, so
// it is safe to log and to show in status output.
type Error struct {
	Kind Kind
	// URL is the URL fetched, redacted (no userinfo, query values replaced).
	URL string
	// Status is the HTTP status code when the server answered, else 0.
	Status int
	// RetryAfter is the server's Retry-After (429/503), 0 when absent.
	RetryAfter time.Duration
	// Retryable says whether the same request may succeed later without a
	// configuration change (a timeout, a 503), as opposed to a 404 or a
	// redirect loop. The poller backs off either way; this decides how
	// loudly the problem is reported.
	Retryable bool
	// Err is the cause; any *url.Error in it carries the redacted URL.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("fetch ")
	b.WriteString(e.URL)
	b.WriteString(": ")
	b.WriteString(string(e.Kind))
	if e.Status != 0 {
		fmt.Fprintf(&b, " %d", e.Status)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// errRedirectLoop and errTooManyRedirects are returned by the redirect policy.
var (
	errRedirectLoop     = errors.New("redirect loop")
	errTooManyRedirects = errors.New("too many redirects")
	errBodyTooLarge     = errors.New("body exceeds the size limit")
)

// classify turns a transport error into an *Error. parent is the caller's
// context: when it is done, the failure is the caller's (shutdown), not the
// source's, and must not count against the source.
func classify(parent context.Context, rawURL string, err error) *Error {
	var fe *Error
	if errors.As(err, &fe) {
		return fe
	}
	red := RedactURL(rawURL)
	err = redactURLErrors(err)
	e := &Error{URL: red, Err: err}
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostnameErr x509.HostnameError
	var recordErr tls.RecordHeaderError
	var opErr *net.OpError
	var netErr net.Error
	switch {
	case errors.Is(parent.Err(), context.Canceled):
		// The caller gave up (shutdown). A caller's deadline, by contrast,
		// falls through to KindTimeout: the source was too slow for it.
		e.Kind = KindCanceled
		e.Retryable = true
	case errors.Is(err, errRedirectLoop), errors.Is(err, errTooManyRedirects):
		e.Kind = KindRedirect
	case errors.Is(err, errBlockedAddress):
		e.Kind = KindBlocked
	case errors.Is(err, errBodyTooLarge):
		e.Kind = KindTooLarge
	case errors.As(err, &dnsErr):
		e.Kind = KindDNS
		// NXDOMAIN is usually a typo or a dead domain; anything else
		// (SERVFAIL, resolver timeout) is worth trying again.
		e.Retryable = !dnsErr.IsNotFound
	case errors.Is(err, context.DeadlineExceeded):
		e.Kind = KindTimeout
		e.Retryable = true
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostnameErr), errors.As(err, &recordErr):
		e.Kind = KindTLS
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Kind = KindTimeout
		e.Retryable = true
	case errors.As(err, &opErr) && opErr.Op == "dial":
		e.Kind = KindConnect
		e.Retryable = true
	default:
		e.Kind = KindNetwork
		e.Retryable = true
	}
	return e
}

// redactURLErrors rewrites every *url.Error in err's chain (net/http puts the
// full request URL, query included, in them) to carry a redacted URL.
func redactURLErrors(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	return &url.Error{Op: ue.Op, URL: RedactURL(ue.URL), Err: redactURLErrors(ue.Err)}
}

// RedactURL returns raw without userinfo and with every query value replaced
// by "REDACTED", so that a feed URL carrying an API key can be logged. The
// parameter names stay: they are what an operator needs to recognise the
// URL. Unparseable input is reduced to "<invalid url>" rather than echoed.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<invalid url>"
	}
	u.User = nil
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{"REDACTED"}
		}
		u.RawQuery = q.Encode()
	}
	u.Fragment = ""
	u.RawFragment = ""
	return u.String()
}
