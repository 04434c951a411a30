package bot

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tocsin-alerts/tocsin/alerts"
	"github.com/tocsin-alerts/tocsin/rules"
	"github.com/tocsin-alerts/tocsin/vocab"
)

// fakeStore is a hand-written, in-memory stand-in for the store and the
// live rule set behind every command interface. It really filters, counts
// and stores, so the commands' answers depend on what they asked for.
type fakeStore struct {
	mu        sync.Mutex
	incidents []alerts.Incident
	timeline  map[string][]TimelineEntry
	rules     []RuleInfo
	subs      map[string]Route
	silences  []alerts.Silence
	acks      map[string][]Ack
	feedback  []Feedback
	reload    ReloadResult
	reloads   int
	status    Status
}

var (
	_ IncidentLister   = (*fakeStore)(nil)
	_ IncidentGetter   = (*fakeStore)(nil)
	_ RuleCatalog      = (*fakeStore)(nil)
	_ StatusReporter   = (*fakeStore)(nil)
	_ Subscriptions    = (*fakeStore)(nil)
	_ Silencer         = (*fakeStore)(nil)
	_ Acknowledger     = (*fakeStore)(nil)
	_ FeedbackRecorder = (*fakeStore)(nil)
	_ Reloader         = (*fakeStore)(nil)
	_ Scorer           = fakeScorer{}
	_ PlaceCompleter   = fakePlaces{}
)

func newFakeStore() *fakeStore {
	a := sampleAlert().Incident
	b := alerts.Incident{ID: "inc-coup-7", Title: "Troops seize state broadcaster", Location: "Niamey, Niger",
		Categories: []string{"territory_seized"}, Severity: rules.SevCritical, Corroboration: 4, FirstSeen: t0.Add(-48 * time.Hour), LastSeen: t0.Add(-47 * time.Hour),
		Evidence: []rules.Evidence{{Rule: "coup.broadcaster", Category: "territory_seized", Severity: rules.SevCritical, Sentence: "Soldiers took over the state broadcaster.", Why: "seizure of state media"}}}
	return &fakeStore{
		incidents: []alerts.Incident{a, b},
		timeline: map[string][]TimelineEntry{a.ID: {
			{At: t0, Kind: alerts.Opened, Severity: rules.SevHigh, Reason: "new incident"},
			{At: t0.Add(time.Hour), Kind: alerts.Escalated, Severity: rules.SevCritical, Reason: "casualties reported"},
		}},
		rules: []RuleInfo{
			{ID: "strike.missile", Category: "airstrike", Severity: rules.SevHigh, Description: "Missile strikes", Enabled: true, Fired: 10},
			{ID: "coup.broadcaster", Category: "territory_seized", Severity: rules.SevCritical, Description: "Seizure of state media", Enabled: true, Fired: 2},
		},
		subs: map[string]Route{},
		acks: map[string][]Ack{},
		status: Status{Sources: []SourceStatus{
			{ID: "Example Wire", Kind: "feed", Enabled: true, LastSuccessAt: t0.Add(-time.Minute), NextCheckAt: t0.Add(4 * time.Minute)},
			{ID: "Broken Feed", Kind: "feed", Enabled: true, ErrorStreak: 3, LastError: "HTTP 503", NextCheckAt: t0.Add(time.Hour)},
		}, Outbox: map[string]int{"pending": 2, "failed": 1}, OpenIncidents: 2, RulesVersion: "r-abc123", RulesReload: "ok", RulesReloadAt: t0.Add(-time.Hour)},
	}
}

func (f *fakeStore) RecentIncidents(_ context.Context, flt IncidentFilter) ([]alerts.Incident, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []alerts.Incident
	for _, inc := range f.incidents {
		if inc.Severity < flt.MinSeverity || (!flt.Since.IsZero() && inc.LastSeen.Before(flt.Since)) {
			continue
		}
		if flt.Category != "" && !slices.Contains(inc.Categories, string(flt.Category)) {
			continue
		}
		if flt.Place != "" && !placeMatches([]string{flt.Place}, inc.Location) {
			continue
		}
		out = append(out, inc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LastSeen.After(out[j].LastSeen) })
	if flt.Limit > 0 && len(out) > flt.Limit {
		out = out[:flt.Limit]
	}
	return out, nil
}

func (f *fakeStore) IncidentDetail(_ context.Context, id string) (IncidentDetail, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, inc := range f.incidents {
		if inc.ID == id {
			return IncidentDetail{Incident: inc, Timeline: f.timeline[id]}, true, nil
		}
	}
	return IncidentDetail{}, false, nil
}

