// Package feed fetches and parses report sources: RSS 0.9x/2.0, Atom, RDF and
// JSON Feed over HTTP(S) or file:// (parsed by github.com/mmcdole/gofeed),
// optional full-text extraction of teaser items (go-readability), a folder of
// report files, and the HTTP push endpoint.
//
// # Politeness
//
// tocsin polls other people's servers on a schedule, often many feeds on the
// same host, so every HTTP request made through a Fetcher:
//
//   - sends a User-Agent naming tocsin and where to complain
//     ("tocsin/<version> (+https://github.com/tocsin-alerts/tocsin)");
//   - is conditional when the previous poll left an ETag or Last-Modified
//     (If-None-Match / If-Modified-Since), so an unchanged feed costs a 304;
//   - is bounded in time (one deadline covers connect, headers and body, so a
//     server dripping a byte at a time cannot hold a worker) and in size (a
//     body beyond MaxBodyBytes is refused, never truncated and never read
//     whole: a Content-Length above the cap is refused before reading and a
//     chunked body stops being read one byte past the cap);
//   - follows at most MaxRedirects redirects and treats a loop as an error;
//   - fetches article pages (full text) only from public addresses: their
//     links come from the feed's author, not from the operator;
//   - waits for a per-host slot: at most PerHostConcurrency requests run
//     against one host at a time across every fetch sharing the Fetcher,
//     feeds and article pages alike.
//
// The server's own wishes about when to come back are reported, not acted
// on: Result.MinInterval carries the larger of RSS <ttl> and
// Cache-Control: max-age, and an Error carries Retry-After from a 429 or 503
// (seconds or HTTP-date). Package poller owns next-check times and uses them
// as a floor; Backoff is the one implementation of error-streak backoff it
// uses, kept here next to the errors it backs off from.
//
// # Errors
//
// Every failed fetch returns a *Error whose Kind says what went wrong in
// words an operator can act on (dns, connect, timeout, tls, http_status,
// too_large, redirect, parse, file, invalid_url, blocked, canceled, network), whether
// trying again later may help (Retryable), the HTTP status and Retry-After
// when there was one, and wraps the cause for errors.Is/As. URLs in errors
// and logs are redacted: userinfo is dropped and every query value replaced,
// because feed URLs often carry API keys (?token=...).
//
// Every report this package returns has been through report.Sanitize, so
// strings are valid UTF-8 without NUL bytes whatever the source sent.
package feed
