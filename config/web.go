package config

import "strings"

// Web configures the web console served on the http server (package web):
// incidents, their map and timelines, source health, the rule playground and
// silences.
type Web struct {
	// Enabled serves the console at / on http.addr; default true.
	Enabled bool `yaml:"enabled"`
	// ReadToken, when set, is asked for before any page is shown; empty
	// leaves the pages open to whoever reaches http.addr (loopback by
	// default).
	ReadToken     Secret `yaml:"read_token"`
	ReadTokenFile string `yaml:"read_token_file"`
	// AdminToken enables write actions (adding and expiring silences,
	// saving rule files); empty disables them.
	AdminToken     Secret `yaml:"admin_token"`
	AdminTokenFile string `yaml:"admin_token_file"`
	// PreviewReports is how many of the most recent stored reports a rule
	// edit is re-scored against in the playground.
	PreviewReports int `yaml:"preview_reports"`
}

// defaultWeb is the console's default configuration.
func defaultWeb() Web { return Web{Enabled: true, PreviewReports: 200} }

// maxPreviewReports bounds a preview (each report is scored twice).
const maxPreviewReports = 5000

// validate records every problem under path. It does no I/O: the *_file
// secrets were read once, at load (readSecretFiles).
func (w *Web) validate(path string, errs *Errors) {
	p := func(field string) string { return path + "." + field }
	checkToken(errs, p("read_token"), w.ReadToken)
	checkToken(errs, p("admin_token"), w.AdminToken)
	if w.AdminToken != "" && w.AdminToken == w.ReadToken {
		errs.Add(p("admin_token"), "must differ from read_token, or every reader could write")
	}
	if w.PreviewReports < 1 || w.PreviewReports > maxPreviewReports {
		errs.Add(p("preview_reports"), "must be between 1 and %d, got %d", maxPreviewReports, w.PreviewReports)
	}
}

// checkToken refuses a token an attacker could guess or that a shell would
// split. It never echoes the token.
func checkToken(errs *Errors, path string, s Secret) {
	if t := s.Reveal(); t != "" && (len(t) < 16 || strings.ContainsAny(t, " \t\r\n")) {
		errs.Add(path, "must be at least 16 characters without spaces (e.g. openssl rand -hex 16)")
	}
}
