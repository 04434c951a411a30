package store

import (
	"context"
	"fmt"

	"github.com/tocsin-alerts/tocsin/report"
)

// sqlRecentReports orders by the last change: a re-scored edit counts as
// recent. There is no index on updated_at; the scan is bounded by the
// table size, which the web console's rule preview reads rarely.
const sqlRecentReports = `SELECT identity, source, guid, url, outlet, title, body, published_at, fetched_at
	FROM reports ORDER BY updated_at DESC, identity LIMIT ?`

// RecentReports returns up to limit stored reports, most recently stored or
// changed first: what a rule edit is re-scored against to preview its
// effect.
func (s *Store) RecentReports(ctx context.Context, limit int) ([]report.Report, error) {
	rows, err := s.db.QueryContext(ctx, s.q(sqlRecentReports), limit)
	if err != nil {
		return nil, fmt.Errorf("recent reports: %w", err)
	}
	defer rows.Close()
	var out []report.Report
	for rows.Next() {
		var r report.Report
		var identity string
		var pub, fetched int64
		if err := rows.Scan(&identity, &r.Source, &r.GUID, &r.URL, &r.Outlet, &r.Title, &r.Text, &pub, &fetched); err != nil {
			return nil, fmt.Errorf("recent reports: %w", err)
		}
		r.Published, r.Fetched = fromMS(pub), fromMS(fetched)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("recent reports: %w", err)
	}
	return out, nil
}
