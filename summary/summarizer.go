package summary

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"golang.org/x/time/rate"
)

// Defaults for Options fields left zero.
const (
	DefaultTimeout           = 10 * time.Second
	DefaultBudget            = 15 * time.Second
	DefaultMaxTokens         = 300
	DefaultTemperature       = 0.2
	DefaultConcurrency       = 2
	DefaultRequestsPerMinute = 60
	DefaultCacheSize         = 512
)

// Options configure a Summarizer. The zero value is valid: extractive only.
type Options struct {
	// BaseURL is the OpenAI-compatible API root including its version path,
	// e.g. "https://api.openai.com/v1" or "http://127.0.0.1:11434/v1"
	// (Ollama). Empty: no model, extractive summaries only.
	BaseURL string
	// Model is the model name; required with BaseURL.
	Model string
	// APIKey is sent as a bearer token; may be empty for local servers.
	APIKey Secret
	// Timeout bounds one HTTP request (go-openai's default client has none).
	Timeout time.Duration
	// MaxTokens bounds the model's answer.
	MaxTokens int
	// Temperature of sampling. go-openai omits 0 from the request (the
	// server default then applies), so use a small positive value for
	// near-deterministic output.
	Temperature float32
	// Concurrency caps simultaneous model requests.
	Concurrency int
	// RequestsPerMinute caps the request rate; negative means unlimited.
	RequestsPerMinute int
	// Budget is the most a model may delay an alert: after it, the
	// extractive summary is used. Retries and Retry-After waits happen only
	// within it.
	Budget time.Duration
	// CacheSize bounds the cache of accepted model summaries; negative
	// disables it.
	CacheSize int
	// MaxChars bounds every summary (runes); default DefaultMaxChars.
	MaxChars int
	// SecondOpinion configures the second opinion on borderline reports.
	SecondOpinion OpinionOptions
	// Clock drives the budget, waits and the rate limiter; default the
	// system clock.
	Clock Clock
}

// OpinionOptions configure the second opinion.
type OpinionOptions struct {
	// Enabled turns it on (it also needs a model).
	Enabled bool
	// Policy is the band of rule scores that counts as borderline and the
	// confidence a veto needs; see Combine.
	Policy Policy
	// Categories is the category vocabulary the model may use: the rule
	// set's (rules.Set.Categories().Names()). Required when Enabled.
	Categories []string
}

// Summary is a summary and how it was made.
type Summary struct {
	// Text is 1–3 plain sentences, no mentions or Markdown links.
	Text string `json:"text"`
	// Method is "extractive", "llm" or "cache".
	Method string `json:"method"`
	// Fallback says why the model's text was not used ("" when it was):
	// "disabled", "timeout", "budget", "rate_limited", "server_error",
	// "malformed_json", "refusal", "unverified: 42", ...
	Fallback string `json:"fallback,omitempty"`
}

// Summary methods.
const (
	MethodExtractive = "extractive"
	MethodLLM        = "llm"
	MethodCache      = "cache"
)

// Summarizer combines the extractive summarizer with an optional model. It
// never fails: whatever goes wrong with the model, Summarize returns the
// extractive summary within the budget. It is safe for concurrent use.
type Summarizer struct {
	opts   Options
	logger *slog.Logger
	model  *model // nil: extractive only
	cache  cache
	stats  counters
}

// New validates opts and builds a Summarizer. It does not contact the model:
// a server that is down at start is a fallback per call, not a startup error.
func New(opts Options, logger *slog.Logger) (*Summarizer, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := applyDefaults(&opts); err != nil {
		return nil, err
	}
	s := &Summarizer{opts: opts, logger: logger.With("component", "summary"), cache: newLRU(opts.CacheSize)}
	if opts.BaseURL == "" {
		return s, nil
	}
	cfg := openai.DefaultConfig(opts.APIKey.Reveal())
	cfg.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	cfg.HTTPClient = doer{client: &http.Client{Timeout: opts.Timeout}, clock: opts.Clock}
	m := &model{
		client:      openai.NewClientWithConfig(cfg),
		name:        opts.Model,
		maxTokens:   opts.MaxTokens,
		temperature: opts.Temperature,
		clock:       opts.Clock,
		sem:         make(chan struct{}, opts.Concurrency),
		onRequest:   func() { s.stats.add(func(st *Stats) { st.Requests++ }) },
	}
	if opts.RequestsPerMinute > 0 {
		m.limiter = rate.NewLimiter(rate.Every(time.Minute/time.Duration(opts.RequestsPerMinute)), 1)
	}
	s.model = m
	return s, nil
}

