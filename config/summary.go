package config

import (
	"net/url"
	"strings"
	"time"
)

// Summary configures alert summaries and the optional model second opinion
// (the `summary:` section). With no base_url tocsin uses its offline,
// extractive summarizer only: no key, no network.
//
// Example:
//
//	summary:
//	  base_url: http://127.0.0.1:11434/v1   # Ollama; or https://api.openai.com/v1
//	  model: llama3.1:8b
//	  api_key_file: /run/secrets/llm_key
//	  budget: 15s
//	  second_opinion: {enabled: true, min_score: 1.0, max_score: 2.5}
//
// validate fills the documented defaults into zero fields, so the app and
// /status see the values actually in force. The app maps these fields onto
// summary.Options (config may not import summary).
type Summary struct {
	// BaseURL is the OpenAI-compatible API root including its version path
	// ("https://api.openai.com/v1", "http://127.0.0.1:11434/v1" for Ollama,
	// "http://127.0.0.1:8080/v1" for llama.cpp or vLLM). Empty: extractive
	// summaries only.
	BaseURL string `yaml:"base_url"`
	// Model is the model name; required with base_url.
	Model string `yaml:"model"`
	// APIKey is the bearer token; prefer api_key_file or ${ENV}. May be
	// empty for local servers. It prints as <secret>.
	APIKey Secret `yaml:"api_key"`
	// APIKeyFile is read (and trimmed) into APIKey by Load.
	APIKeyFile string `yaml:"api_key_file"`
	// Timeout bounds one HTTP request to the model. Default 10s.
	Timeout Duration `yaml:"timeout"`
	// MaxTokens bounds the model's answer. Default 300.
	MaxTokens int `yaml:"max_tokens"`
	// Temperature of sampling, 0..2. Default 0.2 (0 also means the
	// default: go-openai cannot send an explicit 0).
	Temperature float32 `yaml:"temperature"`
	// Concurrency caps simultaneous model requests. Default 2.
	Concurrency int `yaml:"concurrency"`
	// RequestsPerMinute caps the request rate. Default 60.
	RequestsPerMinute int `yaml:"requests_per_minute"`
	// Budget is the most the model may delay an alert; after it the
	// extractive summary is posted. Default 15s.
	Budget Duration `yaml:"budget"`
	// CacheSize bounds the cache of model summaries; -1 disables it.
	// Default 512.
	CacheSize int `yaml:"cache_size"`
	// SecondOpinion configures the model's second opinion on borderline
	// rule scores.
	SecondOpinion SummarySecondOpinion `yaml:"second_opinion"`
}

// SummarySecondOpinion is `summary.second_opinion`. The model is asked only
// about reports whose rule score lies in [min_score, max_score]; it may veto
// such an alert when it says "no escalation" with at least veto_confidence,
// and can never turn a non-alert into an alert.
type SummarySecondOpinion struct {
	// Enabled turns second opinions on (needs base_url). Default false.
	Enabled bool `yaml:"enabled"`
	// MinScore and MaxScore bound the borderline band of rule scores.
	// Rule scores run from 1 (one low hit) to about 7 (critical, several
	// categories, boosts); the default band 1.0–2.5 covers a lone low or
	// medium hit with at most one more category. Used when enabled and both
	// are zero.
	MinScore float64 `yaml:"min_score"`
	MaxScore float64 `yaml:"max_score"`
	// VetoConfidence is the model confidence a veto needs, in (0, 1].
	// Default 0.8.
	VetoConfidence float64 `yaml:"veto_confidence"`
}

// Defaults of the summary section.
const (
	defaultSummaryTimeout        = 10 * time.Second
	defaultSummaryBudget         = 15 * time.Second
	defaultSummaryMaxTokens      = 300
	defaultSummaryTemperature    = 0.2
	defaultSummaryConcurrency    = 2
	defaultSummaryRPM            = 60
	defaultSummaryCacheSize      = 512
	defaultSecondOpinionMinScore = 1.0
	defaultSecondOpinionMaxScore = 2.5
	defaultVetoConfidence        = 0.8
)

