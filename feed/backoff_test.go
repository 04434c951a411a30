package feed

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	const base, maxD = time.Minute, time.Hour
	fixed := func(v float64) func() float64 { return func() float64 { return v } }
	cases := []struct {
		name   string
		streak int
		base   time.Duration
		max    time.Duration
		jitter func() float64
		want   time.Duration
	}{
		{"healthy source: no backoff", 0, base, maxD, nil, 0},
		{"negative streak", -3, base, maxD, nil, 0},
		{"first failure waits base", 1, base, maxD, nil, time.Minute},
		{"doubles", 2, base, maxD, nil, 2 * time.Minute},
		{"doubles again", 4, base, maxD, nil, 8 * time.Minute},
		{"capped", 7, base, maxD, nil, time.Hour}, // 64 min > 60
		{"huge streak does not overflow", 10000, base, maxD, nil, time.Hour},
		{"jitter low end is -10%", 2, base, maxD, fixed(0), 108 * time.Second},
		{"jitter midpoint is exact", 2, base, maxD, fixed(0.5), 2 * time.Minute},
		{"jitter high end is +10%", 2, base, maxD, fixed(1), 132 * time.Second},
		{"jitter never exceeds max", 50, base, maxD, fixed(1), time.Hour},
		{"out-of-range jitter clamped", 1, base, maxD, fixed(7), 66 * time.Second},
		{"max below base is raised to base", 3, base, time.Second, nil, time.Minute},
		{"zero base disables", 3, 0, maxD, nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Backoff(tc.streak, tc.base, tc.max, tc.jitter); got != tc.want {
				t.Errorf("Backoff(%d, %v, %v) = %v, want %v", tc.streak, tc.base, tc.max, got, tc.want)
			}
		})
	}
}

func TestServerIntervals(t *testing.T) {
	now := time.Date(2024, 12, 6, 12, 0, 0, 0, time.UTC)
	ra := map[string]time.Duration{
		"":                              0,
		"30":                            30 * time.Second,
		" 0 ":                           0,
		"-5":                            0,
		"soon":                          0,
		"Fri, 06 Dec 2024 12:05:00 GMT": 5 * time.Minute,
		"Fri, 06 Dec 2024 11:00:00 GMT": 0, // in the past
		"99999999999999999999":          0, // unparseable as int64 and as a date
	}
	for in, want := range ra {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
	cc := map[string]time.Duration{
		"":                           0,
		"no-cache":                   0,
		"public, max-age=300":        5 * time.Minute,
		"max-age=\"60\", s-maxage=1": time.Minute,
		"MAX-AGE=31536000":           24 * time.Hour,
		"max-age=abc":                0,
	}
	for in, want := range cc {
		if got := parseMaxAge(in); got != want {
			t.Errorf("parseMaxAge(%q) = %v, want %v", in, got, want)
		}
	}
	ttl := map[string]time.Duration{"": 0, "60": time.Hour, "x": 0, "100000": 24 * time.Hour}
	for in, want := range ttl {
		if got := parseTTL(in); got != want {
			t.Errorf("parseTTL(%q) = %v, want %v", in, got, want)
		}
	}
}
