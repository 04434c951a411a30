package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tocsin-alerts/tocsin/matrix/matrixconfig"
	"github.com/tocsin-alerts/tocsin/route"
	"github.com/tocsin-alerts/tocsin/slack/slackconfig"
	"github.com/tocsin-alerts/tocsin/telegram/telegramconfig"
	"github.com/tocsin-alerts/tocsin/vocab"
	"github.com/tocsin-alerts/tocsin/webhook/webhookconfig"
)

// Config is tocsin's whole configuration. Zero config (no file) is Default():
// poll the seeds folder, SQLite in ./tocsin.db, console output, HTTP on
// 127.0.0.1:8080. config.example.yaml documents every key.
type Config struct {
	Log     Log      `yaml:"log"`
	HTTP    HTTP     `yaml:"http"`
	Store   Store    `yaml:"store"`
	Rules   Rules    `yaml:"rules"`
	Poller  Poller   `yaml:"poller"`
	Sources []Source `yaml:"sources"`
	Alerts  Alerts   `yaml:"alerts"`
	Outbox  Outbox   `yaml:"outbox"`
	Console Console  `yaml:"console"`
	// ShutdownTimeout bounds graceful shutdown (finish sends in flight).
	ShutdownTimeout Duration `yaml:"shutdown_timeout"`
	Discord         Discord  `yaml:"discord"`
	Summary         Summary  `yaml:"summary"`
	Web             Web      `yaml:"web"`
	// The notifiers besides the console and Discord; each section's type
	// lives next to its notifier, in a leaf package that links no SDK
	// (slack/slackconfig, ...; config/notifiers.go).
	Webhook  webhookconfig.Config  `yaml:"webhook"`
	Slack    slackconfig.Config    `yaml:"slack"`
	Telegram telegramconfig.Config `yaml:"telegram"`
	Matrix   matrixconfig.Config   `yaml:"matrix"`
	Replica  Replica               `yaml:"replica"`
}

// Replica configures this process as one replica among several sharing a
// PostgreSQL store (see the README's "Running replicas").
type Replica struct {
	// ID names this replica in /status, `tocsin status`, /metrics, the
	// logs and PostgreSQL's pg_stat_activity (application_name); empty:
	// hostname-pid. Give each replica its own (a pod name: ${HOSTNAME}).
	ID string `yaml:"id"`
	// LeaderCheck is how often a replica tries to become leader, and the
	// leader checks that it still is: a leader that dies is replaced
	// within about this long; one cut off from PostgreSQL stops leading
	// within twice this.
	LeaderCheck Duration `yaml:"leader_check"`
}

// Log configures log/slog output (to stderr).
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// HTTP configures the health, metrics and push endpoint server.
type HTTP struct {
	// Addr to listen on; empty disables the server.
	Addr string `yaml:"addr"`
	// PushToken is the bearer token of POST /v1/reports; empty disables
	// the push endpoint (it answers 401 to everyone).
	PushToken     Secret `yaml:"push_token"`
	PushTokenFile string `yaml:"push_token_file"`
	// PushMaxBodyBytes bounds one push request.
	PushMaxBodyBytes int64 `yaml:"push_max_body_bytes"`
	// APIToken is the bearer token of the JSON API (/v1/incidents,
	// /v1/silences, /v1/alerts.atom) and `tocsin silence`/`incidents`;
	// empty turns the API off. APIReadToken may only read.
	APIToken         Secret `yaml:"api_token"`
	APITokenFile     string `yaml:"api_token_file"`
	APIReadToken     Secret `yaml:"api_read_token"`
	APIReadTokenFile string `yaml:"api_read_token_file"`
}

// Store selects the database and how long it keeps what it stored.
type Store struct {
	// DSN is a SQLite file path (relative to the working directory), or a
	// postgres:// URL.
	DSN string `yaml:"dsn"`
	// DSNFile reads the DSN from a file instead (a PostgreSQL URL with a
	// password, as a Docker/Kubernetes secret).
	DSNFile string `yaml:"dsn_file"`
	// Retention is how long reports, resolved incidents, their delivered
	// alerts and expired silences are kept; 0 keeps everything.
	Retention Duration `yaml:"retention"`
	// PruneSchedule is the cron spec of the job that deletes what is past
	// retention.
	PruneSchedule string `yaml:"prune_schedule"`
}

