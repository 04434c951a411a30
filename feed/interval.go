package feed

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxServerInterval bounds any interval a server asks for (Retry-After, ttl,
// max-age). A hostile or misconfigured feed must not be able to silence
// itself for a year with "Retry-After: 31536000".
const maxServerInterval = 24 * time.Hour

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP-date
// (RFC 9110 §10.2.3). It returns 0 for a missing, malformed or past value.
func parseRetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(h, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxServerInterval/time.Second) {
			return maxServerInterval
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	return clampInterval(d)
}

// parseMaxAge reads max-age from a Cache-Control header. no-store and
// no-cache ask for nothing (0): they speak about caching, not about polling
// less often.
func parseMaxAge(h string) time.Duration {
	for _, part := range strings.Split(h, ",") {
		part = strings.TrimSpace(strings.ToLower(part))
		v, ok := strings.CutPrefix(part, "max-age=")
		if !ok {
			continue
		}
		secs, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64)
		if err != nil || secs <= 0 {
			return 0
		}
		if secs > int64(maxServerInterval/time.Second) {
			return maxServerInterval
		}
		return time.Duration(secs) * time.Second
	}
	return 0
}

// parseTTL reads an RSS <ttl>: minutes to cache the channel.
func parseTTL(s string) time.Duration {
	mins, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || mins <= 0 {
		return 0
	}
	if mins > int64(maxServerInterval/time.Minute) {
		return maxServerInterval
	}
	return time.Duration(mins) * time.Minute
}

func clampInterval(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return min(d, maxServerInterval)
}
