package rules

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tocsin-alerts/tocsin/rules/geo"
	"github.com/tocsin-alerts/tocsin/rules/prior"
	"github.com/tocsin-alerts/tocsin/vocab"
)

//go:embed default/*.yaml
var defaultFS embed.FS

// Set is a compiled, immutable rule set. It is safe for concurrent use;
// reloading builds a new Set and swaps it in.
type Set struct {
	version  string
	rules    []*crule
	byID     map[string]*crule
	disabled []*Rule
	lexicon  Lexicon
	cats     vocab.Categories
	// origins are the stem-matched words of every term and where they
	// were written: recorded only by the compile Hygiene runs.
	origins []termOrigin
	sources map[string][]byte
	order   []string

	terms    []cterm
	stemIDs  map[string]int32
	surfIDs  map[string]int32
	prefixes []bool
	// postStem and postSurf index terms by their anchor's stem or exact
	// form (postings, in the order terms were first met), laid out flat
	// when the set is compiled.
	postStem, postSurf postingIndex
	numTerms           []int32
	cache              *stemCache

	// The index (index.go): per term its groups, boost groups and cue
	// kinds; per group the classes it wakes; the suppressor signatures
	// (globalSig: each global suppressor's) and the condition classes.
	termGroups     csr
	termBoosts     csr
	termCues       csr
	groupWakes     csr
	numGroups      int32
	numBoostGroups int32
	sigs           []supSig
	globalSig      []int32
	classes        []*cclass

	gaz *geo.Gazetteer
	// prior is the learned conflict-context model (nil: off) and
	// priorThreshold the combined probability an alert needs.
	prior          *prior.Model
	priorThreshold float64
	pool           sync.Pool // *scratch
}

// Option configures loading.
type Option func(*options)

type options struct {
	gaz            *geo.Gazetteer
	prior          *prior.Model
	priorThreshold float64
	priorSet       bool
}

// WithGazetteer shares one gazetteer across loads. Building one costs tens of
// milliseconds, so a service that reloads rules passes the one it built at
// start; without this option each load builds its own.
func WithGazetteer(g *geo.Gazetteer) Option {
	return func(o *options) { o.gaz = g }
}

// Default returns the built-in rule set, embedded in the binary.
func Default(opts ...Option) (*Set, error) {
	sub, err := fs.Sub(defaultFS, "default")
	if err != nil {
		return nil, fmt.Errorf("built-in rules: %w", err)
	}
	s, err := LoadFS(sub, ".", opts...)
	if err != nil {
		return nil, fmt.Errorf("built-in rules: %w", err)
	}
	return s, nil
}

// DefaultFiles returns the built-in rule files by name, for `rules export`.
func DefaultFiles() (map[string][]byte, error) {
	out := map[string][]byte{}
	err := fs.WalkDir(defaultFS, "default", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := defaultFS.ReadFile(p)
		out[path.Base(p)] = b
		return err
	})
	return out, err
}

// LoadDir reads, validates and compiles every .yaml/.yml file in dir. Any
// problem in any file refuses the whole set; the error is a Problems listing
// each one as file:line: field: message.
func LoadDir(dir string, opts ...Option) (*Set, error) {
	s, err := LoadFS(os.DirFS(dir), ".", opts...)
	if err != nil {
		var ps Problems
		if errors.As(err, &ps) {
			for i := range ps {
				if ps[i].File != "" && !strings.ContainsAny(ps[i].File, "/\\") {
					ps[i].File = path.Join(dir, ps[i].File)
				}
			}
			return nil, ps
		}
		return nil, err
	}
	return s, nil
}

// LoadFS is LoadDir over any file system (embedded defaults, tests).
func LoadFS(fsys fs.FS, dir string, opts ...Option) (*Set, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read rules directory: %w", err)
	}
	sources := map[string][]byte{}
	var order []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !(strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
			continue
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read rule file %s: %w", name, err)
		}
		sources[name] = b
		order = append(order, name)
	}
	if len(order) == 0 {
		return nil, Problems{{File: dir, Msg: "no .yaml rule files"}}
	}
	return Compile(sources, opts...)
}