// Store defaults.
const (
	defaultDSN           = "tocsin.db"
	defaultRetention     = Duration(90 * 24 * time.Hour)
	defaultPruneSchedule = "@every 1h"
)

// Rules selects the rule set.
type Rules struct {
	// Dir holds .yaml rule files; empty uses the built-in rules. Edits are
	// reloaded live (and on SIGHUP).
	Dir string `yaml:"dir"`
	// Prior is the learned conflict-context prior (package rules/prior).
	Prior Prior `yaml:"prior"`
}

// Prior configures the learned conflict-context prior: a model that weighs
// each report's context with the rules' evidence and holds back alerts
// whose combined probability is under the threshold.
type Prior struct {
	// Enabled turns the prior on (default); off, verdicts are the rules'
	// alone.
	Enabled bool `yaml:"enabled"`
	// Threshold is the combined probability an alert needs, 0 to 1:
	// lower alerts more (fewer misses), higher alerts less (fewer false
	// alarms). Default 0.4 (rules.DefaultPriorThreshold).
	Threshold float64 `yaml:"threshold"`
}

// Poller configures polling.
type Poller struct {
	// Schedule is the cron spec of the tick that looks for due sources
	// (seconds precision: "@every 1s", "*/5 * * * * *").
	Schedule        string   `yaml:"schedule"`
	Workers         int      `yaml:"workers"`
	DefaultInterval Duration `yaml:"default_interval"`
	BacklogAge      Duration `yaml:"backlog_age"`
	Timeout         Duration `yaml:"timeout"`
	MaxBodyBytes    int64    `yaml:"max_body_bytes"`
	PerHost         int      `yaml:"per_host"`
	ErrorBackoff    Duration `yaml:"error_backoff"`
	MaxErrorBackoff Duration `yaml:"max_error_backoff"`
	UserAgent       string   `yaml:"user_agent"`
}

// Source is one configured source.
type Source struct {
	ID string `yaml:"id"`
	// Kind is feed (RSS/Atom/RDF/JSON Feed over http(s) or file://) or
	// folder (a directory of .txt/.md/.json/.jsonl reports).
	Kind     string   `yaml:"kind"`
	URL      string   `yaml:"url"`
	Path     string   `yaml:"path"`
	Interval Duration `yaml:"interval"`
	FullText bool     `yaml:"full_text"`
	// AlertBacklog lets the items already in the source at its first poll
	// alert; by default they are stored and scored but held back (those
	// published within poller.backlog_age still alert).
	AlertBacklog bool `yaml:"alert_backlog"`
	// Labels describe the source (region: sahel, trust: wire...): they
	// travel with its reports onto incidents, where routes can match them.
	Labels map[string]string `yaml:"labels"`
}

// Alerts configures incident policy.
type Alerts struct {
	MinSeverity    string         `yaml:"min_severity"`
	Corroboration  map[string]int `yaml:"corroboration"`
	GroupWindow    Duration       `yaml:"group_window"`
	QuietAfter     Duration       `yaml:"quiet_after"`
	RepeatInterval Duration       `yaml:"repeat_interval"`
	DupThreshold   float64        `yaml:"dup_threshold"`
	// InhibitRules hold back the events of lesser incidents while a more
	// severe one like them is announced (route.Inhibit, alerts.InhibitRule).
	InhibitRules []route.Inhibit `yaml:"inhibit_rules"`
}

// Outbox configures delivery retries.
type Outbox struct {
	MaxAttempts int      `yaml:"max_attempts"`
	RetryBase   Duration `yaml:"retry_base"`
	RetryMax    Duration `yaml:"retry_max"`
	SendTimeout Duration `yaml:"send_timeout"`
	// StuckAfter: an alert still undelivered this long after it was
	// recorded makes /readyz fail (0 disables the check).
	StuckAfter Duration `yaml:"stuck_after"`
}

