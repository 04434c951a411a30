// Package api is tocsin's JSON API for what happens outside chat: incidents
// and their timelines, silences (list, add, expire), and an Atom feed of
// alerts. It is served by the app's HTTP server next to the push endpoint,
// behind bearer tokens (http.api_token for everything, http.api_read_token
// for reads only), and every error has the push endpoint's one shape,
// {"errors":[{"field","message"}]} (feed.WriteErrors).
//
// It reads and writes through the same store queries as the web console
// and the Discord commands (incident filters are alerts.Selector, silences
// are the store's silences table), so the three never disagree. Client is
// the Go client of this API, used by `tocsin silence` and `tocsin
// incidents`.
//
//	GET    /v1/incidents?place=&category=&severity=&state=&since=&limit=
//	GET    /v1/incidents/{id}
//	GET    /v1/silences?state=active|expired|all
//	POST   /v1/silences     {"matchers":[{"kind","value"}],"duration"|"expires_at","author","comment"}
//	DELETE /v1/silences/{id}
//	GET    /v1/alerts.atom?place=&category=&severity=
package api
