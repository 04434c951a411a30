// Package prior is tocsin's learned conflict-context prior: a small
// logistic-regression model that reads a report's words and answers "is this
// report about armed conflict or insecurity, and is it news of a fresh
// event?" with a probability.
//
// The rule engine (package rules) proposes: its rules find the sentences that
// describe an escalation and say which kind. This model disposes: it weighs
// the whole report, so that a factory explosion, a plane crash, a storm, a
// crime story, a match report or a statistics release stops alerting even
// when a sentence says "killed", "explosion", "jets" or "drones", while a
// real attack keeps alerting when the text also says "flood" or "truce".
// It is a prior, not a veto: rules.Set combines it with the strength of the
// rules' evidence (see package rules), so strong evidence needs less of it.
//
// # Features
//
// Every word is folded and stemmed exactly as the rule engine does; its
// stem, each pair of adjacent stems in a sentence, and the shape of numbers
// (a number, a count of ten or more, a year) are hashed into Dim buckets
// (FNV-1a then a murmur3 finaliser, so the same text always gives the same
// buckets on every machine). The score is the bias plus the sum of the
// buckets' weights divided by the square root of the number of features, so
// a two-line item and a long report are on one scale.
//
// # Training
//
// The weights are learned, not written: `go generate ./rules/prior` runs
// ./train over files in the repository (corpus/: the Wikipedia Current Events
// Portal items with their weak section labels, the hand-labelled Portal
// samples, the dev corpus and synthetic training reports), deterministically,
// so anyone gets the same bytes. Text derived from Wikipedia is CC BY-SA 4.0
// ("Wikipedia contributors, Portal:Current events"); see corpus/README.md.
//
// The package is pure: no I/O beyond its embedded weights, no SDK.
package prior