// Console configures the console notifier.
type Console struct {
	Enabled bool   `yaml:"enabled"`
	Format  string `yaml:"format"` // text or jsonl
}

// Demo reports whether this config is the demo: no sources, no push token
// and no notifier but the console. Only then are the sample reports in
// seeds/ polled. As soon as a real input or destination is configured, an
// empty sources list polls nothing: made-up stories must never reach a real
// channel. A new notifier's section joins the check here.
func (c *Config) Demo() bool {
	return len(c.Sources) == 0 && c.HTTP.PushToken == "" && c.HTTP.PushTokenFile == "" &&
		!c.Discord.Enabled() && c.Discord.TokenFile == "" && !c.anyNotifier()
}

// Default returns the configuration used when there is no file, and the
// base every file is decoded onto.
func Default() *Config {
	c := &Config{
		Log:   Log{Level: "info", Format: "text"},
		Rules: Rules{Prior: Prior{Enabled: true, Threshold: 0.4}},
		HTTP:  HTTP{Addr: "127.0.0.1:8080", PushMaxBodyBytes: 1 << 20},
		Store: Store{DSN: defaultDSN, Retention: defaultRetention, PruneSchedule: defaultPruneSchedule},
		Poller: Poller{Schedule: "@every 1s", Workers: 8, DefaultInterval: Duration(5 * 60e9), BacklogAge: Duration(24 * 3600e9),
			Timeout: Duration(30e9), MaxBodyBytes: 10 << 20, PerHost: 2, ErrorBackoff: Duration(60e9),
			MaxErrorBackoff: Duration(6 * 3600e9)},
		Alerts: Alerts{MinSeverity: "medium", Corroboration: map[string]int{"low": 2, "medium": 1, "high": 1, "critical": 1},
			GroupWindow: Duration(12 * 3600e9), QuietAfter: Duration(24 * 3600e9), RepeatInterval: Duration(10 * 60e9), DupThreshold: 0.5,
			InhibitRules: []route.Inhibit{}},
		Outbox: Outbox{MaxAttempts: 10, RetryBase: Duration(2e9), RetryMax: Duration(10 * 60e9), SendTimeout: Duration(30e9),
			StuckAfter: Duration(15 * 60e9)},
		Console:         Console{Enabled: true, Format: "text"},
		ShutdownTimeout: Duration(10e9),
		Web:             defaultWeb(),
		Replica:         Replica{LeaderCheck: Duration(1e9)},
	}
	defaultNotifiers(c)
	return c
}

// Options say how a config is loaded.
type Options struct {
	// Getenv resolves ${VAR}; nil means os.Getenv.
	Getenv func(string) string
	// Sections are the top-level keys the caller uses ("store", "log",
	// ...). An unset ${VAR}, a *_file secret and a validation problem
	// outside them are no concern of the caller: `tocsin status` reads the
	// store and needs no Discord token. Nil means every section. Decoding
	// problems (unknown keys, wrong types) are reported wherever they are.
	Sections []string
	// Override runs after decoding and before the one validation: the
	// command line's flags (--db, --http...) go here.
	Override func(*Config)
}

func (o Options) inScope(section string) bool {
	return o.Sections == nil || section == "" || slices.Contains(o.Sections, section)
}

// Load reads the YAML file at path onto Default(), expanding ${VAR} and
// ${VAR:-default} from getenv, refusing unknown keys, reading *_file secrets
// and validating. Every problem is reported at once.
func Load(path string, getenv func(string) string) (*Config, error) {
	return LoadWith(path, Options{Getenv: getenv})
}

