// Package vocab is tocsin's one vocabulary: the severity levels and the
// category names that rules emit and that users type (channel routes,
// silences, /alerts, /subscribe, /mute, the HTTP API).
//
// Severities are fixed, ordered levels, defined here once. Categories are
// declared by the rule set (the `categories:` section of a rule file, see
// package rules), because an admin who writes a rule for a new kind of event
// must be able to name it; this package gives them a type, a parser that
// says what was wrong and what was meant, and the names the engine itself
// gives meaning to (de_escalation, threat, mass_casualty) as constants, so
// no other package spells them as string literals.
//
// The package is pure: no I/O, no SDK, no package-level mutable state.
package vocab
