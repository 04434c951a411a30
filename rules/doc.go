// Package rules turns one report into a scored, explained escalation
// verdict. It owns the rule-file schema, its validation, compilation, scoring
// and the built-in rule set (rules/default, embedded).
//
// The package does no I/O beyond reading the rule files it is pointed at, and
// imports no SDK: it is part of tocsin's core.
//
// # Rule files
//
// A rule file is YAML with up to four top-level keys: rules (a list of rules),
// lists (named term lists, used in terms as "@name"), cues (modality cue
// lists) and suppress (suppressors that apply to every rule). Decoding is
// strict: an unknown key, a wrong type, an empty term list, a duplicate rule
// id (across files) or an unknown category, severity, scope or action is a
// Problem that names the file, line and field path ("rules[2].match.all[1]").
// A set with any problem is refused as a whole, so a half-valid edit never
// goes live.
//
// # Terms
//
// A term is a word or a phrase. Every word of a term and of the report is
// normalised the same way: lower-cased, diacritics removed, curly apostrophes
// straightened, a possessive "'s" dropped, "n't" read as "not", hyphenated
// words split ("cross-border" = "cross border"), irregular forms mapped to
// their base (withdrew → withdraw, fled → flee, closure → close), British
// -ise spellings mapped to -ize, then stemmed with the Snowball English
// stemmer. So "close" matches close, closed, closes, closing and closure. A
// phrase matches consecutive words of one sentence. "=word" matches that
// exact (folded) form only: "=storm" does not match "storming". "#N+" matches
// a number >= N, in digits ("1,200") or words ("dozens" reads as 24); years,
// dates ("Feb. 14"), ages ("14-year-old"), measures and money are not counts.
// HTML tags and entities in report text are skipped; offsets still refer to
// the original bytes.
//
// # Conditions, scope and proximity
//
// match is a condition tree. A list of terms is a leaf that holds when any of
// them occurs; all / any / none combine children (all: every child; any: at
// least one; none: no child). The tree is evaluated separately in each scope
// unit that has hits: each sentence by default, each paragraph with
// scope: paragraph, or the whole report with scope: report. The title is a
// sentence of its own. within: N further requires one hit of every top-level
// "all" child at most N words apart (from the first matched word to the last;
// within: 1 means adjacent words).
//
// # Evaluation order
//
// For each unit where a rule's condition holds:
//
//  1. Modality is read from cue words in the sentence (cues in the lexicon):
//     negated (a denial verb anywhere before the match, such as "refuted claims
//     that", or a negator up to 3 words before it: "did not withdraw"),
//     historical (a past-time cue, or a year earlier than the report's own,
//     governing the match: "In 2016, ..."), hedged (a hedge up to 8 words
//     before the match in the same clause: "could close", "threatened to
//     launch"), else asserted. Precedence: negated, historical, hedged. A cue
//     inside the matched words counts ("airport could close"); "but",
//     "however" and the like end a cue's reach.
//  2. The rule's modality map says what each modality does: drop (the hit
//     is suppressed), downgrade (the hit becomes category threat at severity
//     low), contest (the hit counts, marked contested) or keep. Defaults:
//     negated drop, historical drop, hedged downgrade.
//  3. Suppressors apply: the rule's own (unless) and every global one the
//     rule does not opt out of (except). A suppressor holds when at least min
//     distinct terms of it occur in its scope (sentence, paragraph, title or
//     report), or, with absent: true, when fewer than min occur (required
//     context, such as "violence somewhere in the report"). The strongest
//     action wins: drop > downgrade > contest > keep.
//  4. Boosts raise a kept hit's severity: if: capital | major_city (a place
//     of that kind named in the sentence), terms in the sentence or report,
//     or casualties: N (a count >= N within 6 words of one of the terms).
//
// A rule's evidence is its earliest asserted hit (else its strongest kept
// one); dropped hits are listed in Result.Suppressed with the reason, so an
// admin can see why a report did not fire.
//
// # Scoring
//
// A report alerts when it has at least one kept hit outside de_escalation;
// de-escalation evidence alone never alerts, and a fresh escalation in a
// de-escalation story still does. The report's severity is the highest
// severity of its kept hits. Its score is the severity level (low 1 ... critical
// 4), plus 0.5 per further distinct category (at most 4), plus 0.25 per boost
// that applied, minus 0.5 when contested (a denial of the same category was
// found elsewhere in the report). Categories are listed most severe first.
//
// # Location
//
// Places come from an embedded gazetteer (package geo). Places named in
// evidence sentences weigh 2 + the hit's severity, the title 2, the lead
// sentence 1; a place used as an actor ("Saudi-led", "Iran-backed") does
// not count. The best-supported country wins, then its best-supported city or
// region; when only the country was named there, the city of that country the
// opening paragraphs name most. The result reads "City, Country".
//
// # Speed
//
// Terms are deduplicated across rules and indexed by their first word's stem,
// so the report is tokenised once and each word costs one map lookup whatever
// the number of rules; only rules with hits are evaluated. Stems are cached
// per Set (bounded). Score is safe for concurrent use.
package rules
