package rules

// applyBoosts raises a kept hit's severity by the rule's boosts that apply
// and returns their explanations (for its Why), and the same again when
// they raised it (they count in the score).
func (s *Set) applyBoosts(sc *scratch, d *doc, cr *crule, c *candidate, ev *Evidence) (applied, raised []string) {
	for bi, b := range cr.Boosts {
		if why, ok := s.boost(sc, d, c, cr, cr.boostGroup[bi], b); ok {
			if b.Severity > ev.Severity {
				ev.Severity = b.Severity
			}
			if b.Raise > 0 {
				ev.Severity = min(SevCritical, ev.Severity+Severity(b.Raise))
			}
			applied = append(applied, why)
		}
	}
	if ev.Severity > cr.Severity {
		return applied, applied // only boosts that raised the hit count in the score
	}
	return applied, nil
}

// boost reports whether a boost applies to a kept candidate; group is its
// terms' boost group (-1: none).
func (s *Set) boost(sc *scratch, d *doc, c *candidate, cr *crule, group int32, b Boost) (string, bool) {
	inScope := func(tok int32) bool { return b.Scope == "report" || d.toks[tok].sent == c.sent }
	why := b.Why
	if b.If != "" {
		p := s.placeIn(sc, d, c.sent, b.If)
		if p == "" {
			return "", false
		}
		if why == "" {
			why = b.If
		}
		why += " (" + p + ")"
	}
	if b.Casualties > 0 {
		found := false
		lo, hi := 0, len(d.toks)
		if b.Scope != "report" {
			lo, hi = int(d.sents[c.sent].first), int(d.sents[c.sent].last)
		}
		for i := lo; i < hi; i++ {
			tk := &d.toks[i]
			if tk.num < int32(b.Casualties) || !inScope(int32(i)) || isYear(d, i) {
				continue
			}
			if len(b.Terms) == 0 {
				found = true
			} else {
				for _, h := range sc.boostHits {
					if h.group == group && d.toks[h.tok].sent == tk.sent && abs(int(h.tok)-i) <= 6 {
						found = true
						break
					}
				}
			}
			if found {
				if why == "" {
					why = "casualties"
				}
				why += " (" + d.text[tk.start:tk.end] + ")"
				break
			}
		}
		if !found {
			return "", false
		}
	} else if len(b.Terms) > 0 {
		found := false
		for _, h := range sc.boostHits {
			if h.group == group && inScope(h.tok) && (b.Near == 0 || nearTrigger(cr.class, *c, h.tok, b.Near)) {
				found = true
				if why == "" {
					why = "boost"
				}
				why += " (" + d.text[d.toks[h.tok].start:d.toks[h.tok].end] + ")"
				break
			}
		}
		if !found {
			return "", false
		}
	}
	return why, true
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
