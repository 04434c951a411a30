package alerts

import (
	"hash/fnv"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/tocsin-alerts/tocsin/report"
	"github.com/tocsin-alerts/tocsin/rules"
)

// Match picks the open incident a scored report belongs to, or nil.
//
// An alerting report joins the most recently active incident, within
// p.GroupWindow, about the same place with an overlapping category, or
// failing that one whose first text is a near-duplicate of the report's
// (Jaccard of word 3-grams >= p.DupThreshold) and whose place agrees with
// the report's. Similar text never merges different places: outlets write
// reports about strikes on Kherson and on Sumy from the same template, and
// those are two events. A report that does not alert is matched only when
// it de-escalates an open incident's place.
func Match(open []Incident, res rules.Result, r report.Report, now time.Time, p Policy) *Incident {
	var best *Incident
	better := func(i *Incident) bool { return best == nil || i.LastSeen.After(best.LastSeen) }
	if !res.Alert || len(res.Evidence) == 0 {
		for i := range open {
			if open[i].Open() && IsDeescalation(open[i], res) && better(&open[i]) {
				best = &open[i]
			}
		}
		return best
	}
	for i := range open {
		inc := &open[i]
		if !inc.Open() || now.Sub(inc.LastSeen) > p.GroupWindow {
			continue
		}
		if SamePlace(inc.Location, res.Location) && overlaps(inc.Categories, res.Categories) && better(inc) {
			best = inc
		}
	}
	if best != nil {
		return best
	}
	sk := Sketch(r.FullText())
	bestSim := 0.0
	for i := range open {
		inc := &open[i]
		if !inc.Open() || now.Sub(inc.LastSeen) > p.GroupWindow || !placesAgree(inc.Location, res.Location) {
			continue
		}
		if s := Similarity(sk, inc.Shingles); s >= p.DupThreshold && s > bestSim {
			best, bestSim = inc, s
		}
	}
	return best
}

// SamePlace reports whether two locations ("City, Country" or "Country")
// name the same place. A bare country matches any place in that country,
// because early reports often name only the country.
func SamePlace(a, b string) bool {
	pa, pb := placeParts(a), placeParts(b)
	if len(pa) == 0 || len(pb) == 0 {
		return false
	}
	if slices.Equal(pa, pb) {
		return true
	}
	if len(pa) > len(pb) {
		pa, pb = pb, pa
	}
	return len(pa) == 1 && pb[len(pb)-1] == pa[0]
}

// placesAgree reports whether two locations may be one event's: the same
// place, or one of them unknown (wire copy that names no place).
func placesAgree(a, b string) bool {
	return len(placeParts(a)) == 0 || len(placeParts(b)) == 0 || SamePlace(a, b)
}

// IsPlace reports whether two locations name exactly the same place, level
// for level: "Kharkiv, Ukraine" is not "Ukraine".
func IsPlace(a, b string) bool {
	pa := placeParts(a)
	return len(pa) > 0 && slices.Equal(pa, placeParts(b))
}

func placeParts(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func overlaps(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// sketchSize is k of the bottom-k sketch: enough for a stable estimate of
// high similarities, small enough to store with every incident.
const sketchSize = 128

// Sketch returns the k smallest 64-bit hashes of the text's lower-cased word
// 3-grams, sorted. Two sketches estimate the Jaccard similarity of the full
// shingle sets (see Similarity).
func Sketch(text string) []uint64 {
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
	set := map[uint64]struct{}{}
	for i := 0; i+3 <= len(words); i++ {
		h := fnv.New64a()
		h.Write([]byte(words[i]))
		h.Write([]byte{' '})
		h.Write([]byte(words[i+1]))
		h.Write([]byte{' '})
		h.Write([]byte(words[i+2]))
		set[h.Sum64()] = struct{}{}
	}
	out := make([]uint64, 0, len(set))
	for h := range set {
		out = append(out, h)
	}
	slices.Sort(out)
	if len(out) > sketchSize {
		out = out[:sketchSize]
	}
	return out
}

// Similarity estimates the Jaccard similarity of the shingle sets behind two
// bottom-k sketches: among the k smallest hashes of their union, the share
// present in both.
func Similarity(a, b []uint64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	k := min(sketchSize, max(len(a), len(b)))
	i, j, n, both := 0, 0, 0, 0
	for n < k && (i < len(a) || j < len(b)) {
		switch {
		case j >= len(b) || (i < len(a) && a[i] < b[j]):
			i++
		case i >= len(a) || b[j] < a[i]:
			j++
		default:
			i++
			j++
			both++
		}
		n++
	}
	return float64(both) / float64(n)
}
