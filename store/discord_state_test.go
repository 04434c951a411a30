package store_test

import (
	"context"
	"database/sql"
	"reflect"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/store"
	"github.com/tocsin-alerts/tocsin/store/storetest"
	"github.com/tocsin-alerts/tocsin/vocab"
)

func TestSubscriptions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if got, err := s.Subscriptions(ctx); err != nil || len(got) != 0 {
			t.Fatalf("empty store: Subscriptions = %v, %v", got, err)
		}
		a := store.Subscription{ChannelID: "100000000000000001", Categories: []vocab.Category{vocab.Threat, "shelling"},
			Places: []string{"Odesa, Ukraine", "Syria"}, MinSeverity: rules.SevHigh,
			MentionRoles: map[rules.Severity][]string{rules.SevCritical: {"200000000000000001"}}, Author: "u1", UpdatedAt: t0}
		b := store.Subscription{ChannelID: "100000000000000002", MinSeverity: rules.SevLow, UpdatedAt: t0.Add(time.Minute)}
		for _, sub := range []store.Subscription{a, b} {
			if err := s.PutSubscription(ctx, sub); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Subscriptions(ctx)
		if err != nil || len(got) != 2 {
			t.Fatalf("Subscriptions = %+v, %v", got, err)
		}
		if g := got[0]; g.ChannelID != a.ChannelID || !reflect.DeepEqual(g.Categories, a.Categories) ||
			!reflect.DeepEqual(g.Places, a.Places) || g.MinSeverity != rules.SevHigh ||
			!reflect.DeepEqual(g.MentionRoles, a.MentionRoles) || g.Author != "u1" || !g.CreatedAt.Equal(t0) {
			t.Errorf("first subscription round trip = %+v; want %+v", g, a)
		}
		if g := got[1]; len(g.Categories) != 0 || len(g.Places) != 0 || len(g.MentionRoles) != 0 {
			t.Errorf("empty lists must read back empty: %+v", g)
		}
		// Subscribing again replaces the route but keeps its creation time.
		a2 := a
		a2.MinSeverity, a2.Places, a2.UpdatedAt = rules.SevCritical, nil, t0.Add(time.Hour)
		if err := s.PutSubscription(ctx, a2); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Subscriptions(ctx)
		if len(got) != 2 || got[0].MinSeverity != rules.SevCritical || len(got[0].Places) != 0 ||
			!got[0].CreatedAt.Equal(t0) || !got[0].UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("after resubscribe = %+v", got)
		}
		if ok, err := s.DeleteSubscription(ctx, a.ChannelID); err != nil || !ok {
			t.Fatalf("DeleteSubscription = %v, %v; want true", ok, err)
		}
		if ok, err := s.DeleteSubscription(ctx, a.ChannelID); err != nil || ok {
			t.Fatalf("second DeleteSubscription = %v, %v; want false", ok, err)
		}
		if got, _ := s.Subscriptions(ctx); len(got) != 1 || got[0].ChannelID != b.ChannelID {
			t.Errorf("after delete = %+v", got)
		}
		if err := s.PutSubscription(ctx, store.Subscription{ChannelID: " "}); err == nil {
			t.Error("a subscription without channel was accepted")
		}
		if err := s.PutSubscription(ctx, store.Subscription{ChannelID: "1", MinSeverity: 9}); err == nil {
			t.Error("an out-of-range severity was accepted")
		}
	})
}

func TestAcks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, a := range []store.Ack{
			{IncidentID: "inc-1", UserID: "u2", UserName: "bea", At: t0.Add(time.Minute)},
			{IncidentID: "inc-1", UserID: "u1", UserName: "ann", At: t0},
			// A second click keeps the first acknowledgement's time.
			{IncidentID: "inc-1", UserID: "u1", UserName: "ann", At: t0.Add(time.Hour)},
			{IncidentID: "inc-2", UserID: "u1", UserName: "ann", At: t0},
		} {
			if err := s.PutAck(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.Acks(ctx, "inc-1")
		if err != nil {
			t.Fatal(err)
		}
		want := []store.Ack{{IncidentID: "inc-1", UserID: "u1", UserName: "ann", At: t0},
			{IncidentID: "inc-1", UserID: "u2", UserName: "bea", At: t0.Add(time.Minute)}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Acks = %+v\nwant %+v", got, want)
		}
		if got, err := s.Acks(ctx, "none"); err != nil || len(got) != 0 {
			t.Errorf("Acks(none) = %v, %v", got, err)
		}
		if err := s.PutAck(ctx, store.Ack{IncidentID: "inc-1"}); err == nil {
			t.Error("an ack without user was accepted")
		}
	})
}

func TestFeedbackCountsDistinctIncidents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		nr := store.FeedbackNotRelevant
		for _, f := range []store.Feedback{
			{IncidentID: "inc-1", Rules: []string{"offensive", "airstrike"}, Kind: nr, UserID: "u1", At: t0},
			{IncidentID: "inc-1", Rules: []string{"offensive", "airstrike"}, Kind: nr, UserID: "u1", At: t0}, // same click again
			{IncidentID: "inc-1", Rules: []string{"offensive"}, Kind: nr, UserID: "u2", At: t0},              // another member, same incident
			{IncidentID: "inc-2", Rules: []string{"offensive"}, Kind: nr, UserID: "u1", At: t0},
			{IncidentID: "inc-3", Kind: nr, UserID: "u1", At: t0}, // no rules: kept under ""
		} {
			if err := s.PutFeedback(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.FeedbackCounts(ctx, nr)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"offensive": 2, "airstrike": 1, "": 1}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("FeedbackCounts = %v; want %v", got, want)
		}
		if err := s.PutFeedback(ctx, store.Feedback{IncidentID: "inc-1", Kind: "spam", UserID: "u1"}); err == nil {
			t.Error("an unknown feedback kind was accepted")
		}
		if err := s.PutFeedback(ctx, store.Feedback{IncidentID: "inc-1", Kind: nr}); err == nil {
			t.Error("feedback without user was accepted")
		}
	})
}

func TestIncidentTimelineAndRuleCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		inc := testIncident("inc-1")
		inc.Evidence = []rules.Evidence{{Rule: "offensive"}, {Rule: "offensive"}, {Rule: "airstrike"}}
		inc.Seq = 1
		opened := alerts.Alert{ID: "inc-1/1-opened", Kind: alerts.Opened, Incident: inc, Reason: "new", At: t0}
		inc2 := inc
		inc2.Seq, inc2.Severity = 2, rules.SevCritical
		esc := alerts.Alert{ID: "inc-1/2-escalated", Kind: alerts.Escalated, Incident: inc2, Reason: "high → critical", At: t0.Add(time.Minute)}
		other := testIncident("inc-2")
		other.Evidence = []rules.Evidence{{Rule: "offensive"}}
		if err := s.Apply(ctx, store.Batch{Incidents: []alerts.Incident{inc2, other}, Alerts: []alerts.Alert{opened, esc},
			Notifiers: []string{"console", "discord"}}); err != nil {
			t.Fatal(err)
		}
		evs, err := s.IncidentEvents(ctx, "inc-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 || evs[0].ID != opened.ID || evs[1].ID != esc.ID || evs[1].Reason != esc.Reason ||
			evs[1].Incident.Severity != rules.SevCritical {
			t.Errorf("IncidentEvents = %+v; want opened then escalated, once each", evs)
		}
		if got, ok, err := s.FindIncident(ctx, "inc-1"); err != nil || !ok || got.Severity != rules.SevCritical {
			t.Errorf("FindIncident = %+v, %v, %v", got, ok, err)
		}
		if _, ok, err := s.FindIncident(ctx, "nope"); err != nil || ok {
			t.Errorf("FindIncident(nope) = %v, %v; want not found, no error", ok, err)
		}
		counts, err := s.RuleIncidentCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{"offensive": 2, "airstrike": 1}; !reflect.DeepEqual(counts, want) {
			t.Errorf("RuleIncidentCounts = %v; want %v", counts, want)
		}
	})
}

// TestMigrationUpgradesVersion1 opens a database left at schema version 1
// (as released before the Discord tables) and checks the new step applies.
func TestMigrationUpgradesVersion1(t *testing.T) {
	s, path := storetest.SQLite(t)
	ctx := context.Background()
	if err := s.PutAck(ctx, store.Ack{IncidentID: "i", UserID: "u"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{`DROP TABLE subscriptions`, `DROP TABLE acks`, `DROP TABLE feedback`,
		// undo migrations 3 to 6 too
		`DROP INDEX reports_updated`, `DROP INDEX incident_reports_identity`, `ALTER TABLE sources DROP COLUMN labels`,
		`ALTER TABLE sources DROP COLUMN lease_until`, `ALTER TABLE sources DROP COLUMN alert_backlog`,
		`ALTER TABLE outbox DROP COLUMN lease_until`, `ALTER TABLE silences DROP COLUMN matchers`,
		`ALTER TABLE sources DROP COLUMN lease_holder`, `ALTER TABLE outbox DROP COLUMN lease_holder`,
		`ALTER TABLE outbox DROP COLUMN sent_by`, `DROP TABLE replicas`,
		`DELETE FROM schema_migrations WHERE version > 1`} {
		if _, err := db.ExecContext(ctx, st); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
	}
	db.Close()
	s2, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("upgrade from version 1: %v", err)
	}
	defer s2.Close()
	if v, err := s2.SchemaVersion(ctx); err != nil || v < 4 {
		t.Fatalf("SchemaVersion after upgrade = %d, %v", v, err)
	}
	if err := s2.PutSubscription(ctx, store.Subscription{ChannelID: "c"}); err != nil {
		t.Errorf("subscriptions table after upgrade: %v", err)
	}
	if got, err := s2.Acks(ctx, "i"); err != nil || len(got) != 0 {
		t.Errorf("acks after upgrade = %v, %v; want a fresh empty table", got, err)
	}
	if _, err := s2.ClaimSources(ctx, time.Now(), 1, time.Minute); err != nil {
		t.Errorf("source claims after upgrade: %v", err)
	}
}

// BenchmarkRuleIncidentCounts measures the /rules precision scan over 5000
// incidents (SQLite); the app caches its result for 30 s.
func BenchmarkRuleIncidentCounts(b *testing.B) {
	s, _ := storetest.SQLite(b)
	ctx := context.Background()
	var incs []alerts.Incident
	for i := range 5000 {
		inc := testIncident("inc-" + string(rune('a'+i%26)) + time.Duration(i).String())
		inc.Evidence = []rules.Evidence{{Rule: "offensive", Sentence: "Rebels entered Aleppo on Friday after a surprise assault."}, {Rule: "airstrike"}}
		incs = append(incs, inc)
	}
	if err := s.Apply(ctx, store.Batch{Incidents: incs}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.RuleIncidentCounts(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
