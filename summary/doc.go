// Package summary writes the short text that goes with an alert and, when a
// model is configured, asks it for a second opinion on borderline reports.
//
// The default is extractive and offline: Extract picks one to three sentences
// from the reports' own text (the rule evidence first), so it can never state
// a fact the sources did not. A model reached through any OpenAI-compatible
// endpoint (OpenAI, Ollama, llama.cpp, vLLM) may write a better sentence, but
// its output is treated as untrusted: it is validated against the sources
// (every number and name must appear in a report), cleaned of mentions and
// links, and replaced by the extractive summary whenever anything goes wrong.
// The model can only delay an alert by a configured budget, and failure —
// timeouts, 429s, 5xx, malformed JSON, refusals — is normal and counted.
//
// The package takes plain inputs (report.Report, strings, a plain Verdict) so
// that it depends on nothing of tocsin but the report package: the rules and
// alerts packages stay free of SDKs, and the app maps between them.
package summary
