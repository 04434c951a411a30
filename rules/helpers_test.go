package rules

import "time"

func mustYear(y int) time.Time { return time.Date(y, 6, 1, 0, 0, 0, 0, time.UTC) }
