package rules

import (
	"slices"
	"sort"
	"strings"

	"github.com/tocsin-alerts/tocsin/rules/geo"
	"github.com/tocsin-alerts/tocsin/vocab"
)

// Scoring constants. A report's score is the base of its most severe kept
// hit plus a bonus per extra independent category (capped) and per boost,
// so that several corroborating facts in one report rank above one.
var sevBase = [...]float64{0, 1, 2, 3, 4}

const (
	categoryBonus   = 0.5
	maxCategoryBons = 4
	boostBonus      = 0.25
)

// aggregate combines kept evidence into the report verdict.
func (s *Set) aggregate(sc *scratch, res *Result, d *doc) {
	slices.SortStableFunc(res.Evidence, func(a, b Evidence) int {
		if a.Severity != b.Severity {
			return int(b.Severity) - int(a.Severity)
		}
		return int(a.sent) - int(b.sent) // title first, then text order
	})
	escal := 0
	for _, ev := range res.Evidence {
		if ev.Category == string(vocab.DeEscalation) {
			continue
		}
		escal++
		if ev.Severity > res.Severity {
			res.Severity = ev.Severity
		}
		if ev.Contested || slices.Contains(sc.negated, ev.Category) {
			res.Contested = true
		}
	}
	res.Alert = escal > 0 && res.Severity >= SevLow
	cats, boosts, nBoosts := sc.cats[:0], 0, 0
	for _, ev := range res.Evidence {
		if res.Alert && ev.Category == string(vocab.DeEscalation) {
			continue
		}
		if !slices.Contains(cats, ev.Category) {
			cats = append(cats, ev.Category)
		}
		if raised := sc.keptInfo[ev.kept].boosts; len(raised) > 0 {
			boosts++ // one bonus per hit a boost raised, however many applied
			nBoosts += len(raised)
		}
	}
	sc.cats = cats
	if len(cats) > 0 {
		res.Categories = append(make([]string, 0, len(cats)), cats...)
	}
	if nBoosts > 0 {
		res.Boosts = make([]string, 0, nBoosts)
		for _, ev := range res.Evidence {
			if res.Alert && ev.Category == string(vocab.DeEscalation) {
				continue
			}
			for _, b := range sc.keptInfo[ev.kept].boosts {
				res.Boosts = append(res.Boosts, ev.Rule+": "+b)
			}
		}
	}
	if res.Alert {
		extra := min(len(res.Categories)-1, maxCategoryBons)
		res.Score = sevBase[res.Severity] + categoryBonus*float64(extra) + boostBonus*float64(boosts)
		if res.Contested {
			res.Score -= 0.5
		}
	} else {
		res.Severity = SevNone
	}
}

// locate sets the verdict's place. Only a verdict that alerts or carries
// de-escalation evidence (which resolves incidents by place) needs one, and
// scanning sentences for places is a sixth of the cost of scoring: a quiet
// report has no location.
func (s *Set) locate(sc *scratch, d *doc, res *Result) {
	if !res.Alert && !slices.ContainsFunc(res.Evidence, func(ev Evidence) bool { return ev.Category == string(vocab.DeEscalation) }) {
		return
	}
	if p := s.location(sc, d, res.Evidence); p != nil {
		res.Location = p.String()
		res.CountryCode = p.CountryCode
	}
}

// location picks the main place: places named in evidence sentences weigh
// most, then the title, then the lead sentence; background paragraphs do not
// count. The best-supported country wins, then its best-supported city or
// region.
func (s *Set) location(sc *scratch, d *doc, evidence []Evidence) *geo.Place {
	if s.gaz == nil {
		return nil
	}
	weights := map[*geo.Place]float64{}
	order := map[*geo.Place]int{}
	n := 0
	add := func(sent int32, w float64) {
		sn := d.sents[sent]
		text := d.text[sn.start:sn.end]
		for _, m := range sc.placesIn(s.gaz, d, sent) {
			if actorCompound(text, m.End) {
				continue // "Saudi-led coalition", "Misrata-based militias": the actor, not the place
			}
			role := s.placeRole(sc, d, sn, m)
			if role == 0 {
				continue
			}
			p := m.Place
			mw := w * role
			if m.Demonym {
				mw /= 2
			}
			if _, ok := order[p]; !ok {
				order[p] = n
				n++
			}
			weights[p] += mw
		}
	}
	seen := map[int32]bool{}
	for _, ev := range evidence { // sorted most severe first
		if seen[ev.sent] {
			continue
		}
		if len(seen) == maxLocationSentences {
			break // the most severe evidence names the main place; the rest is detail
		}
		seen[ev.sent] = true
		// The most severe evidence names the main place.
		w := 2 + float64(ev.Severity)
		if ev.Category == string(vocab.DeEscalation) || ev.Category == string(vocab.Threat) {
			w = 2
		}
		add(ev.sent, w)
	}
	for i, sn := range d.sents {
		if int(sn.start) < d.textOff {
			if !seen[int32(i)] {
				add(int32(i), 2) // the title
			}
			continue
		}
		if !seen[int32(i)] {
			add(int32(i), 1) // the lead sentence
		}
		break
	}
	if len(weights) == 0 {
		return nil
	}
	// Roll sub-places up into their countries.
	country := map[string]float64{}
	for p, w := range weights {
		country[p.CountryCode] += w
	}
	var bestCC string
	bestW := -1.0
	for cc, w := range country {
		if w > bestW || (w == bestW && cc < bestCC) {
			bestCC, bestW = cc, w
		}
	}
	var best *geo.Place
	for p, w := range weights {
		if p.CountryCode != bestCC || p.Kind == geo.Country {
			continue
		}
		if best == nil || w > weights[best] || (w == weights[best] && (kindRank(p) > kindRank(best) ||
			(kindRank(p) == kindRank(best) && order[p] < order[best]))) {
			best = p
		}
	}
	if best == nil && bestCC != "" {
		// Only the country was named where it mattered: take the city or
		// region of that country that the opening paragraphs name most.
		sub := map[*geo.Place]float64{}
		for i, sn := range d.sents {
			if int(sn.start) < d.textOff {
				continue
			}
			if int(sn.start)-d.textOff > leadBytes {
				break
			}
			text := d.text[sn.start:sn.end]
			for _, m := range sc.placesIn(s.gaz, d, int32(i)) {
				if m.Place.CountryCode == bestCC && m.Place.Kind != geo.Country && !m.Demonym && !actorCompound(text, m.End) {
					sub[m.Place]++
					if _, ok := order[m.Place]; !ok {
						order[m.Place] = n
						n++
					}
				}
			}
		}
		for p, w := range sub {
			if best == nil || w > sub[best] || (w == sub[best] && order[p] < order[best]) {
				best = p
			}
		}
	}
	if best != nil {
		return best
	}
	if bestCC != "" {
		if c := s.gaz.CountryByCode(bestCC); c != nil {
			return c
		}
	}
	for p := range weights {
		return p
	}
	return nil
}

