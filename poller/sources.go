package poller

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/tocsin-alerts/tocsin/feed"
	"github.com/tocsin-alerts/tocsin/store"
)

// Source kinds stored in store.Source.Kind.
const (
	KindFeed   = "feed"
	KindFolder = "folder"
)

// Sources is the production Fetcher: it routes a source by kind to the feed
// package's fetcher (RSS/Atom/JSON Feed, file://) or folder scanner.
type Sources struct {
	Feed *feed.Fetcher
	// FullText lists the feed sources whose teasers are fetched in full.
	FullText map[string]bool
	// FS serves a folder source from a file system instead of its path
	// (the embedded seeds when no seeds/ directory is on disk).
	FS     map[string]fs.FS
	Logger *slog.Logger
	Now    func() time.Time
}

var _ Fetcher = (*Sources)(nil)

// Fetch polls one source.
func (s *Sources) Fetch(ctx context.Context, src store.Source) (Fetched, error) {
	switch src.Kind {
	case KindFeed:
		r, err := s.Feed.Fetch(ctx, feed.Source{ID: src.ID, URL: src.URL, FullText: s.FullText[src.ID],
			ETag: src.ETag, LastModified: src.LastModified})
		if err != nil {
			return Fetched{}, err
		}
		return Fetched{Reports: r.Reports, NotModified: r.NotModified, ETag: r.ETag, LastModified: r.LastModified,
			MinInterval: r.MinInterval}, nil
	case KindFolder:
		prev := map[string]feed.FileState{}
		if src.State != "" {
			if err := json.Unmarshal([]byte(src.State), &prev); err != nil {
				// A corrupt state only costs a rescan: reports already
				// stored are recognised by identity and content hash.
				prev = map[string]feed.FileState{}
			}
		}
		f := feed.NewFolder(feed.FolderOptions{Source: src.ID, Logger: s.Logger, Now: s.Now})
		var scan feed.FolderScan
		var err error
		if fsys := s.FS[src.ID]; fsys != nil {
			scan, err = f.Scan(ctx, fsys, prev)
		} else {
			scan, err = f.ScanDir(ctx, src.URL, prev)
		}
		if err != nil {
			return Fetched{}, err
		}
		state, err := json.Marshal(scan.State)
		if err != nil {
			return Fetched{}, fmt.Errorf("folder %s: encode state: %w", src.ID, err)
		}
		out := Fetched{Reports: scan.Reports, State: string(state)}
		for _, p := range scan.Problems {
			out.Problems = append(out.Problems, p.Error())
		}
		return out, nil
	}
	return Fetched{}, fmt.Errorf("source %s: unknown kind %q", src.ID, src.Kind)
}