// validate fills defaults and records every problem under path
// ("summary"). api_key_file was read into APIKey by Load.
func (s *Summary) validate(path string, errs *Errors) {
	p := func(field string) string { return path + "." + field }
	s.applyDefaults()

	if s.BaseURL != "" {
		u, err := url.Parse(s.BaseURL)
		switch {
		case err != nil:
			errs.Add(p("base_url"), "not a valid URL") // the parse error would repeat any credentials in it
		case (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			errs.Add(p("base_url"), "must be an absolute http(s) URL such as https://api.openai.com/v1")
		case u.User != nil:
			errs.Add(p("base_url"), "must not contain credentials; use api_key or api_key_file")
		}
		if strings.TrimSpace(s.Model) == "" {
			errs.Add(p("model"), "is required when base_url is set")
		}
	} else if s.Model != "" || s.APIKey != "" || s.APIKeyFile != "" {
		errs.Add(p("base_url"), "is required when model or an API key is set")
	}
	if s.Timeout <= 0 {
		errs.Add(p("timeout"), "must be positive, e.g. 10s")
	}
	if s.Budget <= 0 {
		errs.Add(p("budget"), "must be positive, e.g. 15s")
	}
	if s.MaxTokens < 1 || s.MaxTokens > 100000 {
		errs.Add(p("max_tokens"), "must be between 1 and 100000, got %d", s.MaxTokens)
	}
	if s.Temperature < 0 || s.Temperature > 2 {
		errs.Add(p("temperature"), "must be between 0 and 2, got %g", s.Temperature)
	}
	if s.Concurrency < 1 || s.Concurrency > 64 {
		errs.Add(p("concurrency"), "must be between 1 and 64, got %d", s.Concurrency)
	}
	if s.RequestsPerMinute < 1 {
		errs.Add(p("requests_per_minute"), "must be at least 1, got %d", s.RequestsPerMinute)
	}
	if s.CacheSize < -1 {
		errs.Add(p("cache_size"), "must be -1 (off) or more, got %d", s.CacheSize)
	}
	so := s.SecondOpinion
	sp := func(field string) string { return path + ".second_opinion." + field }
	if so.Enabled && s.BaseURL == "" {
		errs.Add(sp("enabled"), "needs summary.base_url and summary.model")
	}
	if so.MinScore < 0 {
		errs.Add(sp("min_score"), "must not be negative, got %g", so.MinScore)
	}
	if so.MaxScore < so.MinScore {
		errs.Add(sp("max_score"), "must be at least min_score (%g), got %g", so.MinScore, so.MaxScore)
	}
	if so.VetoConfidence <= 0 || so.VetoConfidence > 1 {
		errs.Add(sp("veto_confidence"), "must be in (0, 1], got %g", so.VetoConfidence)
	}
}

func (s *Summary) applyDefaults() {
	if s.Timeout == 0 {
		s.Timeout = Duration(defaultSummaryTimeout)
	}
	if s.Budget == 0 {
		s.Budget = Duration(defaultSummaryBudget)
	}
	if s.MaxTokens == 0 {
		s.MaxTokens = defaultSummaryMaxTokens
	}
	if s.Temperature == 0 {
		s.Temperature = defaultSummaryTemperature
	}
	if s.Concurrency == 0 {
		s.Concurrency = defaultSummaryConcurrency
	}
	if s.RequestsPerMinute == 0 {
		s.RequestsPerMinute = defaultSummaryRPM
	}
	if s.CacheSize == 0 {
		s.CacheSize = defaultSummaryCacheSize
	}
	so := &s.SecondOpinion
	if so.Enabled && so.MinScore == 0 && so.MaxScore == 0 {
		so.MinScore, so.MaxScore = defaultSecondOpinionMinScore, defaultSecondOpinionMaxScore
	}
	if so.VetoConfidence == 0 {
		so.VetoConfidence = defaultVetoConfidence
	}
}
