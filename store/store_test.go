package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/store"
	"github.com/tocsin-alerts/tocsin/store/storetest"
)

var t0 = time.Date(2024, 11, 30, 12, 0, 0, 0, time.UTC)

func TestMigrationsAreRecordedAndIdempotent(t *testing.T) {
	s, path := storetest.SQLite(t)
	ctx := context.Background()
	v, err := s.SchemaVersion(ctx)
	if err != nil || v < 1 {
		t.Fatalf("SchemaVersion = %d, %v; want >= 1", v, err)
	}
	s.Close()
	s2, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s2.Close()
	v2, err := s2.SchemaVersion(ctx)
	if err != nil || v2 != v {
		t.Fatalf("after reopen SchemaVersion = %d, %v; want %d", v2, err, v)
	}
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s2.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestSources(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		specs := []store.SourceSpec{
			{ID: "a", Kind: "feed", URL: "http://127.0.0.1/a", Interval: time.Minute},
			{ID: "b", Kind: "folder", URL: "/tmp/b", Interval: 2 * time.Minute},
		}
		if err := s.SyncSources(ctx, specs); err != nil {
			t.Fatal(err)
		}
		due, err := s.DueSources(ctx, t0, 10)
		if err != nil || len(due) != 2 {
			t.Fatalf("DueSources = %v, %v; want both new sources due", due, err)
		}
		if !due[0].FirstPoll() {
			t.Errorf("new source should be on its first poll")
		}
		// a succeeds with validators; b fails twice.
		if err := s.RecordFetch(ctx, "a", store.FetchOutcome{CheckedAt: t0, NextCheckAt: t0.Add(time.Minute), ETag: `"e1"`, LastModified: "lm", State: "st"}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			if err := s.RecordFetch(ctx, "b", store.FetchOutcome{CheckedAt: t0, NextCheckAt: t0.Add(time.Hour), Err: "boom"}); err != nil {
				t.Fatal(err)
			}
		}
		due, err = s.DueSources(ctx, t0.Add(30*time.Second), 10)
		if err != nil || len(due) != 0 {
			t.Fatalf("DueSources before next check = %v, %v; want none", due, err)
		}
		a, err := s.Source(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		if a.ETag != `"e1"` || a.LastModified != "lm" || a.State != "st" || a.FirstPoll() || a.ErrorStreak != 0 || !a.LastSuccessAt.Equal(t0) {
			t.Errorf("source a after success = %+v", a)
		}
		b, _ := s.Source(ctx, "b")
		if b.ErrorStreak != 2 || b.LastError != "boom" || !b.FirstPoll() {
			t.Errorf("source b after two failures = %+v", b)
		}
		// Failure keeps a's validators; success resets b's streak.
		if err := s.RecordFetch(ctx, "a", store.FetchOutcome{CheckedAt: t0, NextCheckAt: t0, Err: "x"}); err != nil {
			t.Fatal(err)
		}
		a, _ = s.Source(ctx, "a")
		if a.ETag != `"e1"` || a.ErrorStreak != 1 {
			t.Errorf("failure must keep validators: %+v", a)
		}
		// Dropping b from config disables it but keeps its history.
		if err := s.SyncSources(ctx, specs[:1]); err != nil {
			t.Fatal(err)
		}
		all, _ := s.Sources(ctx)
		if len(all) != 2 || all[1].Enabled || !all[0].Enabled || all[0].ETag != `"e1"` {
			t.Errorf("after resync = %+v", all)
		}
		due, _ = s.DueSources(ctx, t0.Add(24*time.Hour), 10)
		if len(due) != 1 || due[0].ID != "a" {
			t.Errorf("disabled source must not be due: %+v", due)
		}
	})
}

