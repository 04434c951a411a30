// Package web is tocsin's web console, served by the app's HTTP server from
// templates and assets embedded in the binary: the incident list and map,
// each incident's timeline, source health, a rule playground (score a
// report, see its evidence highlighted; edit a rule file, see its lint
// problems at their lines and what the edit would change), and silences.
//
// Pages are rendered on the server with html/template, which escapes every
// piece of report text for its context; a Content-Security-Policy that
// allows only the console's own script and style files is a second wall, so
// a hostile report cannot run script in the page. The little JavaScript
// there is (live refresh, jumping to a lint line) is optional: every page
// works without it.
//
// The console reads through small interfaces declared here, which the app
// satisfies with the same adapters the Discord commands use, so the console,
// Discord and the JSON status never disagree.
//
// Access: pages are open unless a read token is configured; write actions
// (silences, saving a rule file) need the admin token and are off without
// one. A browser signs in once and gets a signed, HttpOnly, SameSite=Strict
// cookie; scripts may send "Authorization: Bearer <token>". Unsafe
// cross-origin requests are refused (net/http's CrossOriginProtection).
package web
