package notify

import (
	"net/url"
	"time"
)

// CheckCommon checks what every chat notifier's section has: its
// credential once it has channels, an http(s) API URL, a retry budget and
// wait. field names the credential key.
func CheckCommon(add func(field, msg string), hasCredential bool, channels int, apiURL string, budget int, maxWait time.Duration, field string) {
	if channels > 0 && !hasCredential {
		add(field, "required when channels are configured (or its _file)")
	}
	if u, err := url.Parse(apiURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add("api_url", "must be an absolute http(s) URL")
	} else if u.User != nil {
		add("api_url", "must not contain credentials")
	}
	if budget < 1 || budget > 20 {
		add("retry_budget", "must be between 1 and 20")
	}
	if maxWait < 0 {
		add("max_retry_wait", "must not be negative")
	}
}
