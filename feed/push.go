package feed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"

	"github.com/tocsin-alerts/tocsin/report"
)

// Push endpoint defaults.
const (
	DefaultPushMaxBodyBytes = 1 << 20
	DefaultPushMaxReports   = 500
	DefaultPushSource       = "push"
)

// PushPath is where the push handler is meant to be mounted.
const PushPath = "/v1/reports"

// Sink receives accepted pushed reports. It must store them durably before
// returning nil: the client has been told "accepted" only then. An error
// makes the handler answer 503, and the client retries.
type Sink func(ctx context.Context, rs []report.Report) error

// PushOptions configures PushHandler.
type PushOptions struct {
	// Token is the bearer token clients must send. Empty refuses every
	// request (fail closed) rather than accepting anonymous pushes.
	Token Secret
	// MaxBodyBytes bounds a request body (413 beyond it).
	MaxBodyBytes int64
	// MaxReports bounds the reports in one request.
	MaxReports int
	// Source is the source ID of pushed reports that do not name one.
	Source string
	Sink   Sink
	Logger *slog.Logger
	// Now stamps report.Report.Fetched.
	Now func() time.Time
}

// PushHandler serves POST /v1/reports: one report object or an array, in the
// corpus shape (title, text, source, outlet, url, published, guid or id;
// label and cluster are accepted and ignored).
//
// The request's Content-Type is application/json or any +json type, or
// absent (read as JSON); a charset parameter other than UTF-8 (e.g.
// charset=ISO-8859-1) is converted. Anything else is 415.
//
// A success is 202 {"accepted":N}: the reports are stored. Every failure has
// one shape, ErrorBody, with Content-Type application/json:
//
//	{"errors":[{"field":"[1].text","message":"required"}, ...]}
//
// where field names the JSON path of the problem and is absent when the
// problem is the request as a whole:
//
//	400 the body is not valid reports: every problem, each with its field
//	401 missing or wrong bearer token (WWW-Authenticate says which)
//	405 not POST (Allow: POST)
//	413 body over MaxBodyBytes
//	415 not JSON, or an unknown charset
//	503 the sink failed; retry after Retry-After seconds
//
// The token is compared in constant time and never logged; the body is not
// read before the token is checked.
func PushHandler(o PushOptions) http.Handler {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultPushMaxBodyBytes
	}
	if o.MaxReports <= 0 {
		o.MaxReports = DefaultPushMaxReports
	}
	if o.Source == "" {
		o.Source = DefaultPushSource
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	h := &pushHandler{o: o, log: o.Logger.With("component", "push")}
	if o.Token != "" {
		sum := sha256.Sum256([]byte(o.Token.Reveal()))
		h.tokenSum = sum[:]
	} else {
		h.log.Warn("push endpoint has no token configured: every request will be refused")
	}
	return h
}

var _ http.Handler = (*pushHandler)(nil)

type pushHandler struct {
	o        PushOptions
	log      *slog.Logger
	tokenSum []byte // sha256 of the token; nil refuses everything
}

// FieldError is one problem, named by its JSON path ("[1].text"); Field is
// empty for a problem with the request as a whole.
type FieldError struct {
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// ErrorBody is the one shape of every error answer of tocsin's HTTP API.
type ErrorBody struct {
	Errors []FieldError `json:"errors"`
}

// WriteErrors answers status with an ErrorBody of the given problems.
func WriteErrors(w http.ResponseWriter, status int, problems ...FieldError) {
	writeJSON(w, status, ErrorBody{Errors: problems})
}

// writeError answers status with one problem about the whole request.
func writeError(w http.ResponseWriter, status int, format string, args ...any) {
	WriteErrors(w, status, FieldError{Message: fmt.Sprintf(format, args...)})
}

// pushItem is the accepted shape. Unknown fields are rejected so that a
// typo ("txt") is reported instead of silently losing the body.
type pushItem struct {
	ID        *string         `json:"id"`
	GUID      *string         `json:"guid"`
	Title     *string         `json:"title"`
	Text      *string         `json:"text"`
	Source    *string         `json:"source"`
	Outlet    *string         `json:"outlet"`
	URL       *string         `json:"url"`
	Published *string         `json:"published"`
	Label     json.RawMessage `json:"label"`
	Cluster   json.RawMessage `json:"cluster"`
}

func (h *pushHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "method not allowed; use POST")
		return
	}
	if !h.authorized(w, r) {
		return
	}
	dec, ok := jsonCharset(w, r.Header.Get("Content-Type"))
	if !ok {
		return
	}
	if r.ContentLength > h.o.MaxBodyBytes {
		h.tooLarge(w)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.o.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			h.tooLarge(w)
			return
		}
		h.log.Info("push: reading body failed", "remote", r.RemoteAddr, "error", err)
		writeError(w, http.StatusBadRequest, "could not read body")
		return
	}
	if dec != nil {
		if body, err = dec.NewDecoder().Bytes(body); err != nil {
			writeError(w, http.StatusBadRequest, "body is not in the declared charset")
			return
		}
	}
	rs, problems := h.decode(body)
	if len(problems) > 0 {
		h.log.Info("push: rejected", "remote", r.RemoteAddr, "problems", len(problems))
		WriteErrors(w, http.StatusBadRequest, problems...)
		return
	}
	if h.o.Sink == nil {
		h.log.Error("push: no sink configured", "reports", len(rs))
		writeError(w, http.StatusServiceUnavailable, "push is not available")
		return
	}
	if err := h.o.Sink(r.Context(), rs); err != nil {
		h.log.Error("push: sink failed", "remote", r.RemoteAddr, "reports", len(rs), "error", err)
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusServiceUnavailable, "could not store the reports; retry later")
		return
	}
	h.log.Info("push: accepted", "remote", r.RemoteAddr, "reports", len(rs))
	writeJSON(w, http.StatusAccepted, map[string]int{"accepted": len(rs)})
}