// LoadWith is Load with options. An empty path means no file: Default(),
// with the overrides applied and validated.
func LoadWith(path string, o Options) (*Config, error) {
	if path == "" {
		return finish(Default(), o, nil)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	c, err := ParseWith(data, o)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// Parse decodes and validates YAML config bytes (see Load).
func Parse(data []byte, getenv func(string) string) (*Config, error) {
	return ParseWith(data, Options{Getenv: getenv})
}

// ParseWith is Parse with options (see LoadWith).
func ParseWith(data []byte, o Options) (*Config, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	var errs Errors
	where := locate(data)
	lines := bytes.Split(data, []byte("\n"))
	for i, ln := range lines {
		if bytes.HasPrefix(bytes.TrimSpace(ln), []byte("#")) {
			continue
		}
		lines[i] = envRef.ReplaceAllFunc(ln, func(m []byte) []byte {
			sub := envRef.FindSubmatch(m)
			name := string(sub[1])
			if v := getenv(name); v != "" {
				return []byte(v)
			}
			if sub[2] != nil {
				return sub[3]
			}
			section, path := where(i+1, string(m))
			if o.inScope(section) {
				errs.Add(path, "environment variable %s is not set (use ${%s:-default} for a default)", name, name)
			}
			return nil
		})
	}
	c := Default()
	dec := yaml.NewDecoder(bytes.NewReader(bytes.Join(lines, []byte("\n"))))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, m := range te.Errors {
				errs.Add(yamlPath(m), "%s", yamlMsg(m))
			}
		} else {
			errs.Add("yaml", "%v", err)
		}
	}
	return finish(c, o, errs)
}

// finish reads the secret files in scope, applies the overrides and
// validates, once, reporting every problem found on the way.
func finish(c *Config, o Options, errs Errors) (*Config, error) {
	if len(errs) > 0 {
		return nil, errs
	}
	c.readSecretFiles(o.inScope, &errs)
	if o.Override != nil {
		o.Override(c)
	}
	for _, e := range c.problems() {
		if o.inScope(section(e.Path)) {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// section is the top-level key of a field path ("discord" for
// "discord.channels[0].channel_id"); "" for a bare line reference.
func section(path string) string {
	if strings.HasPrefix(path, "line ") || path == "yaml" {
		return ""
	}
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

// locate maps a line of the raw file and a ${VAR} reference on it to the
// field it sits in: its top-level section and its path ("discord.token"),
// so that an unset variable is named by its field and ignored outside the
// caller's sections. A file that does not parse maps to "line N".
func locate(data []byte) func(line int, ref string) (section, path string) {
	var doc yaml.Node
	fallback := func(line int, _ string) (string, string) { return "", "line " + strconv.Itoa(line) }
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return fallback
	}
	top := doc.Content[0]
	type span struct {
		key        string
		start, end int // lines [start, end)
	}
	var spans []span
	for i := 0; i+1 < len(top.Content); i += 2 {
		spans = append(spans, span{key: top.Content[i].Value, start: top.Content[i].Line})
	}
	for i := range spans {
		spans[i].end = int(^uint(0) >> 1)
		if i+1 < len(spans) {
			spans[i].end = spans[i+1].start
		}
	}
	// Scalars that hold a reference, by line, with their paths.
	type hit struct {
		path, value string
	}
	byLine := map[int][]hit{}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := n.Content[i].Value
				if path != "" {
					p = path + "." + p
				}
				walk(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, path+"["+strconv.Itoa(i)+"]")
			}
		case yaml.ScalarNode:
			if strings.Contains(n.Value, "${") {
				byLine[n.Line] = append(byLine[n.Line], hit{path, n.Value})
			}
		}
	}
	walk(top, "")
	return func(line int, ref string) (string, string) {
		sec := ""
		for _, s := range spans {
			if line >= s.start && line < s.end {
				sec = s.key
			}
		}
		for _, h := range byLine[line] {
			if strings.Contains(h.value, ref) {
				return sec, h.path + " (line " + strconv.Itoa(line) + ")"
			}
		}
		if sec == "" {
			return "", "line " + strconv.Itoa(line)
		}
		return sec, sec + " (line " + strconv.Itoa(line) + ")"
	}
}

