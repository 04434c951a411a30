// Package rules turns one report into a scored, explained escalation
// verdict. It owns the rule-file schema, its validation, compilation, scoring
// and the built-in rule set (rules/default, embedded), and combines the rules'
// evidence with the learned conflict-context prior (package rules/prior).
//
// The package does no I/O beyond reading the rule files it is pointed at, and
// imports no SDK: it is part of tocsin's core.
//
// # Rule files
//
// A rule file is YAML with up to five top-level keys: rules (a list of
// rules), categories (the category vocabulary: name → description), lists
// (named term lists, used in terms as "@name"), cues (modality cue lists)
// and suppress (suppressors that apply to every rule). Decoding is strict: an
// unknown key, a wrong type, an empty term list, a duplicate rule id (across
// files) or an unknown category, severity, scope or action is a Problem that
// names the file, line and field path ("rules[2].match.all[1]"). A set with
// any problem is refused as a whole, so a half-valid edit never goes live.
//
// The categories a set declares are its whole vocabulary: every rule's
// category, and every category a user types in routes, silences or chat
// commands, is checked against it (package vocab). A set that declares none
// (a directory exported before categories were declarable) uses the built-in
// declaration. threat, de_escalation and mass_casualty must be declared: the
// engine gives them meaning.
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
// A stem can cover words of another use: "unit" also matches "United
// States", "forced" matches "forces", "executed" matches "chief executive".
// `tocsin rules lint` reports such stem collisions (Set.Hygiene) from corpus
// statistics rather than a list: for each one-word term it compares, in the
// Wikipedia Current Events Portal, the sections the written word occurs in
// with those of every other form of its stem, as a common word and inside
// names (a JS divergence and a G-test beyond sampling noise, or a name far
// commoner than the word meant), and says which form to write exactly.
//
// # Conditions, scope and proximity
//
// match is a condition tree. A list of terms is a leaf that holds when any of
// them occurs; all / any / none combine children (all: every child; any: at
// least one; none: no child). The tree is evaluated separately in each scope
// unit that has hits: each sentence by default, each paragraph with
// scope: paragraph, or the whole report with scope: report. The title is a
// sentence of its own. within: N further requires one hit of every "all"
// child at most N words apart (from the first matched word to the last;
// within: 1 means adjacent words). ordered: true on an all-node requires its
// groups in the order written (an agent or instrument before the act:
// "drones struck a depot"), or the first after the act behind a passive cue
// ("struck by drones"); "gunmen fired at a plane" is then no air strike.
//
// # Evaluation order
//
// For each unit where a rule's condition holds:
//
//  1. Modality is read from cue words (cue lists in the lexicon), in relation
//     to the match's hit words rather than the whole sentence:
//     - negated: a denial anywhere before the match ("refuted claims that"),
//     inside it, a few words after it ("... were denied"), or after it as
//     the predicate of a claim it is the content of ("reports that tanks
//     were massing are baseless"); a negator up to 3 words before a hit word
//     in the same clause ("did not withdraw", "refrain from attacking");
//     "without" negates only the noun phrase right after it ("soldiers
//     without insignia seized the airport" is a capture);
//     - historical: a past-time cue governing the match, a year earlier than
//     the report's own ("In 2016, ..."; a topic heading such as "2011
//     Libyan civil war:" is not a date), an event that is the object of
//     something else ("suspected of", "behind the", "days after"), or a
//     past perfect "had" right before a hit word (not "had to", and not in
//     reported speech, where "he said he had ordered a withdrawal" is
//     backshift);
//     - hedged: a hedge up to 8 words before the match in the same clause
//     ("could close"), or a condition opening the sentence ("If talks
//     fail, rebels will seize the airport"), or a threat cue ("threatened
//     to launch").
//     Precedence: negated, historical, hedged, else asserted. "but",
//     "however" and the like end a cue's reach.
//  2. The rule's modality map says what each modality does: drop (the hit
//     is suppressed), downgrade (the hit becomes category threat at severity
//     low), contest (the hit counts, marked contested) or keep. Defaults:
//     negated drop, historical drop, hedged downgrade. A downgrade happens
//     only for a threat of force by a party able to use it: a threat cue
//     with an actor named before it (an actor cue, or a country or capital
//     standing for its state: "Russia warned"). Speculation and conditions
//     are dropped instead: "analysts said the rebels could seize Bentiu" is
//     no threat.
//  3. Suppressors apply: the rule's own (unless) and every global one the
//     rule does not opt out of (except). A suppressor holds when at least min
//     distinct terms of it occur in its scope (sentence, paragraph, title or
//     report), or, with absent: true, when fewer than min occur (required
//     context, such as "violence somewhere in the report"). without: terms
//     keep a suppressor from applying when any occurs in the same scope: a
//     cause that looks across the report ("a mine blast, a stampede or a
//     crash is named, and no attacker or weapon"). The strongest action wins:
//     drop > downgrade > contest > keep.
//  4. Boosts raise a kept hit's severity: if: capital | major_city (a place
//     of that kind that is the event's target in the sentence, not a party
//     speaking or acting), terms in the sentence or report (near: N wants
//     them within N words of the match's trigger: "launched an offensive"),
//     or casualties: N (a count >= N within 6 words of one of the terms).
//
// A rule's evidence is its earliest asserted hit (else its strongest kept
// one); dropped hits are listed in Result.Suppressed with the reason, so an
// admin can see why a report did not fire. A rule with yields_to: [category]
// gives way when evidence of that more specific category is kept on the same
// sentence (an armed attack told as an air strike is an air strike); the
// hit is listed as suppressed with the reason.
//
// # Scoring
//
// The rules alert when they keep at least one hit outside de_escalation;
// de-escalation evidence alone never alerts, and a fresh escalation in a
// de-escalation story still does. The report's severity is the highest
// severity of its kept hits. Its score is the severity level (low 1 ...
// critical 4), plus 0.5 per further distinct category (at most 4), plus 0.25
// per boost that applied, minus 0.5 when contested (a denial of the same
// category was found elsewhere in the report). Categories are listed most
// severe first.
//
// # The learned prior
//
// When the rules alert, the learned conflict-context prior (rules/prior)
// weighs the report's context: from the words of its title, its lead and the
// sentences holding evidence, the probability p that the report is news of
// a fresh armed-conflict or insecurity event. It is a prior, not a veto: the
// alert stands when
//
//	sigmoid(slope·logit(p) + intercept + credit[severity] + Σ credit[rule]) >= threshold
//
// where the credits say how reliable each severity and each built-in rule's
// evidence has been on held-out labelled news (a rule the model does not know,
// such as an admin's own, has no rule credit and is judged by its severity).
// So strong evidence needs less of the prior: a critical capture alerts at a
// lower p than a lone "gunman opens fire". An alert held back keeps its
// evidence in the verdict; Result.Prior says so, with p, the combined
// probability, the threshold and the words that moved the model most. The
// threshold defaults to DefaultPriorThreshold and is configurable
// (rules.prior in the service config, --prior-threshold and --no-prior on
// the command line); WithPrior(nil, 0) scores with the rules alone.
//
// # Location
//
// Only a verdict that alerts or carries de-escalation evidence is located.
// Places come from an embedded gazetteer (package geo) and are weighed by
// their role in the event: places named in evidence sentences (the four most
// severe) weigh 2 + the hit's severity, the title 2, the lead sentence 1; a
// place after a locative ("near Derna", "in Kandahar") weighs half as much
// again, a place that stands for an actor ("Moscow said", "Russian troops",
// "Egyptian warplanes", "Saudi-led") a quarter, so that it wins only when the
// report names no other place (a domestic conflict), and a name after a
// title ("Prime Minister Regina Lopez") nothing. The best-supported country
// wins, then its best-supported city or region; when only the country was
// named where it mattered, the city of that country the opening paragraphs
// name most, else the country itself (never its capital by default). The
// result reads "City, Country".
//
// # Speed
//
// A report is scored once against all rules, whatever their number. Terms
// are deduplicated across rules and indexed by one word each (the first,
// or the longest when the first is a short function word: "in the war" is
// tried at "war", not at every "in"), so the report is tokenised once and
// each word costs one cache lookup. Every term list (a condition's leaf, a
// suppressor's terms) is a group, lists with the same terms one group, and
// a hit is filed once per group, not once per rule. Conditions written
// alike (a rule copied per region with the region as required context)
// are one class: its candidates, and the modality of each, are computed
// once for all its rules. Each class is indexed by its rarest required
// group (the one the fewest term-class pairs share), so a report wakes
// only the classes whose rarest part it names: copies of a rule for twenty
// regions wait on their region, not on the trigger they all share.
// Suppressor verdicts depend on the place only (the sentence, paragraph,
// title or report) and are judged once per place and call; every memo is
// stamped with the call's generation, so none outlives its report.
// Explanations are rendered only for what a verdict shows, places are
// looked up in the scorer's own words (the gazetteer reads them instead of
// tokenising again) and only for verdicts that need them. Score is safe
// for concurrent use, and a verdict depends only on the report and the
// rule set: no state survives from one call to the next. Speed work must
// keep every verdict of testdata/verdicts.golden byte-identical.
package rules