// authorized checks "Authorization: Bearer <token>" in constant time
// (comparing hashes, so not even the token's length leaks) and answers 401
// itself when it fails.
func (h *pushHandler) authorized(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tocsin"`)
		writeError(w, http.StatusUnauthorized, "bearer token required")
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	if h.tokenSum == nil || subtle.ConstantTimeCompare(sum[:], h.tokenSum) != 1 {
		h.log.Warn("push: wrong token", "remote", r.RemoteAddr)
		w.Header().Set("WWW-Authenticate", `Bearer realm="tocsin", error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "invalid token")
		return false
	}
	return true
}

func (h *pushHandler) tooLarge(w http.ResponseWriter) {
	writeError(w, http.StatusRequestEntityTooLarge, "body over %d bytes", h.o.MaxBodyBytes)
}

// decode validates body and returns the reports, or every problem found.
func (h *pushHandler) decode(body []byte) ([]report.Report, []FieldError) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, []FieldError{{Field: "", Message: "empty body; send a report object or an array of them"}}
	}
	var raws []json.RawMessage
	var prefix func(i int) string
	if trimmed[0] == '[' {
		if err := json.Unmarshal(trimmed, &raws); err != nil {
			return nil, []FieldError{jsonProblem("", err)}
		}
		prefix = func(i int) string { return fmt.Sprintf("[%d]", i) }
	} else {
		raws = []json.RawMessage{trimmed}
		prefix = func(int) string { return "" }
	}
	if len(raws) == 0 {
		return nil, []FieldError{{Field: "", Message: "empty array; send at least one report"}}
	}
	if len(raws) > h.o.MaxReports {
		return nil, []FieldError{{Field: "", Message: fmt.Sprintf("%d reports; at most %d per request", len(raws), h.o.MaxReports)}}
	}
	var problems []FieldError
	items := make([]pushItem, len(raws))
	for i, raw := range raws {
		p := prefix(i)
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&items[i]); err != nil {
			problems = append(problems, jsonProblem(p, err))
			continue
		}
		problems = append(problems, validateItem(p, items[i])...)
	}
	if len(problems) > 0 {
		return nil, problems
	}
	// The shape is valid: build the reports the one way every source does.
	ls, err := report.ParseJSON(trimmed)
	if err != nil {
		return nil, []FieldError{{Field: "", Message: err.Error()}}
	}
	now := h.o.Now()
	out := make([]report.Report, len(ls))
	for i, l := range ls {
		rep := l.Report
		if strings.TrimSpace(rep.Source) == "" {
			rep.Source = h.o.Source
		}
		rep.Fetched = now
		out[i] = rep.Sanitize()
	}
	return out, nil
}

func validateItem(p string, it pushItem) []FieldError {
	var out []FieldError
	field := func(name string) string {
		if p == "" {
			return name
		}
		return p + "." + name
	}
	// Blank after sanitizing (NULs dropped) is blank: "\u0000" is no text.
	if it.Text == nil || strings.TrimSpace(strings.ReplaceAll(*it.Text, "\x00", "")) == "" {
		out = append(out, FieldError{Field: field("text"), Message: "required"})
	}
	if it.Published != nil && *it.Published != "" {
		if _, err := time.Parse(time.RFC3339, *it.Published); err != nil {
			out = append(out, FieldError{Field: field("published"), Message: "must be an RFC 3339 time, e.g. 2024-12-05T16:10:00Z"})
		}
	}
	if it.URL != nil && *it.URL != "" {
		u, err := url.Parse(*it.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			out = append(out, FieldError{Field: field("url"), Message: "must be an absolute http(s) URL"})
		}
	}
	return out
}

// jsonProblem names the field of a JSON decoding error where it can.
func jsonProblem(p string, err error) FieldError {
	join := func(name string) string {
		if p == "" {
			return name
		}
		if name == "" {
			return p
		}
		return p + "." + name
	}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		if te.Field == "" {
			return FieldError{Field: p, Message: "must be a report object"}
		}
		return FieldError{Field: join(te.Field), Message: "must be a " + jsonKind(te.Type.Kind().String())}
	case errors.As(err, &se):
		return FieldError{Field: p, Message: fmt.Sprintf("invalid JSON at byte %d", se.Offset)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return FieldError{Field: join(name), Message: "unknown field"}
	}
	return FieldError{Field: p, Message: "invalid JSON"}
}

func jsonKind(k string) string {
	if k == "ptr" {
		return "string"
	}
	return k
}

// jsonCharset checks a push request's Content-Type (see PushHandler) and
// returns the decoder of a non-UTF-8 charset, or nil. It answers 415 itself
// when the type is refused.
func jsonCharset(w http.ResponseWriter, ct string) (encoding.Encoding, bool) {
	if ct == "" {
		return nil, true
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		writeError(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json (got %q)", clipRunes(ct, 100))
		return nil, false
	}
	label := params["charset"]
	if label == "" {
		return nil, true
	}
	enc, name := charset.Lookup(label)
	switch {
	case enc == nil:
		writeError(w, http.StatusUnsupportedMediaType, "unknown charset %q; send UTF-8", clipRunes(label, 40))
		return nil, false
	case name == "utf-8":
		return nil, true
	}
	return enc, true
}

func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
