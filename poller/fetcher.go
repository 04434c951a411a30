package poller

import (
	"context"
	"time"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/store"
)

// Fetcher polls one source. Sources (feed.Fetcher, feed.Folder) are adapted
// to it by Sources; tests give their own.
type Fetcher interface {
	Fetch(ctx context.Context, src store.Source) (Fetched, error)
}

// Fetched is one successful poll.
type Fetched struct {
	Reports     []report.Report
	NotModified bool
	// ETag and LastModified are the validators for the next conditional GET.
	ETag, LastModified string
	// MinInterval is the source's own floor on the next poll (TTL,
	// Cache-Control), 0 when none.
	MinInterval time.Duration
	// State is stored on the source and given back at the next poll.
	State string
	// Problems are non-fatal issues (a broken file in a folder source).
	Problems []string
}