// ValidateSources checks sources as a config would: ids unique, a known
// kind with its url or path, labels. Problems are named sources[i].field.
func ValidateSources(srcs []Source) error {
	var errs Errors
	validateSources(srcs, &errs)
	return errs.Err()
}

func validateSources(srcs []Source, errs *Errors) {
	ids := map[string]bool{}
	for i, s := range srcs {
		path := fmt.Sprintf("sources[%d]", i)
		if s.ID == "" {
			errs.Add(path+".id", "required")
		} else if ids[s.ID] {
			errs.Add(path+".id", "duplicate id %q", s.ID)
		}
		ids[s.ID] = true
		switch s.Kind {
		case "feed":
			u, err := url.Parse(s.URL)
			if s.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file") {
				errs.Add(path+".url", "a feed needs an http://, https:// or file:// URL")
			}
			if s.Path != "" {
				errs.Add(path+".path", "only folder sources have a path")
			}
		case "folder":
			if s.Path == "" {
				errs.Add(path+".path", "a folder source needs a path")
			}
			if s.URL != "" {
				errs.Add(path+".url", "only feed sources have a url")
			}
		default:
			errs.Add(path+".kind", "%q is not feed or folder", s.Kind)
		}
		if s.Interval < 0 {
			errs.Add(path+".interval", "must not be negative")
		}
		validateLabels(path+".labels", s.Labels, errs)
	}
}

// yamlPath turns "line 5: field foo not found in type config.HTTP" into a
// location an operator can find: "line 5".
func yamlPath(m string) string {
	if strings.HasPrefix(m, "line ") {
		if i := strings.Index(m, ":"); i > 0 {
			return m[:i]
		}
	}
	return "yaml"
}

func yamlMsg(m string) string {
	if strings.HasPrefix(m, "line ") {
		if i := strings.Index(m, ": "); i > 0 {
			m = m[i+2:]
		}
	}
	if strings.HasPrefix(m, "field ") && strings.Contains(m, " not found in type ") {
		return "unknown key " + strings.TrimPrefix(m[:strings.Index(m, " not found")], "field ") + " (check spelling and nesting)"
	}
	return m
}

// Validate checks every field, fills in the documented defaults of zero
// fields, and reports all problems at once with their field paths. It does
// no I/O: secrets were read from their *_file keys by Load (or
// ReadSecretFiles), so calling it again changes nothing.
func (c *Config) Validate() error {
	return c.problems().Err()
}