func (f *fakeStore) Rules(context.Context) ([]RuleInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := append([]RuleInfo(nil), f.rules...)
	for i := range out {
		out[i].NotRelevant = f.notRelevantLocked(out[i].ID)
	}
	return out, nil
}

func (f *fakeStore) Rule(ctx context.Context, id string) (RuleInfo, bool, error) {
	rs, _ := f.Rules(ctx)
	for _, r := range rs {
		if r.ID == id {
			return r, true, nil
		}
	}
	return RuleInfo{}, false, nil
}

func (f *fakeStore) notRelevantLocked(rule string) int {
	n := 0
	for _, fb := range f.feedback {
		if fb.Verdict == "not_relevant" && contains(fb.Rules, rule) {
			n++
		}
	}
	return n
}

func (f *fakeStore) Status(context.Context) (Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status, nil
}

func (f *fakeStore) Subscribe(_ context.Context, r Route) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subs[r.ChannelID] = r
	return nil
}

func (f *fakeStore) Unsubscribe(_ context.Context, ch string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.subs[ch]
	delete(f.subs, ch)
	return ok, nil
}

func (f *fakeStore) Routes(context.Context) ([]Route, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Route
	for _, r := range f.subs {
		out = append(out, r)
	}
	return out, nil
}

func (f *fakeStore) Mute(_ context.Context, s alerts.Silence) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.silences = append(f.silences, s)
	return fmt.Sprintf("sil-%d", len(f.silences)), nil
}

func (f *fakeStore) ActiveSilences(_ context.Context, now time.Time) ([]alerts.Silence, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []alerts.Silence
	for _, s := range f.silences {
		if s.Active(now) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (f *fakeStore) Unmute(_ context.Context, kind alerts.SilenceKind, value string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	kept, n := f.silences[:0], 0
	for _, s := range f.silences {
		if s.Kind == kind && s.Value == value {
			n++
			continue
		}
		kept = append(kept, s)
	}
	f.silences = kept
	return n, nil
}

func (f *fakeStore) Acknowledge(_ context.Context, a Ack) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.acks[a.IncidentID] = append(f.acks[a.IncidentID], a)
	return nil
}

func (f *fakeStore) Acks(_ context.Context, id string) ([]Ack, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Ack(nil), f.acks[id]...), nil
}

func (f *fakeStore) RecordFeedback(_ context.Context, fb Feedback) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.feedback = append(f.feedback, fb)
	return nil
}

func (f *fakeStore) ReloadRules(context.Context) (ReloadResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reloads++
	return f.reload, nil
}

// fakeScorer fires one rule on sentences mentioning missiles, and shows a
// suppressed hit for denials, like the real engine's Result.
type fakeScorer struct{}

func (fakeScorer) ScoreText(_ context.Context, text string) (rules.Result, error) {
	res := rules.Result{RulesVersion: "r-abc123", Categories: []string{}, Evidence: []rules.Evidence{}}
	for _, s := range strings.Split(text, ".") {
		s = strings.TrimSpace(s)
		if !strings.Contains(strings.ToLower(s), "missile") {
			continue
		}
		ev := rules.Evidence{Rule: "strike.missile", Category: "airstrike", Severity: rules.SevHigh, Sentence: s, Why: "missile strike verb, asserted", Modality: rules.Asserted}
		if strings.Contains(s, "denied") {
			ev.Modality, ev.Why = rules.Negated, "the strike is denied"
			res.Suppressed = append(res.Suppressed, ev)
			continue
		}
		res.Evidence = append(res.Evidence, ev)
		res.Alert, res.Severity, res.Score, res.Categories = true, rules.SevHigh, 0.8, []string{"airstrike"}
	}
	return res, nil
}

// fakePlaces completes from a small gazetteer.
type fakePlaces struct{}

func (fakePlaces) Complete(prefix string, n int) []string {
	var out []string
	for _, p := range []string{"Odesa, Ukraine", "Ukraine", "Uganda", "Niger", "Nigeria", "Niamey, Niger"} {
		if strings.HasPrefix(strings.ToLower(p), strings.ToLower(prefix)) && len(out) < n {
			out = append(out, p)
		}
	}
	return out
}

// builtinVocab is the real category vocabulary: the built-in rule set's.
type builtinVocab struct{ cats vocab.Categories }

func (v builtinVocab) Categories() vocab.Categories { return v.cats }

func newBuiltinVocab(t *testing.T) builtinVocab {
	t.Helper()
	set, err := rules.Default()
	if err != nil {
		t.Fatal(err)
	}
	return builtinVocab{set.Categories()}
}
