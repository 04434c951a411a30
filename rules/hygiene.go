package rules

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/tocsin-alerts/tocsin/rules/prior"
)

// termOrigin is one stem-matched word of a term and where it was written.
type termOrigin struct {
	word, term string
	file       string
	line       int
	field      string
}

// Collision thresholds. Every form of a written word's stem has two senses
// (its common use, its use in names); a sense is reported when it occurs in
// at least collisionMinItems Portal items, its section distribution
// diverges from the written word's common use by collisionMinJS bits, and
// the difference is beyond sampling noise (G-test above collisionMinG,
// p < 1e-6 for 11 degrees of freedom). Inflections of one word sit near JS
// 0.0-0.1 and G under 30 (attack/attacks, warn/warning); words of another
// use well above (forced/forces JS 0.36 G 104, major/majority 0.37/145),
// and so do names ("bank" and "West Bank", "unit" and "United States").
const (
	collisionMinItems = 20
	collisionMinRef   = 10 // the written word may be rarer: G weighs small counts
	collisionMinJS    = 0.2
	collisionMinG     = 50
	// nameDominance and nameDominantItems: a name sense with at least this
	// many items and this many times the written word's is reported
	// whatever its sections.
	nameDominance     = 5
	nameDominantItems = 100
	nameMinJS         = 0.12
)

// Hygiene checks the set's vocabulary for stem collisions: a one-word term
// is matched by its stem, and a stem can cover words of another use. Each
// warning names the file, line and field, the word written, the senses it
// also matches with where they occur in news, and the fix (write the form
// exactly, =word). The evidence is data, not a list: how often each form
// occurs in each section of the Portal corpus, as a common word and in
// names (prior.WordStats). ws nil means the built-in table.
//
// Trigger lists (a rule's any-lists) are meant to match a whole family
// ("ban" and "banned" alike): there only names are reported. Suppressors,
// cues, none-lists and the groups of an all- condition gate other terms; a
// collision there silently drops alerts or lets unrelated context through,
// so every sense is checked. Words inside a phrase are not checked: the
// phrase constrains them.
func (s *Set) Hygiene(ws *prior.WordStats) (Problems, error) {
	if ws == nil {
		var err error
		if ws, err = prior.BuiltinWordStats(); err != nil {
			return nil, err
		}
	}
	family := map[string][]string{} // stem → forms in the table
	ws.Words(func(w string) {
		st := stemWord(w)
		family[st] = append(family[st], w)
	})
	for _, forms := range family {
		sort.Strings(forms)
	}
	origins, err := s.termOrigins()
	if err != nil {
		return nil, err
	}
	var out Problems
	done := map[string]bool{}
	for _, o := range origins {
		if strings.ContainsAny(strings.TrimSpace(o.term), " -") {
			continue // a phrase
		}
		key := o.word + "\x00" + o.file + "\x00" + strconv.Itoa(o.line) + "\x00" + o.field
		if done[key] {
			continue
		}
		done[key] = true
		if msg := shortStem(o); msg != "" {
			out = append(out, Problem{File: o.file, Line: o.line, Field: o.field, Msg: msg})
			continue
		}
		if msg := collision(ws, family[stemWord(o.word)], o); msg != "" {
			out = append(out, Problem{File: o.file, Line: o.line, Field: o.field, Msg: msg})
		}
	}
	return out.sorted(), nil
}

// termOrigins compiles the set's files again, recording where each
// stem-matched word was written. Only the linter needs them, and a large
// set's origins would take more memory than the rest of it.
func (s *Set) termOrigins() ([]termOrigin, error) {
	files := map[string]*file{}
	for _, n := range s.order {
		f, ps := parseFile(n, s.sources[n])
		if len(ps) > 0 {
			return nil, ps
		}
		files[n] = f
	}
	o, ps := compile(files, s.order, s.sources, true)
	if len(ps) > 0 {
		return nil, ps
	}
	return o.origins, nil
}

// shortStemMax is the longest stem reported as too short: a stem of one or
// two letters ("ied" stems to "i") matches pronouns, initials and roman
// numerals ("World War I"), in any list, whatever the corpus says.
const shortStemMax = 2

// shortStem reports a stem-matched word that its stem cuts down to one or
// two letters. A short word written as itself ("un") is meant as it is.
func shortStem(o termOrigin) string {
	st := stemWord(o.word)
	if len(st) > shortStemMax || len(st) == len(o.word) {
		return ""
	}
	return fmt.Sprintf("stem collision: %q stems to %q, which also matches one- and two-letter words (pronouns, initials, roman numerals); write =%s to match that form only",
		o.word, st, o.word)
}

// triggerField reports a rule's trigger list, where a whole stem family is
// meant.
func triggerField(field string) bool {
	if strings.HasPrefix(field, "cues.") {
		return true // a cue list names a word family on purpose
	}
	return strings.HasPrefix(field, "match") && !strings.Contains(field, ".all") && !strings.Contains(field, ".none")
}

// collision describes the senses a written word's stem reaches that are
// used unlike it, or returns "".
func collision(ws *prior.WordStats, forms []string, o termOrigin) string {
	ref := prior.Sense{Word: o.word}
	if ws.Total(ref) < collisionMinRef {
		// Written in lower case but met in news as a name ("democrats",
		// the party): that use is what the writer meant, and the one the
		// other forms are compared with ("Democratic Forces").
		ref.Name = true
		if ws.Total(ref) < collisionMinRef {
			return "" // too rare to compare against
		}
	}
	var notes []string
	for _, f := range forms {
		for _, sense := range []prior.Sense{{Word: f}, {Word: f, Name: true}} {
			if sense == ref || ws.Total(sense) < collisionMinItems || triggerField(o.field) && !sense.Name {
				continue
			}
			// A name far commoner than the word meant is a hazard wherever
			// it is used: "unit" would fire on every "United States".
			// (Unless the name is used alike: "International Airport".)
			js := ws.Divergence(ref, sense)
			dominant := sense.Name && ws.Total(sense) >= nameDominantItems &&
				ws.Total(sense) >= nameDominance*ws.Total(ref) && js >= nameMinJS
			if !dominant && (js < collisionMinJS || ws.GStat(ref, sense) < collisionMinG) {
				continue
			}
			what := fmt.Sprintf("%q", f)
			if sense.Name {
				what = fmt.Sprintf("%q in names such as %q", f, ws.Names(f).Name)
			}
			notes = append(notes, fmt.Sprintf("%s (%d items, mostly %s)", what, ws.Total(sense), strings.Join(ws.TopSections(sense, 2), ", ")))
		}
	}
	if len(notes) == 0 {
		return ""
	}
	return fmt.Sprintf("stem collision: %q (stem %q; mostly %s) also matches %s; write =%s to match that form only",
		o.word, stemWord(o.word), strings.Join(ws.TopSections(ref, 2), ", "), strings.Join(notes, "; "), o.word)
}