func applyDefaults(o *Options) error {
	var problems []string
	if o.BaseURL != "" {
		u, err := url.Parse(o.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, "base_url must be an absolute http(s) URL")
		}
		if strings.TrimSpace(o.Model) == "" {
			problems = append(problems, "model is required with base_url")
		}
	}
	for _, c := range []struct {
		name string
		v    int64
	}{{"timeout", int64(o.Timeout)}, {"budget", int64(o.Budget)}, {"max_tokens", int64(o.MaxTokens)},
		{"concurrency", int64(o.Concurrency)}, {"max_chars", int64(o.MaxChars)}} {
		if c.v < 0 {
			problems = append(problems, c.name+" must not be negative")
		}
	}
	if o.Temperature < 0 || o.Temperature > 2 {
		problems = append(problems, "temperature must be between 0 and 2")
	}
	if err := o.SecondOpinion.Policy.validate(); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return fmt.Errorf("summary options: %s", strings.Join(problems, "; "))
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.Timeout, DefaultTimeout)
	def(&o.Budget, DefaultBudget)
	if o.MaxTokens == 0 {
		o.MaxTokens = DefaultMaxTokens
	}
	if o.Temperature == 0 {
		o.Temperature = DefaultTemperature
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.RequestsPerMinute == 0 {
		o.RequestsPerMinute = DefaultRequestsPerMinute
	}
	if o.CacheSize == 0 {
		o.CacheSize = DefaultCacheSize
	}
	if o.MaxChars == 0 {
		o.MaxChars = DefaultMaxChars
	}
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.SecondOpinion.Enabled && len(o.SecondOpinion.Categories) == 0 {
		return fmt.Errorf("second opinion needs the rule set's categories")
	}
	o.SecondOpinion.Policy = o.SecondOpinion.Policy.withDefaults()
	return nil
}

// Policy returns the second-opinion policy in force (defaults applied), to
// pass to Combine.
func (s *Summarizer) Policy() Policy { return s.opts.SecondOpinion.Policy }

// Enabled reports whether a model is configured.
func (s *Summarizer) Enabled() bool { return s.model != nil }

// Stats returns a snapshot of the counters.
func (s *Summarizer) Stats() Stats {
	st := s.stats.snapshot()
	st.CacheEntries = s.cache.len()
	return st
}

// Extract returns the extractive summary of an incident: no model, no I/O,
// what an alert is sent with before any model answers.
func (s *Summarizer) Extract(in Input) string { return Extract(in, s.opts.MaxChars) }

// Summarize returns the summary of an incident. With a model configured it
// asks the model (or the cache) and validates the answer; on any failure,
// or when the budget runs out, it returns the extractive summary with the
// reason in Fallback. It never blocks longer than the budget.
func (s *Summarizer) Summarize(ctx context.Context, in Input) Summary {
	s.stats.add(func(st *Stats) { st.Summaries++ })
	extractive := Extract(in, s.opts.MaxChars)
	if s.model == nil {
		return s.fallback(extractive, "disabled")
	}
	if len(in.Reports) == 0 {
		return s.fallback(extractive, "no_reports")
	}
	system := fmt.Sprintf(summarySystemPrompt, s.opts.MaxChars)
	user := summaryPrompt(in)
	key := cacheKey(s.opts.Model, system, user)
	if text, ok := s.cache.get(key); ok {
		s.stats.add(func(st *Stats) { st.CacheHits++ })
		return Summary{Text: text, Method: MethodCache}
	}

	bctx, deadline, stop := withBudget(ctx, s.opts.Clock, s.opts.Budget)
	defer stop()
	raw, err := s.model.complete(bctx, deadline, system, user)
	if err != nil {
		reason := FailureReason(err)
		if reason == "" {
			reason = "error"
		}
		s.logger.WarnContext(ctx, "model summary failed, using extractive", "reason", reason, "err", s.redact(err))
		return s.fallback(extractive, reason)
	}
	var out struct {
		Summary *string `json:"summary"`
	}
	if err := json.Unmarshal([]byte(stripFences(raw)), &out); err != nil || out.Summary == nil {
		s.logger.WarnContext(ctx, "model summary was not the JSON asked for", "reason", "malformed_json", "raw", truncateRunes(raw, 200))
		if refusalRe.MatchString(raw) {
			return s.fallback(extractive, "refusal")
		}
		return s.fallback(extractive, "malformed_json")
	}
	g := newGrounding(in.Reports, evidenceTexts(in), system)
	text, why := validateSummary(*out.Summary, g, s.opts.MaxChars)
	if why != "" {
		s.logger.WarnContext(ctx, "model summary rejected, using extractive", "reason", why)
		return s.fallback(extractive, why)
	}
	s.cache.put(key, text)
	s.stats.add(func(st *Stats) { st.LLM++ })
	return Summary{Text: text, Method: MethodLLM}
}

func (s *Summarizer) fallback(text, reason string) Summary {
	s.stats.add(func(st *Stats) { st.Fallbacks[reasonClass(reason)]++ })
	return Summary{Text: text, Method: MethodExtractive, Fallback: reason}
}

// evidenceTexts are the non-report inputs a summary may also rest on: the
// location and evidence sentences (which come from the reports anyway).
func evidenceTexts(in Input) []string {
	out := append([]string{Clean(in.Location)}, in.Evidence...)
	return out
}

// cacheKey hashes everything that determines the model's answer.
func cacheKey(model, system, user string) string {
	h := sha256.New()
	for _, p := range []string{model, system, user} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// stripFences removes a Markdown code fence some local models wrap JSON in.
func stripFences(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "```") {
		return s
	}
	s = strings.TrimPrefix(s, "```")
	s = strings.TrimPrefix(s, "json")
	s = strings.TrimSuffix(strings.TrimSpace(s), "```")
	return strings.TrimSpace(s)
}

// Check asks the model server for its model list: for /status and a startup
// log line. A failure is informative only; summaries fall back per call.
func (s *Summarizer) Check(ctx context.Context) error {
	if s.model == nil {
		return errors.New("summary: no model configured")
	}
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	if _, err := s.model.client.ListModels(ctx); err != nil {
		return fmt.Errorf("summary: list models at %s: %w", s.opts.BaseURL, err)
	}
	return nil
}