func scoredReport(guid, text string, sev rules.Severity) store.Scored {
	r := report.Report{GUID: guid, Source: "src", Title: "T " + guid, Text: text, Published: t0}
	return store.Scored{Report: r, ScoredAt: t0, Result: rules.Result{
		Alert: sev > 0, Severity: sev, Score: 3.5, Location: "Aleppo, Syria", Categories: []string{"offensive"},
		RulesVersion: "v1",
		Evidence:     []rules.Evidence{{Rule: "offensive", Sentence: text, Why: "assault verb near place"}},
	}}
}

func TestReportsScoresAndIdentity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := scoredReport("g1", "Rebels entered Aleppo.", rules.SevHigh)
		if err := s.Apply(ctx, store.Batch{Scored: []store.Scored{a}}); err != nil {
			t.Fatal(err)
		}
		id := a.Report.Identity()
		known, err := s.Known(ctx, []string{id, "guid:src:nope"})
		if err != nil {
			t.Fatal(err)
		}
		if len(known) != 1 || known[id] != a.Report.ContentHash() {
			t.Fatalf("Known = %v", known)
		}
		res, err := s.LatestScore(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if res.RulesVersion != "v1" || len(res.Evidence) != 1 || res.Evidence[0].Why != "assault verb near place" {
			t.Errorf("stored score lost evidence or version: %+v", res)
		}
		// Changed content: same identity, new hash, new score row.
		b := a
		b.Report.Text = "Rebels took Aleppo airport."
		b.ScoredAt = t0.Add(time.Minute)
		b.Result.RulesVersion = "v2"
		if err := s.Apply(ctx, store.Batch{Scored: []store.Scored{b}}); err != nil {
			t.Fatal(err)
		}
		known, _ = s.Known(ctx, []string{id})
		if known[id] != b.Report.ContentHash() {
			t.Errorf("hash not updated after change")
		}
		got, err := s.Report(ctx, id)
		if err != nil || got.Text != "Rebels took Aleppo airport." {
			t.Errorf("Report = %+v, %v", got, err)
		}
		res, _ = s.LatestScore(ctx, id)
		if res.RulesVersion != "v2" {
			t.Errorf("latest score version = %q, want v2", res.RulesVersion)
		}
		nr, ns, err := s.Counts(ctx)
		if err != nil || nr != 1 || ns != 2 {
			t.Errorf("Counts = %d reports, %d scores, %v; want 1, 2", nr, ns, err)
		}
	})
}

func testIncident(id string) alerts.Incident {
	return alerts.Incident{ID: id, Title: "Offensive", Location: "Aleppo, Syria", Categories: []string{"offensive"},
		Severity: rules.SevHigh, Corroboration: 1, FirstSeen: t0, LastSeen: t0, Alerted: true, Seq: 1,
		Sources: []alerts.SourceRef{{Source: "src", Seen: t0}}}
}

func TestApplyIsAtomic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := scoredReport("g1", "Rebels entered Aleppo.", rules.SevHigh)
		inc := testIncident("inc-1")
		alert := alerts.Alert{ID: "inc-1/1-opened", Kind: alerts.Opened, Incident: inc, At: t0}
		// The link names a report that is not in the batch: the foreign key
		// fails, and nothing of the batch may remain.
		bad := store.Batch{Scored: []store.Scored{a}, Incidents: []alerts.Incident{inc},
			Links: []store.Link{{IncidentID: "inc-1", Identity: "guid:src:missing"}}, Alerts: []alerts.Alert{alert}, Notifiers: []string{"console"}}
		if err := s.Apply(ctx, bad); err == nil {
			t.Fatal("Apply with a dangling link succeeded")
		}
		known, _ := s.Known(ctx, []string{a.Report.Identity()})
		open, _ := s.OpenIncidents(ctx)
		due, _ := s.DueOutbox(ctx, t0.Add(time.Hour), 10, []string{"console"})
		if len(known) != 0 || len(open) != 0 || len(due) != 0 {
			t.Fatalf("failed batch left state: reports=%v incidents=%v outbox=%v", known, open, due)
		}
		good := bad
		good.Links = []store.Link{{IncidentID: "inc-1", Identity: a.Report.Identity()}}
		if err := s.Apply(ctx, good); err != nil {
			t.Fatal(err)
		}
		ids, err := s.IncidentReports(ctx, "inc-1")
		if err != nil || len(ids) != 1 || ids[0] != a.Report.Identity() {
			t.Errorf("IncidentReports = %v, %v", ids, err)
		}
	})
}