// placeRole weighs a mention by its role in the event frame: a quarter for
// a place that stands for an actor ("Moscow said", "Russian troops",
// "Egyptian warplanes": it wins only when the report names no other place,
// as in a domestic conflict), 0 for a person's name ("Prime Minister
// Regina Lopez"), 1.5 for the target or scene after a locative ("near
// Derna", "in Kandahar"), 1 otherwise.
func (s *Set) placeRole(sc *scratch, d *doc, sn sentSpan, m geo.Mention) float64 {
	first, last := tokenSpan(d, sn, m)
	if first < 0 {
		return 1
	}
	if next := last + 1; next < sn.last {
		for _, h := range sc.cueRange(next, next+1) {
			switch h.kind {
			case cueActor, cueSpeech, cueThreat, cueDenial:
				return actorWeight // the place stands for a party: it acts, says or threatens
			}
		}
	}
	if prev := first - 1; prev >= sn.first {
		if s.cueEndsAt(sc, cueTitle, prev) ||
			prev-1 >= sn.first && d.toks[prev].upper && s.cueEndsAt(sc, cueTitle, prev-1) {
			return 0 // a person's name after a title
		}
		if s.cueEndsAt(sc, cueLocative, prev) {
			return 1.5
		}
	}
	return 1
}

// majorAdminCapital is the population from which a provincial capital
// counts as a major city for boosts.
const majorAdminCapital = 300_000

// actorWeight is the weight of a place that stands for an actor.
const actorWeight = 0.25

// tokenSpan returns the first and last tokens of a mention (-1 when its
// bytes do not line up with tokens).
func tokenSpan(d *doc, sn sentSpan, m geo.Mention) (int32, int32) {
	start, end := sn.start+int32(m.Start), sn.start+int32(m.End)
	lo, hi := int(sn.first), int(sn.last)
	i := lo + sort.Search(hi-lo, func(k int) bool { return d.toks[lo+k].start >= start })
	if i >= hi || d.toks[i].start != start {
		return -1, -1
	}
	j := i
	for j+1 < hi && d.toks[j+1].end <= end {
		j++
	}
	return int32(i), int32(j)
}

// actorCompound reports a place used as the first half of an actor
// compound: "Saudi-led", "Iran-backed", "Misrata-based".
func actorCompound(text string, end int) bool {
	if end >= len(text) || text[end] != '-' {
		return false
	}
	rest := strings.ToLower(text[end+1 : min(len(text), end+12)])
	for _, suf := range []string{"led", "backed", "based", "allied", "aligned", "run", "controlled", "funded", "supported", "born", "made"} {
		if strings.HasPrefix(rest, suf) {
			return true
		}
	}
	return false
}

// maxLocationSentences is how many evidence sentences (most severe first)
// the location weighs. Scanning a sentence for places is the dearest step
// of scoring, and a report's fifth piece of evidence rarely moves its place.
const maxLocationSentences = 4

// leadBytes is how far into the body the location fallback looks.
const leadBytes = 1500

func kindRank(p *geo.Place) int {
	if p.Kind == geo.City {
		return 2
	}
	return 1
}

// placeIn returns the first place in a sentence that meets a boost
// condition (capital, major_city), as a string, or "".
func (s *Set) placeIn(sc *scratch, d *doc, sent int32, cond string) string {
	if s.gaz == nil {
		return ""
	}
	sn := d.sents[sent]
	for _, m := range sc.placesIn(s.gaz, d, sent) {
		p := m.Place
		if p.Kind != geo.City || m.Demonym {
			continue
		}
		// The city must be the event's target or scene, not the party that
		// speaks or acts ("Kyiv says fighting goes on").
		if s.placeRole(sc, d, sn, m) < 1 {
			continue
		}
		switch cond {
		case "capital":
			if p.Capital {
				return p.String()
			}
		case "major_city":
			// A national capital, a city of a million, or a provincial
			// capital of some size (the labels count "a provincial capital
			// falls" as a capital falling; a small town that is one is not).
			if p.Major() || p.AdminCapital && p.Population >= majorAdminCapital {
				return p.String()
			}
		}
	}
	return ""
}
