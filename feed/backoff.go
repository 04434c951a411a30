package feed

import (
	"math"
	"time"
)

// Backoff is how long to wait before polling a source again after streak
// consecutive failures: base doubled for each failure after the first
// (base, 2·base, 4·base, ...), capped at max, then spread by jitter so that
// sources which failed together (one host down) do not retry in lock-step.
//
// jitter returns a value in [0, 1) (e.g. rand.Float64); the result is scaled
// by 0.9 + 0.2·jitter(), i.e. ±10 %, and never exceeds max. A nil jitter
// means none. streak <= 0 returns 0: a healthy source is polled on its normal
// interval. The function is pure so the poller and its tests share it.
func Backoff(streak int, base, max time.Duration, jitter func() float64) time.Duration {
	if streak <= 0 || base <= 0 {
		return 0
	}
	if max < base {
		max = base
	}
	d := max
	// 2^62 overflows any useful duration; compare in float to stay safe.
	if exp := math.Ldexp(float64(base), streak-1); exp < float64(max) {
		d = time.Duration(exp)
	}
	if jitter != nil {
		j := jitter()
		if math.IsNaN(j) || j < 0 {
			j = 0
		}
		if j > 1 {
			j = 1
		}
		d = time.Duration(float64(d) * (0.9 + 0.2*j))
	}
	return min(d, max)
}