func TestIncidents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := testIncident("inc-a"), testIncident("inc-b")
		b.LastSeen = t0.Add(time.Hour)
		if err := s.SaveIncidents(ctx, []alerts.Incident{a, b}, nil, nil); err != nil {
			t.Fatal(err)
		}
		open, err := s.OpenIncidents(ctx)
		if err != nil || len(open) != 2 || open[0].ID != "inc-b" {
			t.Fatalf("OpenIncidents = %+v, %v", open, err)
		}
		a.ResolvedAt = t0.Add(2 * time.Hour)
		a.Corroboration = 3
		if err := s.SaveIncidents(ctx, []alerts.Incident{a}, nil, nil); err != nil {
			t.Fatal(err)
		}
		open, _ = s.OpenIncidents(ctx)
		if len(open) != 1 || open[0].ID != "inc-b" {
			t.Errorf("resolved incident still open: %+v", open)
		}
		got, err := s.Incident(ctx, "inc-a")
		if err != nil || got.Corroboration != 3 || got.Open() {
			t.Errorf("Incident = %+v, %v", got, err)
		}
		recent, err := s.RecentIncidents(ctx, t0.Add(30*time.Minute), 10)
		if err != nil || len(recent) != 1 || recent[0].ID != "inc-b" {
			t.Errorf("RecentIncidents = %+v, %v", recent, err)
		}
	})
}

func TestOutbox(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		inc := testIncident("inc-1")
		a1 := alerts.Alert{ID: "inc-1/1-opened", Kind: alerts.Opened, Incident: inc, At: t0, Reason: "new incident"}
		inc2 := inc
		inc2.Seq = 2
		a2 := alerts.Alert{ID: "inc-1/2-escalated", Kind: alerts.Escalated, Incident: inc2, At: t0.Add(time.Second)}
		err := s.Apply(ctx, store.Batch{Incidents: []alerts.Incident{inc}, Alerts: []alerts.Alert{a1, a2}, Notifiers: []string{"console", "discord"}})
		if err != nil {
			t.Fatal(err)
		}
		both := []string{"console", "discord"}
		if only, _ := s.DueOutbox(ctx, t0.Add(time.Minute), 100, []string{"discord"}); len(only) != 1 {
			t.Errorf("DueOutbox for discord only = %d rows; want 1", len(only))
		}
		// Recording the same alert again (a replayed batch) must not double it.
		if err := s.Apply(ctx, store.Batch{Alerts: []alerts.Alert{a1}, Notifiers: []string{"console"}}); err != nil {
			t.Fatal(err)
		}
		due, err := s.DueOutbox(ctx, t0.Add(time.Minute), 100, both)
		// The escalation waits behind the opening of the same incident.
		if err != nil || len(due) != 2 || due[0].Alert.ID != a1.ID || due[1].Alert.ID != a1.ID {
			t.Fatalf("DueOutbox = %d rows, %v; want a1 for both notifiers", len(due), err)
		}
		if due[0].Alert.ID != a1.ID || due[0].Alert.Reason != "new incident" || due[0].Alert.Incident.Location != "Aleppo, Syria" {
			t.Errorf("first due row = %+v", due[0])
		}
		if err := s.MarkSent(ctx, a1.ID, "console", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkRetry(ctx, a1.ID, "discord", t0.Add(10*time.Minute), "503"); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkFailed(ctx, a2.ID, "discord", "400 bad embed"); err != nil {
			t.Fatal(err)
		}
		due, _ = s.DueOutbox(ctx, t0.Add(2*time.Minute), 100, both)
		if len(due) != 1 || due[0].Alert.ID != a2.ID || due[0].Notifier != "console" {
			t.Fatalf("after marks, due = %+v; want only a2/console", due)
		}
		next, err := s.NextOutboxDue(ctx, both)
		if err != nil || !next.Equal(t0.Add(time.Second)) {
			t.Errorf("NextOutboxDue = %v, %v", next, err)
		}
		due, _ = s.DueOutbox(ctx, t0.Add(11*time.Minute), 100, both)
		if len(due) != 2 {
			t.Errorf("retry row not due after its time: %+v", due)
		}
		// A sent row cannot be moved again.
		if err := s.MarkRetry(ctx, a1.ID, "console", t0, "late"); err != nil {
			t.Fatal(err)
		}
		rows, _ := s.OutboxFor(ctx, a1.ID)
		if len(rows) != 2 || rows[0].State != store.OutboxSent || rows[0].Attempts != 1 || rows[1].State != store.OutboxPending || rows[1].LastError != "503" {
			t.Errorf("OutboxFor = %+v", rows)
		}
		depth, err := s.OutboxDepth(ctx)
		if err != nil || depth[store.OutboxPending] != 2 || depth[store.OutboxSent] != 1 || depth[store.OutboxFailed] != 1 {
			t.Errorf("OutboxDepth = %v, %v", depth, err)
		}
	})
}

