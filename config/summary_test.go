package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func decodeSummary(t *testing.T, src string) (Summary, error) {
	t.Helper()
	var doc struct {
		Summary Summary `yaml:"summary"`
	}
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	err := dec.Decode(&doc)
	return doc.Summary, err
}

func TestSummaryDefaults(t *testing.T) {
	s, err := decodeSummary(t, "summary: {}\n")
	if err != nil {
		t.Fatal(err)
	}
	var errs Errors
	s.validate("summary", &errs)
	if errs.Err() != nil {
		t.Fatalf("empty summary section: %v", errs)
	}
	if time.Duration(s.Timeout) != 10*time.Second || time.Duration(s.Budget) != 15*time.Second || s.MaxTokens != 300 ||
		s.Concurrency != 2 || s.RequestsPerMinute != 60 || s.CacheSize != 512 || s.SecondOpinion.VetoConfidence != 0.8 {
		t.Errorf("defaults = %+v", s)
	}
}

func TestSummaryFull(t *testing.T) {
	// api_key_file is read by Load (secrets_test.go); here the key is inline.
	s, err := decodeSummary(t, `
summary:
  base_url: http://127.0.0.1:11434/v1
  model: llama3.1:8b
  api_key: sk-from-file
  timeout: 5s
  max_tokens: 200
  temperature: 0.1
  concurrency: 4
  requests_per_minute: 30
  budget: 1m30s
  cache_size: -1
  second_opinion: {enabled: true, veto_confidence: 0.9}
`)
	if err != nil {
		t.Fatal(err)
	}
	var errs Errors
	s.validate("summary", &errs)
	if errs.Err() != nil {
		t.Fatal(errs)
	}
	if s.APIKey.Reveal() != "sk-from-file" || time.Duration(s.Budget) != 90*time.Second || time.Duration(s.Timeout) != 5*time.Second ||
		s.CacheSize != -1 || s.SecondOpinion.MinScore != 1.0 || s.SecondOpinion.MaxScore != 2.5 || s.SecondOpinion.VetoConfidence != 0.9 {
		t.Errorf("decoded = %+v", s)
	}
	// The key never prints.
	var lb bytes.Buffer
	slog.New(slog.NewTextHandler(&lb, nil)).Info("cfg", "summary", s, "key", s.APIKey)
	js, _ := json.Marshal(s)
	ys, _ := yaml.Marshal(s)
	for _, out := range []string{fmt.Sprintf("%v %+v %#v", s, s, s), lb.String(), string(js), string(ys)} {
		if strings.Contains(out, "sk-from-file") {
			t.Errorf("key printed: %s", out)
		}
	}
	if !strings.Contains(string(ys), "budget: 1m30s") {
		t.Errorf("yaml = %s", ys)
	}
}

func TestSummaryErrorsNameFields(t *testing.T) {
	s, err := decodeSummary(t, `
summary:
  base_url: ftp://user:pw@example.org
  api_key: x
  max_tokens: -5
  temperature: 3
  concurrency: 100
  requests_per_minute: -2
  cache_size: -7
  second_opinion: {enabled: true, min_score: 0.7, max_score: 0.2, veto_confidence: 1.5}
`)
	if err != nil {
		t.Fatal(err)
	}
	var errs Errors
	s.validate("summary", &errs)
	var paths []string
	for _, fe := range errs {
		paths = append(paths, fe.Path)
	}
	sort.Strings(paths)
	want := []string{"summary.base_url", "summary.cache_size", "summary.concurrency", "summary.max_tokens",
		"summary.model", "summary.requests_per_minute", "summary.second_opinion.max_score",
		"summary.second_opinion.veto_confidence", "summary.temperature"}
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Errorf("error paths:\n got %v\nwant %v\n%v", paths, want, errs)
	}
	if strings.Contains(errs.Error(), "pw@") {
		t.Errorf("errors repeat credentials: %v", errs)
	}
}

func TestSummaryDecodeErrors(t *testing.T) {
	for _, src := range []string{
		"summary: {timeout: 10}\n",       // bare number: ambiguous unit
		"summary: {budget: soon}\n",      // not a duration
		"summary: {bse_url: http://x}\n", // typo: unknown key
		"summary: {timeout: [1s]}\n",     // not a scalar
	} {
		if _, err := decodeSummary(t, src); err == nil {
			t.Errorf("decoded %q without error", src)
		}
	}
	var errs Errors
	s := Summary{SecondOpinion: SummarySecondOpinion{Enabled: true}}
	s.validate("summary", &errs)
	if len(errs) != 1 || errs[0].Path != "summary.second_opinion.enabled" {
		t.Errorf("second opinion without a model: %v", errs)
	}
}
