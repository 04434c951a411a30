package rules

import (
	"time"

	"github.com/tocsin-alerts/tocsin/vocab"
)

func mustYear(y int) time.Time { return time.Date(y, 6, 1, 0, 0, 0, 0, time.UTC) }

func vocabCategory(c string) vocab.Category { return vocab.Category(c) }