func TestSilencesRefsMeta(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sl := alerts.Silence{ID: "s1", Kind: alerts.SilencePlace, Value: "Aleppo", ExpiresAt: t0.Add(time.Hour), Author: "ops", Reason: "known", CreatedAt: t0}
		if err := s.PutSilence(ctx, sl); err != nil {
			t.Fatal(err)
		}
		if err := s.PutSilence(ctx, alerts.Silence{ID: "bad", Kind: "weather", ExpiresAt: t0.Add(time.Hour)}); err == nil {
			t.Error("unknown silence kind accepted")
		}
		act, err := s.ActiveSilences(ctx, t0.Add(30*time.Minute))
		if err != nil || len(act) != 1 || act[0].Author != "ops" || act[0].Kind != alerts.SilencePlace {
			t.Fatalf("ActiveSilences = %+v, %v", act, err)
		}
		if act, _ := s.ActiveSilences(ctx, t0.Add(2*time.Hour)); len(act) != 0 {
			t.Errorf("expired silence still active: %+v", act)
		}
		if ok, err := s.EndSilence(ctx, "s1", t0.Add(time.Minute)); err != nil || !ok {
			t.Errorf("EndSilence = %v, %v", ok, err)
		}
		if act, _ := s.ActiveSilences(ctx, t0.Add(2*time.Minute)); len(act) != 0 {
			t.Errorf("ended silence still active: %+v", act)
		}

		if _, ok, err := s.GetRef(ctx, "discord", "inc-1"); ok || err != nil {
			t.Errorf("GetRef on empty = %v, %v", ok, err)
		}
		if err := s.PutRef(ctx, "discord", "inc-1", "msg-1"); err != nil {
			t.Fatal(err)
		}
		if err := s.PutRef(ctx, "discord", "inc-1", "msg-2"); err != nil {
			t.Fatal(err)
		}
		if v, ok, err := s.GetRef(ctx, "discord", "inc-1"); v != "msg-2" || !ok || err != nil {
			t.Errorf("GetRef = %q, %v, %v", v, ok, err)
		}
		if err := s.SetMeta(ctx, "rules_version", "abc", t0); err != nil {
			t.Fatal(err)
		}
		if v, at, ok, err := s.Meta(ctx, "rules_version"); v != "abc" || !at.Equal(t0) || !ok || err != nil {
			t.Errorf("Meta = %q %v %v %v", v, at, ok, err)
		}
	})
}