func (c *Config) problems() Errors {
	var errs Errors
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs.Add("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		errs.Add("log.format", "%q is not text or json", c.Log.Format)
	}
	if c.HTTP.PushMaxBodyBytes <= 0 {
		errs.Add("http.push_max_body_bytes", "must be positive")
	}
	checkToken(&errs, "http.api_token", c.HTTP.APIToken)
	checkToken(&errs, "http.api_read_token", c.HTTP.APIReadToken)
	if c.HTTP.APIReadToken != "" && c.HTTP.APIReadToken == c.HTTP.APIToken {
		errs.Add("http.api_read_token", "must differ from api_token, or every reader could write")
	}
	if strings.TrimSpace(c.Store.DSN) == "" {
		errs.Add("store.dsn", "required (a SQLite file path or a postgres:// URL)")
	}
	if c.Store.Retention < 0 {
		errs.Add("store.retention", "must not be negative (0 keeps everything)")
	} else if c.Store.Retention > 0 && c.Store.Retention < Duration(time.Hour) {
		errs.Add("store.retention", "%v is shorter than an hour; incidents would vanish while still news", c.Store.Retention)
	}
	if c.Store.Retention > 0 && strings.TrimSpace(c.Store.PruneSchedule) == "" {
		errs.Add("store.prune_schedule", "required while store.retention is set (e.g. \"@every 1h\")")
	}
	if c.Replica.LeaderCheck < Duration(10*time.Millisecond) || c.Replica.LeaderCheck > Duration(time.Minute) {
		errs.Add("replica.leader_check", "%v is outside 10ms..1m (it bounds a leader failover)", c.Replica.LeaderCheck)
	}
	if len(c.Replica.ID) > 63 || strings.ContainsFunc(c.Replica.ID, func(r rune) bool { return r < ' ' || r > '~' }) {
		errs.Add("replica.id", "must be at most 63 printable ASCII characters (it is PostgreSQL's application_name)")
	}
	p := &c.Poller
	if p.Schedule == "" {
		errs.Add("poller.schedule", "required (e.g. \"@every 1s\")")
	}
	positive := func(path string, v int64) {
		if v <= 0 {
			errs.Add(path, "must be positive")
		}
	}
	positive("poller.workers", int64(p.Workers))
	positive("poller.default_interval", int64(p.DefaultInterval))
	positive("poller.backlog_age", int64(p.BacklogAge))
	positive("poller.timeout", int64(p.Timeout))
	positive("poller.max_body_bytes", p.MaxBodyBytes)
	positive("poller.per_host", int64(p.PerHost))
	positive("poller.error_backoff", int64(p.ErrorBackoff))
	if p.MaxErrorBackoff < p.ErrorBackoff {
		errs.Add("poller.max_error_backoff", "must be at least poller.error_backoff (%v)", p.ErrorBackoff)
	}
	validateSources(c.Sources, &errs)
	if err := alertingSeverity(c.Alerts.MinSeverity); err != nil {
		errs.Add("alerts.min_severity", "%v", err)
	}
	for k, v := range c.Alerts.Corroboration {
		if err := alertingSeverity(k); err != nil {
			errs.Add("alerts.corroboration."+k, "%v", err)
		}
		if v < 1 {
			errs.Add("alerts.corroboration."+k, "must be at least 1")
		}
	}
	positive("alerts.group_window", int64(c.Alerts.GroupWindow))
	if c.Alerts.QuietAfter < 0 {
		errs.Add("alerts.quiet_after", "must not be negative (0 disables quiet expiry)")
	}
	if c.Alerts.RepeatInterval < 0 {
		errs.Add("alerts.repeat_interval", "must not be negative")
	}
	if c.Alerts.DupThreshold <= 0 || c.Alerts.DupThreshold > 1 {
		errs.Add("alerts.dup_threshold", "must be in (0, 1]")
	}
	for i, r := range c.Alerts.InhibitRules {
		for _, p := range r.Check() {
			errs.Add(fmt.Sprintf("alerts.inhibit_rules[%d].%s", i, p.Field), "%s", p.Msg)
		}
	}
	positive("outbox.max_attempts", int64(c.Outbox.MaxAttempts))
	positive("outbox.retry_base", int64(c.Outbox.RetryBase))
	positive("outbox.send_timeout", int64(c.Outbox.SendTimeout))
	if c.Outbox.StuckAfter < 0 {
		errs.Add("outbox.stuck_after", "must not be negative (0 disables the check)")
	}
	if c.Outbox.RetryMax < c.Outbox.RetryBase {
		errs.Add("outbox.retry_max", "must be at least outbox.retry_base")
	}
	if c.Console.Format != "text" && c.Console.Format != "jsonl" {
		errs.Add("console.format", "%q is not text or jsonl", c.Console.Format)
	}
	positive("shutdown_timeout", int64(c.ShutdownTimeout))
	if t := c.Rules.Prior.Threshold; t < 0 || t > 1 {
		errs.Add("rules.prior.threshold", "must be a probability from 0 to 1, got %g", t)
	}
	c.Discord.validate("discord", &errs)
	c.Summary.validate("summary", &errs)
	c.Web.validate("web", &errs)
	c.checkNotifiers(&errs)
	return errs
}

// alertingSeverity checks a severity a user typed: one of the vocabulary's
// levels that can alert (not "none").
func alertingSeverity(s string) error {
	sev, err := vocab.ParseSeverity(s)
	if err != nil {
		return err
	}
	if sev == vocab.SevNone {
		return fmt.Errorf("%q never alerts; want low, medium, high or critical", s)
	}
	return nil
}