// Compile parses and compiles rule files given by name.
func Compile(sources map[string][]byte, opts ...Option) (*Set, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	order := make([]string, 0, len(sources))
	for n := range sources {
		order = append(order, n)
	}
	sort.Strings(order)
	files := map[string]*file{}
	var all Problems
	parsedFiles, probs := parseAll(order, sources)
	for i, n := range order {
		all = append(all, probs[i]...)
		if parsedFiles[i] != nil {
			files[n] = parsedFiles[i]
		}
	}
	// Compile what parsed even when some files did not, so that one run
	// reports every problem (a duplicate id across files, an unknown list)
	// rather than making the admin fix them one run at a time.
	parsed := make([]string, 0, len(order))
	for _, n := range order {
		if files[n] != nil {
			parsed = append(parsed, n)
		}
	}
	s, ps := compileWith(files, parsed, sources, false)
	all = append(all, ps...)
	if len(all) > 0 {
		return nil, dedupe(all.sorted())
	}
	if o.gaz == nil {
		g, err := geo.New()
		if err != nil {
			return nil, fmt.Errorf("gazetteer: %w", err)
		}
		o.gaz = g
	}
	s.gaz = o.gaz
	if !o.priorSet {
		m, err := prior.Builtin()
		if err != nil {
			return nil, err
		}
		o.prior, o.priorThreshold = m, DefaultPriorThreshold
	}
	s.prior, s.priorThreshold = o.prior, o.priorThreshold
	return s, nil
}

// parseAll parses the files on every core: parsing YAML is most of the
// cost of loading a large set. Each worker shares strings and term lists
// among the files it parses; a panic in one is raised again here, as if the
// files had been parsed in line.
func parseAll(order []string, sources map[string][]byte) ([]*file, []Problems) {
	files, probs := make([]*file, len(order)), make([]Problems, len(order))
	var next atomic.Int64
	var wg sync.WaitGroup
	var panicked atomic.Value
	for range min(runtime.GOMAXPROCS(0), len(order)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					panicked.CompareAndSwap(nil, p)
				}
			}()
			in := newInterner()
			for i := int(next.Add(1) - 1); i < len(order); i = int(next.Add(1) - 1) {
				files[i], probs[i] = parseFileInterned(order[i], sources[order[i]], in)
			}
		}()
	}
	wg.Wait()
	if p := panicked.Load(); p != nil {
		panic(p)
	}
	return files, probs
}

// Prior returns the learned prior in use (nil: off) and its threshold.
func (s *Set) Prior() (*prior.Model, float64) { return s.prior, s.priorThreshold }

func dedupe(ps Problems) Problems {
	out := ps[:0]
	seen := map[Problem]bool{}
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

func compileWith(files map[string]*file, order []string, sources map[string][]byte, withOrigins bool) (*Set, Problems) {
	s, ps := compile(files, order, sources, withOrigins)
	if s != nil {
		s.sources = sources
		s.order = order
	}
	return s, ps
}

// Version identifies the rule set's content (a hash of its files), stored
// with every score so a verdict can be traced to the rules that produced it.
func (s *Set) Version() string { return s.version }

// RuleInfo describes one rule for listings (`rules list`, Discord /rules).
type RuleInfo struct {
	ID, Title, Description, Owner, Category, File string
	Severity                                      Severity
	Enabled                                       bool
	Line                                          int
}

// Gazetteer returns the gazetteer the set resolves places with, so callers
// (autocomplete, reloads) can share it.
func (s *Set) Gazetteer() *geo.Gazetteer { return s.gaz }

// Rules lists every rule, enabled first, in file order.
func (s *Set) Rules() []RuleInfo {
	var out []RuleInfo
	add := func(r *Rule) {
		out = append(out, RuleInfo{ID: r.ID, Title: r.Title, Description: r.Description, Owner: r.Owner,
			Category: r.Category, File: r.File, Severity: r.Severity, Enabled: r.Enabled, Line: r.Line})
	}
	for _, r := range s.rules {
		add(r.Rule)
	}
	for _, r := range s.disabled {
		add(r)
	}
	return out
}
